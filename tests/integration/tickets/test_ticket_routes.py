"""Opening and following tickets over REST against real Postgres: who sees what, bad input, idempotency keys."""

from support.builders import ticket_request


async def test_staff_see_their_own_tickets_and_not_their_colleagues(desk, tokens):
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("staff", sub="bob")
    mine = (await desk.tickets.post("/tickets", json=ticket_request(subject="Mine"), headers=alice)).json()
    await desk.tickets.post("/tickets", json=ticket_request(subject="Bob's"), headers=bob)
    listed = (await desk.tickets.get("/tickets", headers=alice)).json()
    assert [t["subject"] for t in listed] == ["Mine"]
    assert (await desk.tickets.get(f"/tickets/{mine['id']}", headers=alice)).status_code == 200
    assert (await desk.tickets.get(f"/tickets/{mine['id']}", headers=bob)).status_code == 404


async def test_a_request_without_a_valid_token_gets_401_and_the_wrong_role_403(desk, tokens):
    assert (await desk.tickets.post("/tickets", json=ticket_request())).status_code == 401
    forged = {"Authorization": "Bearer not-a-jwt"}
    assert (await desk.tickets.post("/tickets", json=ticket_request(), headers=forged)).status_code == 401
    expired = {"Authorization": f"Bearer {tokens('staff', ttl_seconds=-5)}"}
    assert (await desk.tickets.post("/tickets", json=ticket_request(), headers=expired)).status_code == 401
    denied = await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("reporting"))
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"


async def test_a_malformed_body_gets_422_naming_the_field_and_appends_nothing(desk, tokens, db):
    body = ticket_request(impact="catastrophic")
    del body["subject"]
    response = await desk.tickets.post("/tickets", json=body, headers=tokens.headers("staff"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"subject", "impact"}
    schema = desk.settings["tickets"].schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 0


async def test_an_oversized_description_is_refused(desk, tokens):
    response = await desk.tickets.post("/tickets", json=ticket_request(description="x" * 1_000_000),
                                        headers=tokens.headers("staff"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "description"


async def test_a_replayed_idempotency_key_returns_the_first_ticket(desk, tokens, db):
    headers = {**tokens.headers("staff"), "Idempotency-Key": "open-printer-1"}
    first = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    again = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    schema = desk.settings["tickets"].schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 1
    other = await desk.tickets.post("/tickets", json=ticket_request(subject="Other"), headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
