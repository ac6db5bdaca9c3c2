"""A ticket opened over REST travels through the outbox, the relay and Kafka into the metrics projection."""

from datetime import UTC, datetime

from support.apps import eventually
from support.builders import ticket_request


async def test_a_ticket_opened_over_rest_reaches_the_audit_history_and_the_daily_count(suite, tokens):
    staff, auditor = tokens.headers("staff", sub="alice"), tokens.headers("auditor", sub="audrey")
    staff["X-Correlation-ID"] = "c-42"
    response = await suite.tickets.post("/tickets", json=ticket_request(), headers=staff)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["Location"] == f"/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["priority"], ticket["requester_id"]) == ("new", "P3", "alice")

    async def audit():
        found = await suite.metrics.get("/audit", params={"entity_id": ticket["id"]}, headers=auditor)
        return found.json()

    [entry] = await eventually(audit, within=5)
    assert (entry["event_type"], entry["actor"], entry["correlation_id"]) == ("tickets.ticket_opened", "alice", "c-42")
    assert entry["payload"]["subject"] == "Monitor flickers"
    today = datetime.now(UTC).date().isoformat()
    kpi = await suite.metrics.get("/kpis/tickets-opened", params={"from": today, "to": today}, headers=auditor)
    assert kpi.json()["days"] == [{"day": today, "tickets_opened": 1}]


async def test_another_tenant_never_sees_the_ticket_or_its_history(suite, tokens):
    ticket = (await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    stranger = tokens.headers("auditor", tenant="another-city")
    await eventually(lambda: _audited(suite, tokens, ticket["id"]))
    assert (await suite.tickets.get(f"/tickets/{ticket['id']}", headers=stranger)).status_code == 404
    assert (await suite.metrics.get("/audit", params={"entity_id": ticket["id"]}, headers=stranger)).json() == []


async def _audited(suite, tokens, entity_id) -> bool:
    found = await suite.metrics.get("/audit", params={"entity_id": entity_id}, headers=tokens.headers("auditor"))
    return bool(found.json())


