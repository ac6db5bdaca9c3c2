"""Physical audits over REST against real Postgres: scans classified on close, corrections proposed but never
applied, the devices not audited lately, tenants apart."""

from datetime import UTC, datetime, timedelta

import pytest

from support.apps import ok
from support.builders import device_request
from support.suite import suite_of

HERE, THERE = "City Hall 2F", "Library, main branch"


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite.assets


async def register(client, headers, location: str, **overrides) -> dict:
    body = device_request(location=location, **overrides)
    return await ok(await client.post("/devices", json=body, headers=headers), 201)


async def open_audit(client, headers, location: str = HERE) -> dict:
    response = await client.post("/audits", json={"location": location}, headers=headers)
    audit = await ok(response, 201)
    assert response.headers["Location"] == f"/audits/{audit['id']}"
    return audit


async def scan(client, headers, audit: dict, **body) -> dict:
    return await ok(await client.post(f"/audits/{audit['id']}/scans", json=body, headers=headers))


async def close(client, headers, audit: dict) -> dict:
    return await ok(await client.post(f"/audits/{audit['id']}/close", headers=headers))


def tags(entries: list[dict]) -> set[str]:
    return {entry["asset_tag"] for entry in entries}


async def test_closing_an_audit_classifies_every_tag_and_proposes_corrections_it_does_not_apply(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    desk, printer, phone = [await register(inventory, tina, HERE) for _ in range(3)]
    strayed = await register(inventory, tina, THERE)
    audit = await open_audit(inventory, tina)
    assert (audit["status"], audit["expected_count"], audit["opened_by"]) == ("open", 3, "tina")
    assert tags(audit["expected"]) == {desk["asset_tag"], printer["asset_tag"], phone["asset_tag"]}

    first = await scan(inventory, tina, audit, tags=[desk["asset_tag"], printer["asset_tag"]])
    again = await scan(inventory, tina, audit, tag=desk["asset_tag"])
    odd = await scan(inventory, tina, audit, tags=[strayed["asset_tag"], "NOT-OURS-1"])
    assert first["accepted"] == [desk["asset_tag"], printer["asset_tag"]] and first["still_expected"] == 1
    assert (again["accepted"], again["already_scanned"], again["version"]) == ([], [desk["asset_tag"]], 3)
    assert odd["not_expected"] == [strayed["asset_tag"], "NOT-OURS-1"] and odd["scanned_count"] == 4

    closed = await close(inventory, tina, audit)
    result = closed["result"]
    assert (closed["status"], closed["closed_by"]) == ("closed", "tina")
    assert tags(result["found"]) == {desk["asset_tag"], printer["asset_tag"]}
    assert [d["device_id"] for d in result["missing"]] == [phone["id"]]
    assert [(d["device_id"], d["recorded_location"]) for d in result["found_elsewhere"]] == [(strayed["id"], THERE)]
    assert tags(result["unknown"]) == {"NOT-OURS-1"}
    assert (closed["found_count"], closed["missing_count"], closed["found_elsewhere_count"],
            closed["unknown_count"]) == (2, 1, 1, 1)
    move, loss = closed["proposals"]
    assert (move["action"], move["path"], move["body"]["location"]) == ("move", f"/devices/{strayed['id']}/move", HERE)
    assert (loss["action"], loss["path"], loss["body"]["stolen"]) == ("lost", f"/devices/{phone['id']}/lost", False)

    # Nothing applied silently: the devices stand as they did until a technician sends a proposal.
    for device, location, status in ((strayed, THERE, "in_stock"), (phone, HERE, "in_stock")):
        now = await ok(await inventory.get(f"/devices/{device['id']}", headers=tina))
        assert (now["location"], now["status"], now["version"]) == (location, status, 1)
    kept = await ok(await inventory.get(f"/audits/{audit['id']}", headers=tokens.headers("auditor")))
    assert (kept["result"], kept["proposals"], len(kept["scans"])) == (result, closed["proposals"], 4)
    moved = await ok(await inventory.post(move["path"], json=move["body"], headers=tina))
    assert moved["location"] == HERE


async def test_a_closed_audit_takes_no_scans_and_is_not_closed_again(inventory, tokens):
    tom = tokens.headers("manager", sub="tom")
    audit = await open_audit(inventory, tom, "Fire hall 3")
    await close(inventory, tom, audit)
    late = await inventory.post(f"/audits/{audit['id']}/scans", json={"tag": "CITY-1"}, headers=tom)
    twice = await inventory.post(f"/audits/{audit['id']}/close", headers=tom)
    assert [(r.status_code, r.json()["rule"]) for r in (late, twice)] == [(409, "AuditAlreadyClosed")] * 2


async def test_an_audit_expects_only_the_devices_on_site_and_finds_those_placed_there_later(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    ordered = await register(inventory, tina, HERE, on_order=True)
    away = await register(inventory, tina, HERE)
    await ok(await inventory.post(f"/devices/{away['id']}/repair", json={"phase": "out", "reason": "Dead fan"},
                                  headers=tina))
    audit = await open_audit(inventory, tina)
    assert audit["expected"] == []
    arrived = await register(inventory, tina, HERE)
    await scan(inventory, tina, audit, tags=[away["asset_tag"], arrived["asset_tag"]])
    closed = await close(inventory, tina, audit)
    assert tags(closed["result"]["found"]) == {away["asset_tag"], arrived["asset_tag"]}
    assert ordered["asset_tag"] not in tags(closed["result"]["missing"]) and closed["proposals"] == []


async def test_a_scan_says_when_it_was_read_but_never_before_the_audit_opened_nor_in_the_future(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    audit = await open_audit(inventory, tina)
    opened = datetime.fromisoformat(audit["opened_at"])
    for at in (opened - timedelta(minutes=1), datetime.now(UTC) + timedelta(hours=1)):
        refused = await inventory.post(f"/audits/{audit['id']}/scans", json={"tag": "CITY-1", "at": at.isoformat()},
                                       headers=tina)
        assert refused.status_code == 422 and "at" in refused.text
    empty = await inventory.post(f"/audits/{audit['id']}/scans", json={"tags": []}, headers=tina)
    too_many = await inventory.post(f"/audits/{audit['id']}/scans", json={"tags": ["T"] * 501}, headers=tina)
    assert (empty.status_code, too_many.status_code) == (422, 422)
    at = opened + timedelta(seconds=1)
    await scan(inventory, tina, audit, tag="CITY-1", at=at.isoformat())
    [entry] = (await ok(await inventory.get(f"/audits/{audit['id']}", headers=tina)))["scans"]
    assert (datetime.fromisoformat(entry["scanned_at"]), entry["scanned_by"]) == (at, "tina")


async def unaudited(client, headers, days: int) -> dict:
    return await ok(await client.get("/inventory/unaudited", params={"days": days}, headers=headers))


async def test_devices_not_audited_for_n_days_are_those_never_found_or_found_long_ago(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    found, unscanned = await register(inventory, tina, HERE), await register(inventory, tina, HERE)
    elsewhere = await register(inventory, tina, THERE)
    lost = await register(inventory, tina, THERE)
    await ok(await inventory.post(f"/devices/{lost['id']}/lost", json={"stolen": False}, headers=tina))
    before = await unaudited(inventory, tina, 30)
    assert before["total"] == 3 and {d["last_audited_at"] for d in before["items"]} == {None}
    assert lost["id"] not in {d["id"] for d in before["items"]}  # no longer the city's to audit

    audit = await open_audit(inventory, tina)
    await scan(inventory, tina, audit, tags=[found["asset_tag"], elsewhere["asset_tag"]])
    await close(inventory, tina, audit)
    after = await unaudited(inventory, tina, 30)
    assert [d["id"] for d in after["items"]] == [unscanned["id"]]
    everything = await unaudited(inventory, tokens.headers("auditor"), 0)  # found before this instant
    never, *found_rows = everything["items"]
    assert never["id"] == unscanned["id"]  # never found comes first
    found_rows = {d["id"]: d for d in found_rows}
    assert set(found_rows) == {found["id"], elsewhere["id"]}
    assert {(d["last_audit_id"], d["last_audited_location"]) for d in found_rows.values()} == {(audit["id"], HERE)}


async def test_another_tenant_sees_no_audit_and_no_device_to_audit(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    device = await register(inventory, tina, HERE)
    audit = await open_audit(inventory, tina)
    other = tokens.headers("technician", sub="olga", tenant="another-city")
    for method, path in (("GET", ""), ("POST", "/close")):
        response = await inventory.request(method, f"/audits/{audit['id']}{path}", headers=other)
        assert response.status_code == 404, response.text
    scanned = await inventory.post(f"/audits/{audit['id']}/scans", json={"tag": device["asset_tag"]}, headers=other)
    assert scanned.status_code == 404
    assert (await ok(await inventory.get("/audits", headers=other)))["total"] == 0
    assert (await unaudited(inventory, other, 0))["total"] == 0
    theirs = await open_audit(inventory, other)
    assert theirs["expected"] == []  # the same location's name in another city holds none of ours
    listed = await ok(await inventory.get("/audits", params={"location": HERE, "status": "open"}, headers=tina))
    assert [a["id"] for a in listed["items"]] == [audit["id"]]
