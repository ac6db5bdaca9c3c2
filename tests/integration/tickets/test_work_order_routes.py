"""Work orders and preventive schedules over REST against real Postgres: roles, tenants, preconditions, lists."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from events.envelope import utcnow
from support.builders import ticket_request, work_order_request
from tickets.schedulers import raise_due_work_orders

DEVICE = str(uuid4())


def utc_today() -> date:
    return datetime.now(UTC).date()


def order_request(**overrides) -> dict:
    return work_order_request(**{"device_id": DEVICE, **overrides})


async def create_order(desk, tokens, **overrides) -> tuple[dict, str]:
    response = await desk.tickets.post("/work-orders", json=order_request(**overrides),
                                        headers=tokens.headers("technician", sub="tom"))
    assert response.status_code == 201, response.text
    return response.json(), response.headers["ETag"]


async def step(desk, headers, order_id: str, action: str, etag: str, body: dict | None = None):
    response = await desk.tickets.post(f"/work-orders/{order_id}/{action}", json=body,
                                        headers={**headers, "If-Match": etag})
    assert response.status_code == 200, (action, response.text)
    return response.json(), response.headers["ETag"]


async def event_count(desk, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{desk.settings["tickets"].schema}".events')


async def test_staff_get_nothing_auditors_only_read_and_another_tenant_sees_no_order(desk, tokens):
    order, _ = await create_order(desk, tokens)
    staff, auditor = tokens.headers("staff"), tokens.headers("auditor")
    stranger = tokens.headers("technician", tenant="another-city")
    assert (await desk.tickets.post("/work-orders", json=order_request(), headers=staff)).status_code == 403
    assert (await desk.tickets.get(f"/work-orders/{order['id']}", headers=staff)).status_code == 403
    assert (await desk.tickets.get("/work-orders", headers=staff)).status_code == 403
    assert (await desk.tickets.get(f"/work-orders/{order['id']}", headers=auditor)).status_code == 200
    assert [o["id"] for o in (await desk.tickets.get("/work-orders", headers=auditor)).json()] == [order["id"]]
    assert (await desk.tickets.post(f"/work-orders/{order['id']}/start", headers=auditor)).status_code == 403
    assert (await desk.tickets.get(f"/work-orders/{order['id']}", headers=stranger)).status_code == 404
    assert (await desk.tickets.post(f"/work-orders/{order['id']}/start", headers=stranger)).status_code == 404
    assert (await desk.tickets.get("/work-orders", headers=stranger)).json() == []
    assert (await desk.tickets.post(f"/work-orders/{order['id']}/start", headers=tokens.headers("manager"))).is_success


async def test_a_stale_if_match_gets_412_and_appends_nothing(desk, tokens, db):
    order, etag = await create_order(desk, tokens)
    tom = tokens.headers("technician", sub="tom")
    await step(desk, tom, order["id"], "time", etag, {"minutes": 5})
    before = await event_count(desk, db)
    stale = await desk.tickets.post(f"/work-orders/{order['id']}/start", headers={**tom, "If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert await event_count(desk, db) == before


async def test_a_bad_body_gets_422_naming_the_field_and_appends_nothing(desk, tokens, db):
    order, _ = await create_order(desk, tokens)
    tom, before = tokens.headers("technician", sub="tom"), await event_count(desk, db)
    response = await desk.tickets.post(f"/work-orders/{order['id']}/time", json={"minutes": 0}, headers=tom)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["minutes"]
    bad = order_request(kind="urgent", colour="red")
    del bad["title"]
    response = await desk.tickets.post("/work-orders", json=bad, headers=tom)
    assert {e["field"] for e in response.json()["errors"]} == {"title", "kind", "colour"}
    parts = {"parts": [{"part": "toner", "quantity": -1}]}
    response = await desk.tickets.post(f"/work-orders/{order['id']}/parts", json=parts, headers=tom)
    assert [e["field"] for e in response.json()["errors"]] == ["parts.0.quantity"]
    unknown_ticket = await desk.tickets.post("/work-orders", json=order_request(ticket_id=str(uuid4())), headers=tom)
    assert unknown_ticket.status_code == 422 and unknown_ticket.json()["detail"].startswith("ticket_id:")
    assert await event_count(desk, db) == before


async def test_a_transition_the_rules_refuse_gets_409_naming_the_rule(desk, tokens):
    order, _ = await create_order(desk, tokens, device_id=None)
    tom = tokens.headers("technician", sub="tom")
    response = await desk.tickets.post(f"/work-orders/{order['id']}/complete", json={"summary": "done"}, headers=tom)
    assert (response.status_code, response.json()["rule"]) == (409, "WorkOrderNotStarted")
    await desk.tickets.post(f"/work-orders/{order['id']}/start", headers=tom)
    response = await desk.tickets.post(f"/work-orders/{order['id']}/repairs",
                                        json={"fault": "f", "action": "a"}, headers=tom)
    assert (response.status_code, response.json()["rule"]) == (409, "WorkOrderHasNoDevice")
    unknown = await desk.tickets.post(f"/work-orders/{uuid4()}/start", headers=tom)
    assert unknown.status_code == 404


async def test_the_work_order_list_filters_and_pages(desk, tokens):
    ticket = (await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    on_ticket, _ = await create_order(desk, tokens, ticket_id=ticket["id"], device_id=None)
    booked, etag = await create_order(desk, tokens, title="Swap UPS battery")
    when = datetime.now(UTC).isoformat()
    await step(desk, tokens.headers("manager"), booked["id"], "schedule", etag,
               {"technician_id": "ann", "scheduled_for": when})
    manager = tokens.headers("manager")

    async def ids(**params) -> list[str]:
        response = await desk.tickets.get("/work-orders", params=params, headers=manager)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()]

    assert await ids(assignee="ann") == [booked["id"]]
    assert await ids(status="created") == [on_ticket["id"]]
    assert await ids(ticket_id=ticket["id"]) == [on_ticket["id"]]
    assert await ids(device_id=DEVICE) == [booked["id"]]
    assert await ids(kind="preventive") == []
    assert await ids(limit=1, offset=1) == [on_ticket["id"]]
    assert (await desk.tickets.get("/work-orders", params={"limit": 1000}, headers=manager)).status_code == 422


async def test_a_replayed_idempotency_key_returns_the_first_work_order(desk, tokens, db):
    headers = {**tokens.headers("technician"), "Idempotency-Key": "fuser-1"}
    first = await desk.tickets.post("/work-orders", json=order_request(), headers=headers)
    again = await desk.tickets.post("/work-orders", json=order_request(), headers=headers)
    assert (again.status_code, again.json(), again.headers["ETag"]) == (201, first.json(), first.headers["ETag"])
    assert await event_count(desk, db) == 1


async def test_managers_plan_preventive_work_that_raises_work_orders_and_can_be_retired(desk, tokens):
    manager, tom = tokens.headers("manager"), tokens.headers("technician", sub="tom")
    body = {"title": "Clean CRAC filters", "device_id": DEVICE, "every_days": 7, "assignee_id": "tom",
            "starts_on": (utc_today() - timedelta(days=7)).isoformat()}
    assert (await desk.tickets.post("/preventive-schedules", json=body, headers=tom)).status_code == 403
    response = await desk.tickets.post("/preventive-schedules", json=body, headers=manager)
    assert response.status_code == 201, response.text
    schedule = response.json()
    assert (schedule["status"], schedule["next_due"]) == ("active", body["starts_on"])
    await raise_due_work_orders(desk.apps["tickets"].state.pool, utcnow())
    raised = (await desk.tickets.get("/work-orders", params={"kind": "preventive"}, headers=tom)).json()
    assert sorted((o["occurrence"], o["status"], o["technician_id"]) for o in raised) == [
        (body["starts_on"], "scheduled", "tom"), (utc_today().isoformat(), "scheduled", "tom")]
    [listed] = (await desk.tickets.get("/preventive-schedules", headers=tom)).json()
    retire = await desk.tickets.post(f"/preventive-schedules/{schedule['id']}/retire", json={"reason": "replaced"},
                                      headers={**manager, "If-Match": f'"{listed["version"]}"'})
    assert (retire.status_code, retire.json()["status"], retire.json()["next_due"]) == (200, "retired", None)


async def test_a_preventive_schedule_needs_exactly_one_recurrence(desk, tokens):
    body = {"title": "Patch servers", "starts_on": utc_today().isoformat(), "every_days": 30, "day_of_month": 1}
    response = await desk.tickets.post("/preventive-schedules", json=body, headers=tokens.headers("manager"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["day_of_month"]


async def test_a_booked_order_is_started_by_its_technician_and_handed_over_only_by_scheduling_again(desk, tokens):
    order, etag = await create_order(desk, tokens)
    tom, ann = tokens.headers("technician", sub="tom"), tokens.headers("technician", sub="ann")
    when = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    order, etag = await step(desk, tom, order["id"], "schedule", etag, {"technician_id": "tom", "scheduled_for": when})
    refused = await desk.tickets.post(f"/work-orders/{order['id']}/start", headers={**ann, "If-Match": etag})
    assert (refused.status_code, refused.json()["rule"]) == (409, "WorkOrderBookedForAnother")
    assert "booked for tom" in refused.json()["detail"]
    order, etag = await step(desk, ann, order["id"], "schedule", etag, {"technician_id": "ann", "scheduled_for": when})
    order, etag = await step(desk, ann, order["id"], "start", etag)
    assert (order["status"], order["technician_id"]) == ("started", "ann")


async def test_a_visit_outside_the_years_the_suite_holds_is_refused_by_field(desk, tokens, db):
    order, _ = await create_order(desk, tokens)
    tom, before = tokens.headers("technician", sub="tom"), await event_count(desk, db)
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-05:00", "1899-06-01T00:00:00Z"):
        response = await desk.tickets.post(f"/work-orders/{order['id']}/schedule", headers=tom,
                                            json={"technician_id": "tom", "scheduled_for": when})
        assert response.status_code == 422, when
        assert [e["field"] for e in response.json()["errors"]] == ["scheduled_for"]
    far = {"title": "Patch", "starts_on": (utc_today() + timedelta(days=3661)).isoformat(), "every_days": 1}
    response = await desk.tickets.post("/preventive-schedules", json=far, headers=tokens.headers("manager"))
    assert [e["field"] for e in response.json()["errors"]] == ["starts_on"]
    assert await event_count(desk, db) == before
