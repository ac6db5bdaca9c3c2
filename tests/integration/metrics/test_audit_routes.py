"""The audit trail over HTTP: who reads which part of it; the desk's internal comments are not for reporting tools."""

import pytest

from events.envelope import Envelope
from metrics.projections import projection
from support.builders import ticket_request
from support.suite import suite_of


@pytest.fixture
async def desk_and_metrics(settings_for, db):
    async with suite_of(settings_for, "tickets", "metrics", broker=False) as running_suite:
        yield running_suite


async def project_the_store(suite, db) -> None:
    """What the projector does with each record, fed from the tickets store itself (no broker in this tier)."""
    rows = await db.fetch(f'SELECT envelope FROM "{suite.settings["tickets"].schema}".events ORDER BY global_position')
    async with suite.apps["metrics"].state.pool.acquire() as conn:
        for row in rows:
            await projection.apply(conn, Envelope.from_json(row["envelope"]))


async def commented_ticket(suite, tokens, db) -> str:
    ticket = (await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    tina = tokens.headers("technician", sub="tina")
    for body, visibility in (("Caller is on leave until May", "internal"), ("Replacement ordered", "public")):
        comment = {"body": body, "visibility": visibility}
        response = await suite.tickets.post(f"/tickets/{ticket['id']}/comments", json=comment, headers=tina)
        assert response.status_code == 200, response.text
    await project_the_store(suite, db)
    return ticket["id"]


async def comments_seen_by(suite, tokens, role: str, ticket_id: str) -> list[tuple]:
    response = await suite.metrics.get("/audit", params={"entity_id": ticket_id}, headers=tokens.headers(role))
    assert response.status_code == 200, response.text
    return [(e["payload"]["visibility"], e["payload"].get("body"), e["withheld"])
            for e in response.json() if e["event_type"] == "tickets.comment_added"]


async def test_reporting_tools_get_the_audit_trail_with_internal_comment_bodies_withheld(desk_and_metrics, tokens, db):
    ticket_id = await commented_ticket(desk_and_metrics, tokens, db)
    assert await comments_seen_by(desk_and_metrics, tokens, "reporting", ticket_id) == [
        ("internal", None, ["body"]), ("public", "Replacement ordered", [])]


@pytest.mark.parametrize("role", ["auditor", "manager"])
async def test_auditors_and_managers_see_every_comment_whole(desk_and_metrics, tokens, db, role):
    ticket_id = await commented_ticket(desk_and_metrics, tokens, db)
    assert await comments_seen_by(desk_and_metrics, tokens, role, ticket_id) == [
        ("internal", "Caller is on leave until May", []), ("public", "Replacement ordered", [])]
