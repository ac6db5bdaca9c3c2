"""A work order worked end to end over REST, its repair crossing Kafka into the audit history."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from support.apps import eventually
from support.builders import ticket_request, work_order_request

DEVICE = str(uuid4())


def order_request(**overrides) -> dict:
    return work_order_request(**{"device_id": DEVICE, **overrides})


async def step(suite, headers, order_id: str, action: str, etag: str, body: dict | None = None):
    response = await suite.tickets.post(f"/work-orders/{order_id}/{action}", json=body,
                                        headers={**headers, "If-Match": etag})
    assert response.status_code == 200, (action, response.text)
    return response.json(), response.headers["ETag"]


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


