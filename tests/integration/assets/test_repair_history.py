"""The assets worker's handler applied to the desk's records as the consumer applies them, against Postgres:
repairs into the device's history, redelivery changing nothing, unknown devices parked, tickets naming a device,
and the mean time between failures per model."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from uuid import uuid4

import pytest

from assets import worker
from assets.settings import Settings
from events.consumer import Outcome
from events.contracts.work_orders import PartUsed, RepairLogged
from events.db import migrate_pool
from events.envelope import Context, Envelope, wrap
from support import records
from support.builders import device_request, opened
from support.suite import suite_of

OFFSETS = count()
LOGGED = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off, for registering devices and reading what the worker wrote."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite.assets


@pytest.fixture
async def consumer(pool_for, settings_for, inventory):
    """The worker's pool: the service's schema with the consumer's tables, as `python -m assets.worker` migrates it."""
    pool = await pool_for("assets")
    await migrate_pool(pool, settings_for(Settings).schema, worker.MIGRATIONS)
    return pool


def desk_context(tenant: str) -> Context:
    return Context(tenant=tenant, actor="tom", correlation_id="req-repair-1")


def repair_logged(device_id, **overrides) -> RepairLogged:
    fields = dict(repair_id=uuid4(), device_id=device_id, ticket_id=uuid4(), work_order_id=uuid4(),
                  technician_id="tom", fault="Keys stick", action="Replaced the keyboard", minutes=45, at=LOGGED,
                  parts=(PartUsed(part="keyboard", quantity=1, unit_cost=Decimal("89.00")),
                         PartUsed(part="key caps", quantity=3, unit_cost=Decimal("1.99"))))
    return RepairLogged(**{**fields, **overrides})


def envelope_of(event, tenant: str) -> Envelope:
    return wrap(event, stream_id=str(uuid4()), stream_version=1, ctx=desk_context(tenant))


async def deliver(pool, envelope: Envelope) -> Outcome:
    """The record as it comes off `tickets.events`, through the consumer's dedupe and the worker's projection."""
    return await records.deliver(pool, worker.GROUP, worker.projection, envelope, "tickets.events")


async def register(inventory, tokens, **fields) -> dict:
    body = device_request(**{"model": "Latitude 5490", "at": "2025-06-01T09:00:00Z", **fields})  # in before LOGGED
    response = await inventory.post("/devices", json=body, headers=tokens.headers("technician"))
    assert response.status_code == 201, response.text
    return response.json()


async def act(inventory, tokens, device: dict, action: str, body: dict) -> None:
    response = await inventory.post(f"/devices/{device['id']}/{action}", json=body, headers=tokens.headers("manager"))
    assert response.status_code == 200, (action, response.text)


