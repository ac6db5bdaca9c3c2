"""Idempotency keys over HTTP against real Postgres: each caller's own, marked when replayed, forgotten when expired."""

from datetime import timedelta

from events.idempotency import purge_expired_keys
from support.builders import ticket_request


def keys_table(desk) -> str:
    return f'"{desk.settings["tickets"].schema}".idempotency_keys'


async def test_another_caller_repeating_a_key_gets_their_own_ticket_never_the_first_callers(desk, tokens, db):
    x = {**tokens.headers("staff", sub="xavier"), "Idempotency-Key": "printer-jam"}
    y = {**tokens.headers("staff", sub="yvonne"), "Idempotency-Key": "printer-jam"}
    first = await desk.tickets.post("/tickets", json=ticket_request(), headers=x)
    other = await desk.tickets.post("/tickets", json=ticket_request(), headers=y)
    assert (first.status_code, other.status_code) == (201, 201)
    assert other.json()["id"] != first.json()["id"]
    assert (first.json()["requester_id"], other.json()["requester_id"]) == ("xavier", "yvonne")
    assert "Idempotent-Replayed" not in other.headers
    assert (await desk.tickets.get(f"/tickets/{other.json()['id']}", headers=y)).status_code == 200
    again = await desk.tickets.post("/tickets", json=ticket_request(), headers=x)
    assert again.json()["id"] == first.json()["id"]
    assert await db.fetchval(f'SELECT count(*) FROM "{desk.settings["tickets"].schema}".events') == 2


async def test_an_empty_key_is_refused_naming_the_header_and_never_answers_another_request(desk, tokens, db):
    headers = {**tokens.headers("technician"), "Idempotency-Key": ""}
    opened = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    assert opened.status_code == 422 and "Idempotency-Key" in opened.text
    assert await db.fetchval(f"SELECT count(*) FROM {keys_table(desk)}") == 0


async def test_a_replayed_answer_is_marked_and_the_first_is_not(desk, tokens):
    headers = {**tokens.headers("staff"), "Idempotency-Key": "monitor-1"}
    first = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    again = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.json(), again.headers["ETag"]) == (201, first.json(), first.headers["ETag"])


async def test_an_expired_key_answers_nothing_and_is_forgotten(desk, tokens, db):
    headers = {**tokens.headers("staff"), "Idempotency-Key": "keyboard-1"}
    first = await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)
    await db.execute(f"UPDATE {keys_table(desk)} SET created_at = now() - interval '25 hours'")
    later = await desk.tickets.post("/tickets", json=ticket_request(subject="Another"), headers=headers)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in later.headers
    rows = await db.fetch(f"SELECT response->>'id' AS id FROM {keys_table(desk)}")
    assert [row["id"] for row in rows] == [later.json()["id"]]


async def test_the_purge_deletes_expired_keys_and_keeps_live_ones(desk, tokens, db):
    for key in ("old-1", "old-2", "fresh"):
        headers = {**tokens.headers("staff"), "Idempotency-Key": key}
        assert (await desk.tickets.post("/tickets", json=ticket_request(), headers=headers)).status_code == 201
    await db.execute(f"UPDATE {keys_table(desk)} SET created_at = now() - interval '2 days' WHERE key LIKE 'old-%'")
    await purge_expired_keys(timedelta(hours=24)).run_pass(desk.apps["tickets"].state.pool)
    assert [row["key"] for row in await db.fetch(f"SELECT key FROM {keys_table(desk)}")] == ["fresh"]
