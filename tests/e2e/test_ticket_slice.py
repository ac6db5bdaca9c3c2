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


async def test_staff_see_their_own_tickets_and_not_their_colleagues(suite, tokens):
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("staff", sub="bob")
    mine = (await suite.tickets.post("/tickets", json=ticket_request(subject="Mine"), headers=alice)).json()
    await suite.tickets.post("/tickets", json=ticket_request(subject="Bob's"), headers=bob)
    listed = (await suite.tickets.get("/tickets", headers=alice)).json()
    assert [t["subject"] for t in listed] == ["Mine"]
    assert (await suite.tickets.get(f"/tickets/{mine['id']}", headers=alice)).status_code == 200
    assert (await suite.tickets.get(f"/tickets/{mine['id']}", headers=bob)).status_code == 404


async def test_another_tenant_never_sees_the_ticket_or_its_history(suite, tokens):
    ticket = (await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    stranger = tokens.headers("auditor", tenant="another-city")
    await eventually(lambda: _audited(suite, tokens, ticket["id"]))
    assert (await suite.tickets.get(f"/tickets/{ticket['id']}", headers=stranger)).status_code == 404
    assert (await suite.metrics.get("/audit", params={"entity_id": ticket["id"]}, headers=stranger)).json() == []


async def _audited(suite, tokens, entity_id) -> bool:
    found = await suite.metrics.get("/audit", params={"entity_id": entity_id}, headers=tokens.headers("auditor"))
    return bool(found.json())


async def test_a_request_without_a_valid_token_gets_401_and_the_wrong_role_403(suite, tokens):
    assert (await suite.tickets.post("/tickets", json=ticket_request())).status_code == 401
    forged = {"Authorization": "Bearer not-a-jwt"}
    assert (await suite.tickets.post("/tickets", json=ticket_request(), headers=forged)).status_code == 401
    expired = {"Authorization": f"Bearer {tokens('staff', ttl_seconds=-5)}"}
    assert (await suite.tickets.post("/tickets", json=ticket_request(), headers=expired)).status_code == 401
    denied = await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("reporting"))
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"


async def test_a_malformed_body_gets_422_naming_the_field_and_appends_nothing(suite, tokens, db):
    body = ticket_request(impact="catastrophic")
    del body["subject"]
    response = await suite.tickets.post("/tickets", json=body, headers=tokens.headers("staff"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"subject", "impact"}
    schema = suite.tickets_settings.schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 0


async def test_an_oversized_description_is_refused(suite, tokens):
    response = await suite.tickets.post("/tickets", json=ticket_request(description="x" * 1_000_000),
                                        headers=tokens.headers("staff"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "description"


async def test_a_replayed_idempotency_key_returns_the_first_ticket(suite, tokens, db):
    headers = {**tokens.headers("staff"), "Idempotency-Key": "open-printer-1"}
    first = await suite.tickets.post("/tickets", json=ticket_request(), headers=headers)
    again = await suite.tickets.post("/tickets", json=ticket_request(), headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    schema = suite.tickets_settings.schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 1
    other = await suite.tickets.post("/tickets", json=ticket_request(subject="Other"), headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
