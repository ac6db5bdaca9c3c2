"""Work orders over REST: the technician's lifecycle, roles and tenants, preconditions, and repairs reaching metrics."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from support.apps import eventually
from support.builders import ticket_request
from tickets.preventive_scheduler import raise_due_work_orders

DEVICE = str(uuid4())


def utc_today() -> date:
    return datetime.now(UTC).date()


def order_request(**overrides) -> dict:
    return {"title": "Replace fuser", "description": "3rd floor printer", "device_id": DEVICE, **overrides}


async def create_order(suite, tokens, **overrides) -> tuple[dict, str]:
    response = await suite.tickets.post("/work-orders", json=order_request(**overrides),
                                        headers=tokens.headers("technician", sub="tom"))
    assert response.status_code == 201, response.text
    return response.json(), response.headers["ETag"]


async def step(suite, headers, order_id: str, action: str, etag: str, body: dict | None = None):
    response = await suite.tickets.post(f"/work-orders/{order_id}/{action}", json=body,
                                        headers={**headers, "If-Match": etag})
    assert response.status_code == 200, (action, response.text)
    return response.json(), response.headers["ETag"]


async def event_count(suite, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{suite.tickets_settings.schema}".events')


async def test_a_work_order_is_scheduled_worked_repaired_and_completed_and_its_repair_reaches_the_audit(suite, tokens):
    ticket = (await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    tom = tokens.headers("technician", sub="tom")
    response = await suite.tickets.post("/work-orders", json=order_request(ticket_id=ticket["id"]), headers=tom)
    assert response.status_code == 201, response.text
    order, etag = response.json(), response.headers["ETag"]
    assert (response.headers["Location"], etag, order["status"]) == (f"/work-orders/{order['id']}", '"1"', "created")
    when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    order, etag = await step(suite, tom, order["id"], "schedule", etag, {"technician_id": "tom", "scheduled_for": when})
    order, etag = await step(suite, tom, order["id"], "start", etag)
    order, etag = await step(suite, tom, order["id"], "time", etag, {"minutes": 20, "note": "diagnosis"})
    parts = [{"part": "fuser unit", "quantity": 1, "unit_cost": "189.00"}]
    order, etag = await step(suite, tom, order["id"], "parts", etag, {"parts": parts})
    repair = {"fault": "Fuser worn out", "action": "Replaced the fuser unit", "minutes": 40}
    order, etag = await step(suite, tom, order["id"], "repairs", etag, repair)
    order, etag = await step(suite, tom, order["id"], "complete", etag, {"summary": "Printing again"})
    assert (order["status"], order["minutes"], order["version"], etag) == ("completed", 60, 7, '"7"')
    fetched = await suite.tickets.get(f"/work-orders/{order['id']}", headers=tokens.headers("auditor"))
    assert (fetched.json(), fetched.headers["ETag"]) == (order, '"7"')

    async def repair_audited():
        found = await suite.metrics.get("/audit", params={"entity_id": order["id"]}, headers=tokens.headers("auditor"))
        return [e for e in found.json() if e["event_type"] == "tickets.repair_logged"]

    [entry] = await eventually(repair_audited, within=5)
    assert (entry["actor"], entry["payload"]["device_id"], entry["payload"]["ticket_id"]) == ("tom", DEVICE,
                                                                                             ticket["id"])
    assert (entry["payload"]["technician_id"], entry["payload"]["minutes"]) == ("tom", 40)


async def test_staff_get_nothing_auditors_only_read_and_another_tenant_sees_no_order(suite, tokens):
    order, _ = await create_order(suite, tokens)
    staff, auditor = tokens.headers("staff"), tokens.headers("auditor")
    stranger = tokens.headers("technician", tenant="another-city")
    assert (await suite.tickets.post("/work-orders", json=order_request(), headers=staff)).status_code == 403
    assert (await suite.tickets.get(f"/work-orders/{order['id']}", headers=staff)).status_code == 403
    assert (await suite.tickets.get("/work-orders", headers=staff)).status_code == 403
    assert (await suite.tickets.get(f"/work-orders/{order['id']}", headers=auditor)).status_code == 200
    assert [o["id"] for o in (await suite.tickets.get("/work-orders", headers=auditor)).json()] == [order["id"]]
    assert (await suite.tickets.post(f"/work-orders/{order['id']}/start", headers=auditor)).status_code == 403
    assert (await suite.tickets.get(f"/work-orders/{order['id']}", headers=stranger)).status_code == 404
    assert (await suite.tickets.post(f"/work-orders/{order['id']}/start", headers=stranger)).status_code == 404
    assert (await suite.tickets.get("/work-orders", headers=stranger)).json() == []
    assert (await suite.tickets.post(f"/work-orders/{order['id']}/start", headers=tokens.headers("manager"))).is_success


async def test_a_stale_if_match_gets_412_and_appends_nothing(suite, tokens, db):
    order, etag = await create_order(suite, tokens)
    tom = tokens.headers("technician", sub="tom")
    await step(suite, tom, order["id"], "time", etag, {"minutes": 5})
    before = await event_count(suite, db)
    stale = await suite.tickets.post(f"/work-orders/{order['id']}/start", headers={**tom, "If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert await event_count(suite, db) == before


async def test_a_bad_body_gets_422_naming_the_field_and_appends_nothing(suite, tokens, db):
    order, _ = await create_order(suite, tokens)
    tom, before = tokens.headers("technician", sub="tom"), await event_count(suite, db)
    response = await suite.tickets.post(f"/work-orders/{order['id']}/time", json={"minutes": 0}, headers=tom)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["minutes"]
    bad = order_request(kind="urgent", colour="red")
    del bad["title"]
    response = await suite.tickets.post("/work-orders", json=bad, headers=tom)
    assert {e["field"] for e in response.json()["errors"]} == {"title", "kind", "colour"}
    parts = {"parts": [{"part": "toner", "quantity": -1}]}
    response = await suite.tickets.post(f"/work-orders/{order['id']}/parts", json=parts, headers=tom)
    assert [e["field"] for e in response.json()["errors"]] == ["parts.0.quantity"]
    unknown_ticket = await suite.tickets.post("/work-orders", json=order_request(ticket_id=str(uuid4())), headers=tom)
    assert unknown_ticket.status_code == 422 and unknown_ticket.json()["detail"].startswith("ticket_id:")
    assert await event_count(suite, db) == before


async def test_a_transition_the_rules_refuse_gets_409_naming_the_rule(suite, tokens):
    order, _ = await create_order(suite, tokens, device_id=None)
    tom = tokens.headers("technician", sub="tom")
    response = await suite.tickets.post(f"/work-orders/{order['id']}/complete", json={"summary": "done"}, headers=tom)
    assert (response.status_code, response.json()["rule"]) == (409, "WorkOrderNotStarted")
    await suite.tickets.post(f"/work-orders/{order['id']}/start", headers=tom)
    response = await suite.tickets.post(f"/work-orders/{order['id']}/repairs",
                                        json={"fault": "f", "action": "a"}, headers=tom)
    assert (response.status_code, response.json()["rule"]) == (409, "WorkOrderHasNoDevice")
    unknown = await suite.tickets.post(f"/work-orders/{uuid4()}/start", headers=tom)
    assert unknown.status_code == 404


async def test_the_work_order_list_filters_and_pages(suite, tokens):
    ticket = (await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    on_ticket, _ = await create_order(suite, tokens, ticket_id=ticket["id"], device_id=None)
    booked, etag = await create_order(suite, tokens, title="Swap UPS battery")
    when = datetime.now(UTC).isoformat()
    await step(suite, tokens.headers("manager"), booked["id"], "schedule", etag,
               {"technician_id": "ann", "scheduled_for": when})
    manager = tokens.headers("manager")

    async def ids(**params) -> list[str]:
        response = await suite.tickets.get("/work-orders", params=params, headers=manager)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()]

    assert await ids(assignee="ann") == [booked["id"]]
    assert await ids(status="created") == [on_ticket["id"]]
    assert await ids(ticket_id=ticket["id"]) == [on_ticket["id"]]
    assert await ids(device_id=DEVICE) == [booked["id"]]
    assert await ids(kind="preventive") == []
    assert await ids(limit=1, offset=1) == [on_ticket["id"]]
    assert (await suite.tickets.get("/work-orders", params={"limit": 1000}, headers=manager)).status_code == 422


async def test_a_replayed_idempotency_key_returns_the_first_work_order(suite, tokens, db):
    headers = {**tokens.headers("technician"), "Idempotency-Key": "fuser-1"}
    first = await suite.tickets.post("/work-orders", json=order_request(), headers=headers)
    again = await suite.tickets.post("/work-orders", json=order_request(), headers=headers)
    assert (again.status_code, again.json(), again.headers["ETag"]) == (201, first.json(), first.headers["ETag"])
    assert await event_count(suite, db) == 1


async def test_managers_plan_preventive_work_that_raises_work_orders_and_can_be_retired(suite, tokens):
    manager, tom = tokens.headers("manager"), tokens.headers("technician", sub="tom")
    body = {"title": "Clean CRAC filters", "device_id": DEVICE, "every_days": 7, "assignee_id": "tom",
            "starts_on": (utc_today() - timedelta(days=7)).isoformat()}
    assert (await suite.tickets.post("/preventive-schedules", json=body, headers=tom)).status_code == 403
    response = await suite.tickets.post("/preventive-schedules", json=body, headers=manager)
    assert response.status_code == 201, response.text
    schedule = response.json()
    assert (schedule["status"], schedule["next_due"]) == ("active", body["starts_on"])
    await raise_due_work_orders(suite.tickets_app.state.pool)
    raised = (await suite.tickets.get("/work-orders", params={"kind": "preventive"}, headers=tom)).json()
    assert sorted((o["occurrence"], o["status"], o["technician_id"]) for o in raised) == [
        (body["starts_on"], "scheduled", "tom"), (utc_today().isoformat(), "scheduled", "tom")]
    [listed] = (await suite.tickets.get("/preventive-schedules", headers=tom)).json()
    retire = await suite.tickets.post(f"/preventive-schedules/{schedule['id']}/retire", json={"reason": "replaced"},
                                      headers={**manager, "If-Match": f'"{listed["version"]}"'})
    assert (retire.status_code, retire.json()["status"], retire.json()["next_due"]) == (200, "retired", None)


async def test_a_preventive_schedule_needs_exactly_one_recurrence(suite, tokens):
    body = {"title": "Patch servers", "starts_on": utc_today().isoformat(), "every_days": 30, "day_of_month": 1}
    response = await suite.tickets.post("/preventive-schedules", json=body, headers=tokens.headers("manager"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["day_of_month"]
