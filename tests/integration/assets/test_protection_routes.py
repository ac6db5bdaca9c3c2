"""Endpoint protection over REST against real Postgres: requirements, what devices run, gaps, work orders, tenants."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from support.builders import device_request
from support.suite import suite_of

LAPTOP_NEEDS = ["anti_malware", "disk_encryption", "screen_lockout"]
DESKTOP_NEEDS = ["anti_malware", "desktop_lockdown", "screen_lockout"]
REQUIREMENTS = {
    "required": [
        {"device_kind": "laptop", "protections": LAPTOP_NEEDS},
        {"device_kind": "desktop", "protections": DESKTOP_NEEDS},
    ],
    "max_update_age": [{"kind": "anti_malware", "days": 7}],
}
POLICY = {"lock_after_minutes": 10, "lockout_after_failed_attempts": 5}


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def deployed(client, headers, tag: str, kind: str = "laptop", location: str = "City Hall") -> str:
    registered = await client.post("/devices", json=device_request(asset_tag=tag, kind=kind), headers=headers)
    assert registered.status_code == 201, registered.text
    device_id = registered.json()["id"]
    installed = await client.post(f"/devices/{device_id}/install", json={"location": location}, headers=headers)
    assert installed.status_code == 200, installed.text
    return device_id


async def protect(client, headers, device_id: str, kind: str, **body):
    defaults = {"product": "Defender", "version": "4.18", "last_updated": days_ago(1)}
    if kind == "screen_lockout":
        defaults = {"product": "Windows lock screen", "policy": POLICY}
    return await client.post(
        f"/devices/{device_id}/protection", json={"kind": kind, **defaults, **body}, headers=headers
    )


async def fully_protected(client, headers, device_id: str, kinds: list[str]) -> None:
    for kind in kinds:
        assert (await protect(client, headers, device_id, kind)).status_code == 200


async def require(client, headers, body=REQUIREMENTS, version: str = '"0"'):
    return await client.put("/protection/requirements", json=body, headers={**headers, "If-Match": version})


async def gaps(client, headers, **params) -> dict:
    response = await client.get("/protection/gaps", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def event_count(inventory, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{inventory.settings["assets"].schema}".events')


async def events_of(inventory, db, event_type: str) -> list[dict]:
    schema = inventory.settings["assets"].schema
    rows = await db.fetch(
        f"SELECT envelope #>> '{{data}}' AS data FROM \"{schema}\".events WHERE event_type = $1"
        " ORDER BY global_position",
        event_type,
    )
    return [json.loads(row["data"]) for row in rows]


async def test_requirements_are_set_by_a_manager_against_the_version_read(inventory, tokens):
    client, maria = inventory.assets, tokens.headers("manager", sub="maria")
    none_yet = await client.get("/protection/requirements", headers=maria)
    assert (none_yet.json()["required"], none_yet.headers["ETag"]) == ([], '"0"')
    assert (await require(client, tokens.headers("technician"))).status_code == 403
    answer = await require(client, maria)
    assert (answer.status_code, answer.headers["ETag"]) == (200, '"1"'), answer.text
    stale = await require(client, maria, {**REQUIREMENTS, "max_update_age": []})
    assert stale.status_code == 412
    twice = {"required": [REQUIREMENTS["required"][0], REQUIREMENTS["required"][0]]}
    refused = await require(client, maria, twice, '"1"')
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "required")
    read = await client.get("/protection/requirements", headers=tokens.headers("auditor"))
    assert read.json()["required"] == REQUIREMENTS["required"] and read.json()["set_by"] == "maria"
    assert read.json()["max_update_age"] == [{"kind": "anti_malware", "days": 7}]


async def test_deployed_devices_missing_a_requirement_or_with_old_signatures_are_the_gaps(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    assert (await require(client, tokens.headers("manager"))).status_code == 200
    run = uuid4().hex[:6]
    covered = await deployed(client, tom, f"A-{run}")
    await fully_protected(client, tom, covered, LAPTOP_NEEDS)
    stale = await deployed(client, tom, f"B-{run}")
    await protect(client, tom, stale, "anti_malware", last_updated=days_ago(10))
    await protect(client, tom, stale, "disk_encryption", product="BitLocker", last_updated=None)
    desktop = await deployed(client, tom, f"C-{run}", kind="desktop", location="Library")
    await fully_protected(client, tom, desktop, DESKTOP_NEEDS)
    await protect(client, tom, desktop, "desktop_lockdown", product="Foolproof", status="disabled")
    in_stock = await client.post("/devices", json=device_request(asset_tag=f"D-{run}"), headers=tom)
    assert in_stock.status_code == 201  # unprotected, but not deployed: not a gap

    found = await gaps(client, tom)
    assert found["total"] == 2
    assert [(g["asset_tag"], g["missing"], g["outdated"]) for g in found["items"]] == [
        (f"B-{run}", ["screen_lockout"], ["anti_malware"]),
        (f"C-{run}", ["desktop_lockdown"], []),
    ]
    assert [g["asset_tag"] for g in (await gaps(client, tom, kind="screen_lockout"))["items"]] == [f"B-{run}"]
    assert [g["asset_tag"] for g in (await gaps(client, tom, location="Library"))["items"]] == [f"C-{run}"]
    assert (await gaps(client, tom, device_kind="desktop", limit=1))["total"] == 1
    removed = await protect(client, tom, covered, "disk_encryption", removed=True, reason="reimaged")
    assert removed.status_code == 200 and "disk_encryption" not in [p["kind"] for p in removed.json()["protections"]]
    assert (await gaps(client, tom, kind="disk_encryption"))["items"][0]["device_id"] == covered


async def test_a_record_is_refused_by_field_or_rule_and_nothing_is_appended(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    device = await deployed(client, tom, f"E-{uuid4().hex[:6]}")
    assert (await protect(client, tom, device, "anti_malware", at=days_ago(1), last_updated=days_ago(2))).is_success
    before = await event_count(inventory, db)

    async def field_of(response) -> str:
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]["field"]

    assert await field_of(await protect(client, tom, device, "screen_lockout", policy=None)) == "policy"
    assert await field_of(await protect(client, tom, device, "disk_encryption", policy=POLICY)) == "policy"
    assert await field_of(await protect(client, tom, device, "disk_encryption", product="")) == "product"
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await field_of(await protect(client, tom, device, "disk_encryption", last_updated=future)) == "last_updated"
    assert await field_of(await protect(client, tom, device, "disk_encryption", status="sleeping")) == "status"
    older = await protect(client, tom, device, "anti_malware", at=days_ago(3), last_updated=days_ago(4))
    assert (older.status_code, older.json()["rule"]) == (409, "ProtectionRecordOutdated")
    not_running = await protect(client, tom, device, "desktop_lockdown", removed=True)
    assert (not_running.status_code, not_running.json()["rule"]) == (409, "ProtectionNotRecorded")
    assert (await protect(client, tom, str(uuid4()), "anti_malware")).status_code == 404
    stale = await protect(client, {**tom, "If-Match": '"0"'}, device, "disk_encryption", product="BitLocker")
    assert stale.status_code == 412
    assert await event_count(inventory, db) == before
    gone = (await client.post("/devices", json=device_request(holds_storage=False), headers=tom)).json()["id"]
    for action, body in (("retire", {"reason": "broken"}), ("dispose", {"certificate_ref": "CERT-1"})):
        assert (await client.post(f"/devices/{gone}/{action}", json=body, headers=tom)).status_code == 200
    disposed = await event_count(inventory, db)
    left_the_city = await protect(client, tom, gone, "anti_malware")
    assert (left_the_city.status_code, left_the_city.json()["rule"]) == (409, "DeviceGone")
    assert await event_count(inventory, db) == disposed
    read = await client.get(f"/devices/{device}/protection", headers=tokens.headers("auditor"))
    assert read.headers["ETag"] == '"1"' and read.json()["protections"][0]["product"] == "Defender"


async def test_a_work_order_is_asked_for_once_per_device_gap(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    assert (await require(client, tokens.headers("manager"))).status_code == 200
    run = uuid4().hex[:6]
    first, second = await deployed(client, tom, f"F-{run}"), await deployed(client, tom, f"G-{run}")
    await fully_protected(client, tom, first, LAPTOP_NEEDS)
    await protect(client, tom, first, "anti_malware", last_updated=days_ago(9))

    asked = await client.post("/protection/gaps/work-orders", json={}, headers=tom)
    assert asked.status_code == 200, asked.text
    assert sorted((r["asset_tag"], r["missing"], r["outdated"]) for r in asked.json()["requested"]) == [
        (f"F-{run}", [], ["anti_malware"]),
        (f"G-{run}", LAPTOP_NEEDS, []),
    ]
    again = await client.post("/protection/gaps/work-orders", headers=tom)
    assert (again.status_code, again.json()) == (200, {"requested": [], "left": 0})
    assert all(g["work_requested"] for g in (await gaps(client, tom))["items"])
    published = await events_of(inventory, db, "assets.protection_work_requested")
    assert len(published) == 2 and {e["requested_by"] for e in published} == {"tom"}

    await protect(client, tom, first, "disk_encryption", removed=True)  # a new part of the first device's gap
    named = await client.post("/protection/gaps/work-orders", json={"device_ids": [first, second]}, headers=tom)
    assert [(r["device_id"], r["missing"], r["outdated"]) for r in named.json()["requested"]] == [
        (first, ["disk_encryption"], [])
    ]
    assert len(await events_of(inventory, db, "assets.protection_work_requested")) == 3


async def test_another_tenant_sees_no_gap_and_cannot_touch_a_device_it_does_not_hold(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    assert (await require(client, tokens.headers("manager"))).status_code == 200
    device = await deployed(client, tom, f"H-{uuid4().hex[:6]}")
    stranger = tokens.headers("manager", tenant="another-city")
    assert (await require(client, stranger)).status_code == 200  # their own requirements, version 1 of theirs
    assert (await gaps(client, stranger))["total"] == 0
    assert (await gaps(client, tom))["total"] == 1
    assert (await protect(client, stranger, device, "anti_malware")).status_code == 404
    assert (await client.get(f"/devices/{device}/protection", headers=stranger)).status_code == 404
    asked = await client.post("/protection/gaps/work-orders", json={"device_ids": [device]}, headers=stranger)
    assert asked.json()["requested"] == []
