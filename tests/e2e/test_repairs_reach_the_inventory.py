"""A repair logged at the service desk reaches the device's history in the inventory, over Kafka."""

from datetime import datetime

import pytest

from assets import worker
from support.apps import eventually, ok, running
from support.builders import ticket_request
from support.suite import suite_of


@pytest.fixture
async def desk_and_inventory(settings_for, db):
    """Tickets and assets with their relays, and the assets worker consuming `tickets.events`."""
    async with suite_of(settings_for, "tickets", "assets") as suite, running(worker.run(suite.settings["assets"])):
        yield suite


@pytest.mark.timeout(90)
async def test_a_repair_logged_in_tickets_shows_in_the_devices_repairs_and_history(desk_and_inventory, tokens):
    suite, tom = desk_and_inventory, tokens.headers("technician", sub="tom")
    device = await ok(await suite.assets.post("/devices", json={
        "asset_tag": "CITY-7731", "kind": "laptop", "holds_storage": True, "model": "Latitude 5490",
        "at": "2026-01-05T09:00:00Z"}, headers=tom), 201)
    ticket = await ok(await suite.tickets.post("/tickets", json=ticket_request(device_id=device["id"]),
                                               headers=tokens.headers("staff")), 201)
    order = await ok(await suite.tickets.post("/work-orders", json={
        "title": "Keyboard", "ticket_id": ticket["id"], "device_id": device["id"]}, headers=tom), 201)
    await ok(await suite.tickets.post(f"/work-orders/{order['id']}/start", headers=tom))
    parts = [{"part": "keyboard", "quantity": 1, "unit_cost": "89.00"}]
    repaired = await ok(await suite.tickets.post(f"/work-orders/{order['id']}/repairs", json={
        "fault": "Keys stick", "action": "Replaced the keyboard", "parts": parts, "minutes": 30}, headers=tom))
    [repair_id] = repaired["repairs"]

    async def repairs_listed():
        found = await ok(await suite.assets.get(f"/devices/{device['id']}/repairs", headers=tokens.headers("auditor")))
        return found if found["repairs"] and found["tickets"] else None

    listed = await eventually(repairs_listed, within=30, interval=0.2)
    [repair] = listed["repairs"]
    assert (repair["repair_id"], repair["ticket_id"], repair["work_order_id"]) == (repair_id, ticket["id"],
                                                                                   order["id"])
    assert (repair["technician_id"], repair["minutes"], repair["parts_cost"]) == ("tom", 30, "89.00")
    assert [t["ticket_id"] for t in listed["tickets"]] == [ticket["id"]]
    history = await ok(await suite.assets.get(f"/devices/{device['id']}/history", headers=tokens.headers("manager")))
    recorded = [e for e in history if e["type"] == "assets.device_repair_recorded"]
    assert [(e["actor"], e["data"]["repair_id"]) for e in recorded] == [("tom", repair_id)]
    assert datetime.fromisoformat(recorded[0]["at"]) == datetime.fromisoformat(repair["at"])