async def repairs_of(inventory, tokens, device_id) -> dict:
    response = await inventory.get(f"/devices/{device_id}/repairs", headers=tokens.headers("auditor"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_repair_logged_at_the_desk_joins_the_devices_history_and_its_repairs(inventory, consumer, tokens):
    device = await register(inventory, tokens)
    repair = repair_logged(device["id"])
    logged = envelope_of(repair, tokens.tenant)

    assert await deliver(consumer, logged) is Outcome.APPLIED

    listed = await repairs_of(inventory, tokens, device["id"])
    [entry] = listed["repairs"]
    assert (entry["repair_id"], entry["work_order_id"], entry["ticket_id"]) == (
        str(repair.repair_id), str(repair.work_order_id), str(repair.ticket_id))
    assert (entry["fault"], entry["minutes"], entry["parts_cost"], datetime.fromisoformat(entry["at"])) == (
        "Keys stick", 45, "94.97", LOGGED)
    assert (listed["minutes_total"], listed["parts_cost_total"], listed["asset_tag"]) == (45, "94.97",
                                                                                        device["asset_tag"])
    history = (await inventory.get(f"/devices/{device['id']}/history", headers=tokens.headers("technician"))).json()
    recorded = history[-1]
    assert (recorded["type"], recorded["actor"], recorded["version"]) == ("assets.device_repair_recorded", "tom", 2)
    assert datetime.fromisoformat(recorded["at"]) == LOGGED and recorded["data"]["parts_cost"] == "94.97"
    stored = await consumer.fetchrow("SELECT envelope FROM events WHERE stream_id = $1 AND stream_version = 2",
                                     device["id"])
    assert (stored["envelope"]["causationid"], stored["envelope"]["correlationid"]) == (str(logged.id),
                                                                                       "req-repair-1")
    now = await inventory.get(f"/devices/{device['id']}", headers=tokens.headers("technician"))
    assert (now.headers["ETag"], now.json()["status"]) == ('"2"', "in_stock")  # the list row moved with the stream


async def test_a_repair_dated_before_the_device_entered_the_inventory_still_joins_its_history(
    inventory, consumer, tokens,
):
    device = await register(inventory, tokens, at="2026-06-01T09:00:00Z")  # registered after the repair
    assert await deliver(consumer, envelope_of(repair_logged(device["id"]), tokens.tenant)) is Outcome.APPLIED

    assert len((await repairs_of(inventory, tokens, device["id"]))["repairs"]) == 1
    history = (await inventory.get(f"/devices/{device['id']}/history", headers=tokens.headers("auditor"))).json()
    assert [e["type"] for e in history] == ["assets.device_repair_recorded", "assets.device_registered"]
    before = await inventory.get("/devices", params={"tag": device["asset_tag"], "as_of": "2026-04-01"},
                                 headers=tokens.headers("auditor"))
    assert before.json()["total"] == 0  # the repair made no device of it before it was registered
    now = await inventory.get("/devices", params={"tag": device["asset_tag"]}, headers=tokens.headers("auditor"))
    assert [d["status"] for d in now.json()["items"]] == ["in_stock"]


async def test_a_redelivered_repair_changes_nothing(inventory, consumer, tokens):
    device = await register(inventory, tokens)
    repair = repair_logged(device["id"])
    logged = envelope_of(repair, tokens.tenant)
    assert await deliver(consumer, logged) is Outcome.APPLIED
    before = await consumer.fetchval("SELECT count(*) FROM events")

    assert await deliver(consumer, logged) is Outcome.DUPLICATE
    # The same repair in another envelope (a store published again with new ids): the decider refuses it quietly.
    assert await deliver(consumer, envelope_of(repair, tokens.tenant)) is Outcome.APPLIED

    assert await consumer.fetchval("SELECT count(*) FROM events") == before
    assert len((await repairs_of(inventory, tokens, device["id"]))["repairs"]) == 1
    assert await consumer.fetchval("SELECT count(*) FROM dead_letters") == 0


async def test_a_repair_naming_a_device_the_inventory_lacks_is_parked_for_the_desk_not_dead_lettered(
    inventory, consumer, tokens,
):
    unknown = uuid4()
    others = await inventory.post("/devices", json={"asset_tag": "CITY-1", "kind": "laptop", "holds_storage": True},
                                  headers=tokens.headers("technician", tenant="another-city"))
    theirs = others.json()["id"]  # another tenant's device is no device of ours
    for device_id in (unknown, theirs):
        logged = envelope_of(repair_logged(device_id, at=LOGGED), tokens.tenant)
        assert await deliver(consumer, logged) is Outcome.APPLIED
        assert await deliver(consumer, logged) is Outcome.DUPLICATE

    page = (await inventory.get("/repairs/unmatched", headers=tokens.headers("manager"))).json()
    assert page["total"] == 2 and {item["device_id"] for item in page["items"]} == {str(unknown), theirs}
    assert {item["device_registered_since"] for item in page["items"]} == {False}
    assert page["items"][0]["parts_cost"] == "94.97"
    assert (await inventory.get("/repairs/unmatched", headers=tokens.headers("manager", tenant="another-city"))
            ).json()["total"] == 0
    assert await consumer.fetchval("SELECT count(*) FROM dead_letters") == 0
    missing = await inventory.get(f"/devices/{unknown}/repairs", headers=tokens.headers("auditor"))
    assert missing.status_code == 404
    assert await consumer.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", theirs) == 1  # untouched


async def test_the_tickets_that_named_a_device_are_listed_beside_its_repairs(inventory, consumer, tokens):
    device = await register(inventory, tokens)
    named = opened(device_id=device["id"], subject="Laptop keys stick")
    assert await deliver(consumer, envelope_of(named, tokens.tenant)) is Outcome.APPLIED
    assert await deliver(consumer, envelope_of(opened(), tokens.tenant)) is Outcome.APPLIED  # names no device
    ours = await repairs_of(inventory, tokens, device["id"])
    assert [(t["ticket_id"], t["subject"]) for t in ours["tickets"]] == [(str(named.ticket_id), "Laptop keys stick")]
    assert ours["repairs"] == []
    assert await consumer.fetchval("SELECT count(*) FROM device_tickets") == 1


async def test_tickets_naming_a_device_the_inventory_does_not_hold_are_listed_for_the_desk(
    inventory, consumer, tokens
):
    device = await register(inventory, tokens)
    known, stray = opened(device_id=device["id"]), opened(device_id=uuid4(), subject="Scanner on desk 4 is dead")
    for ticket in (known, stray, opened()):
        assert await deliver(consumer, envelope_of(ticket, tokens.tenant)) is Outcome.APPLIED
    listed = (await inventory.get("/inventory/unknown-device-tickets", headers=tokens.headers("auditor"))).json()
    assert (listed["total"], [(t["ticket_id"], t["subject"]) for t in listed["items"]]) == (
        1, [(str(stray.ticket_id), "Scanner on desk 4 is dead")])
    elsewhere = tokens.headers("auditor", tenant="another-city")
    assert (await inventory.get("/inventory/unknown-device-tickets", headers=elsewhere)).json()["total"] == 0


async def test_mean_time_between_failures_is_operating_hours_per_repair_in_the_window(inventory, consumer, tokens):
    # A: in service from 2024-12-15, the whole window (240 h); B: installed 01-05 12:00, retired 01-09 12:00 (96 h);
    # an ordered one that never arrived operates not at all; another model is counted apart.
    a = await register(inventory, tokens, at="2024-12-01T09:00:00Z")
    await act(inventory, tokens, a, "install", {"location": "City Hall", "at": "2024-12-15T08:00:00Z"})
    b = await register(inventory, tokens, at="2025-01-03T00:00:00Z")
    await act(inventory, tokens, b, "install", {"location": "Library", "at": "2025-01-05T12:00:00Z"})
    await act(inventory, tokens, b, "retire", {"reason": "Dropped", "at": "2025-01-09T12:00:00Z"})
    await register(inventory, tokens, on_order=True, at="2024-11-01T00:00:00Z")
    c = await register(inventory, tokens, model="ThinkPad T14", at="2024-12-01T00:00:00Z")
    repairs = [(a, "2024-12-20T10:00:00Z"), (a, "2025-01-02T10:00:00Z"), (a, "2025-01-08T10:00:00Z"),
               (b, "2025-01-06T10:00:00Z"), (c, "2025-01-11T00:00:00Z")]  # the first and last fall outside
    for device, when in repairs:
        repair = repair_logged(device["id"], at=datetime.fromisoformat(when))
        assert await deliver(consumer, envelope_of(repair, tokens.tenant)) is Outcome.APPLIED

    window = {"from": "2025-01-01", "to": "2025-01-10"}
    answer = await inventory.get("/inventory/mtbf", params={**window, "model": "latitude 5490"},
                                 headers=tokens.headers("auditor"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"starts_on": "2025-01-01", "ends_on": "2025-01-10", "models": [
        {"model": "Latitude 5490", "devices": 2, "operating_hours": 336.0, "repairs": 3, "mtbf_hours": 112.0}]}
    every = (await inventory.get("/inventory/mtbf", params=window, headers=tokens.headers("manager"))).json()
    assert every["models"][1] == {"model": "ThinkPad T14", "devices": 1, "operating_hours": 240.0, "repairs": 0,
                                  "mtbf_hours": None}
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    ahead = await inventory.get("/inventory/mtbf", params={"model": "ThinkPad T14", "from": str(yesterday),
                                                           "to": "9999-12-31"}, headers=tokens.headers("manager"))
    assert 24 <= ahead.json()["models"][0]["operating_hours"] <= 48  # time still to come has not operated yet
    backwards = await inventory.get("/inventory/mtbf", params={"from": "2025-02-01", "to": "2025-01-01"},
                                    headers=tokens.headers("manager"))
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "from"
