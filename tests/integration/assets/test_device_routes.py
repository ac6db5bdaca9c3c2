"""Devices over REST against real Postgres: registration, the lifecycle to certified disposal, who sees what."""


import pytest

from support import builders
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite.assets


def device_request(**overrides) -> dict:
    body = {**builders.device_request(), "serial": "5CD1234XYZ",
            "manufacturer": "HP", "model": "EliteBook 840 G9", "location": "City Hall, IT store room",
            "department": "IT",
            "purchase": {"purchased_on": "2025-01-15", "cost": "1499.99", "supplier": "CDW", "order_number": "PO-1"},
            "amortization": {"useful_life_months": 48}}
    return {**body, **overrides}


async def register(inventory, tokens, **overrides) -> dict:
    response = await inventory.post("/devices", json=device_request(**overrides), headers=tokens.headers("technician"))
    assert response.status_code == 201, response.text
    return response.json()


async def act(inventory, headers, device: dict, action: str, body: dict | None = None) -> dict:
    response = await inventory.post(f"/devices/{device['id']}/{action}", json=body or {}, headers=headers)
    assert response.status_code == 200, (action, response.text)
    return response.json()


async def test_a_registered_device_takes_its_mbn_class_from_its_kind_unless_overridden_with_a_reason(inventory, tokens):
    laptop = await register(inventory, tokens)
    assert (laptop["status"], laptop["mbn_class"], laptop["purchase"]["cost"]) == ("in_stock", "laptops_tablets",
                                                                                  "1499.99")
    printer = await register(inventory, tokens, kind="printer")
    assert printer["mbn_class"] == "not_counted"
    kiosk = await register(inventory, tokens, kind="other", mbn_class_override="desktops_thin_clients",
                           override_reason="Library kiosk PCs are desktops")
    assert kiosk["mbn_class"] == "desktops_thin_clients"
    no_reason = await inventory.post("/devices", json=device_request(mbn_class_override="smartphones"),
                                     headers=tokens.headers("manager"))
    assert no_reason.status_code == 422 and "override_reason" in no_reason.text


async def test_an_asset_tag_names_one_device_in_a_tenant(inventory, tokens, db):
    await register(inventory, tokens, asset_tag="CITY-0001")
    again = await inventory.post("/devices", json=device_request(asset_tag="CITY-0001"),
                                 headers=tokens.headers("technician"))
    assert (again.status_code, again.json()["rule"]) == (409, "AssetTagTaken")
    elsewhere = await inventory.post("/devices", json=device_request(asset_tag="CITY-0001"),
                                     headers=tokens.headers("technician", tenant="another-city"))
    assert elsewhere.status_code == 201


async def test_a_device_goes_from_stock_to_certified_disposal_and_every_step_is_in_its_history(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    device = await register(inventory, tokens)
    device = await act(inventory, tina, device, "install",
                       {"location": "Clerk's office 2F", "person_id": "alice", "software": ["Office 365"]})
    assert (device["status"], device["person_id"], device["software"]) == ("deployed", "alice", ["Office 365"])
    device = await act(inventory, tina, device, "repair", {"phase": "out", "reason": "Cracked screen"})
    device = await act(inventory, tina, device, "repair", {"phase": "back", "note": "Screen replaced"})
    assert device["status"] == "deployed"
    device = await act(inventory, tina, device, "return", {"location": "IT store room"})
    device = await act(inventory, tina, device, "retire", {"reason": "End of life"})
    refused = await inventory.post(f"/devices/{device['id']}/dispose", json={"certificate_ref": "COD-77"}, headers=tina)
    assert (refused.status_code, refused.json()["rule"]) == (409, "DisposalNeedsSanitization")
    sanitization = {"method": "purge", "tool": "Blancco 7", "verification": "Full verify pass",
                    "certificate_ref": "SAN-9"}
    device = await act(inventory, tina, device, "sanitize", sanitization)
    device = await act(inventory, tina, device, "hand-over", {"vendor": "GreenTech Recycling", "lot": "L-12"})
    device = await act(inventory, tina, device, "dispose", {"certificate_ref": "COD-77"})
    assert (device["status"], device["sanitized"], device["version"]) == ("disposed", True, 9)
    history = (await inventory.get(f"/devices/{device['id']}/history", headers=tokens.headers("auditor"))).json()
    assert [entry["type"].removeprefix("assets.device_") for entry in history] == [
        "registered", "installed", "sent_for_repair", "back_from_repair", "returned", "retired", "sanitized",
        "handed_to_disposal_vendor", "disposed"]
    assert all(entry["recorded_at"] and entry["at"] for entry in history)
    gone = await inventory.post(f"/devices/{device['id']}/move", json={"location": "Nowhere"}, headers=tina)
    assert (gone.status_code, gone.json()["rule"]) == (409, "DeviceGone")


async def test_a_refused_step_is_a_409_naming_the_rule_and_records_nothing(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    device = await act(inventory, tina, await register(inventory, tokens), "assign", {"person_id": "alice"})
    twice = await inventory.post(f"/devices/{device['id']}/assign", json={"person_id": "bob"}, headers=tina)
    assert (twice.status_code, twice.json()["rule"]) == (409, "DeviceAssignedToSomeoneElse")
    retire = await inventory.post(f"/devices/{device['id']}/retire", json={"reason": "old"}, headers=tina)
    assert (retire.status_code, retire.json()["rule"]) == (409, "DeviceStillAssigned")
    fetched = await inventory.get(f"/devices/{device['id']}", headers=tina)
    assert (fetched.json()["version"], fetched.headers["ETag"]) == (2, '"2"')
    stale = await inventory.post(f"/devices/{device['id']}/move", json={"location": "2F"},
                                 headers={**tina, "If-Match": '"1"'})
    assert stale.status_code == 412


async def test_a_device_lost_or_stolen_leaves_from_whatever_state_it_was_in(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    on_order = await register(inventory, tokens, on_order=True)
    assert on_order["status"] == "on_order"
    stolen = await act(inventory, tina, on_order, "lost", {"stolen": True, "note": "Taken from the loading dock"})
    deployed = await act(inventory, tina, await register(inventory, tokens), "install", {"location": "Library"})
    lost = await act(inventory, tina, deployed, "lost", {"stolen": False})
    assert (stolen["status"], lost["status"]) == ("stolen", "lost")


async def test_staff_see_only_the_devices_assigned_to_them_and_another_tenant_none(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    mine = await act(inventory, tina, await register(inventory, tokens), "assign", {"person_id": "alice"})
    others = await act(inventory, tina, await register(inventory, tokens), "assign", {"person_id": "bob"})
    alice = tokens.headers("staff", sub="alice")
    listed = (await inventory.get("/devices", headers=alice)).json()
    assert (listed["total"], [d["id"] for d in listed["items"]]) == (1, [mine["id"]])
    assert (await inventory.get(f"/devices/{others['id']}", headers=alice)).status_code == 404
    assert (await inventory.post("/devices", json=device_request(), headers=alice)).status_code == 403
    stranger = tokens.headers("auditor", tenant="another-city")
    assert (await inventory.get(f"/devices/{mine['id']}", headers=stranger)).status_code == 404
    assert (await inventory.get("/devices", headers=stranger)).json()["total"] == 0


async def test_the_inventory_search_filters_and_pages_with_a_total(inventory, tokens):
    for n in range(5):
        await register(inventory, tokens, asset_tag=f"SRCH-{n}", kind="desktop" if n % 2 else "smartphone",
                       model=f"Model {n}", serial=f"SER{n}")
    desk = tokens.headers("auditor")

    async def search(**params) -> dict:
        response = await inventory.get("/devices", params=params, headers=desk)
        assert response.status_code == 200, response.text
        return response.json()

    assert (await search(mbn_class="smartphones"))["total"] == 3
    assert [d["asset_tag"] for d in (await search(serial="ser3"))["items"]] == ["SRCH-3"]
    page = await search(limit=2, offset=2)
    assert (page["total"], [d["asset_tag"] for d in page["items"]]) == (5, ["SRCH-2", "SRCH-3"])
    today = {"as_of": "2100-01-01"}  # as of a date: the timeline's covering index, counted in the page's scan
    page = await search(limit=2, offset=2, mbn_class="smartphones", **today)
    assert (page["total"], [d["asset_tag"] for d in page["items"]]) == (3, ["SRCH-4"])
    assert (await search(offset=10, **today))["total"] == 5  # past the last page, the total still counts
    assert (await search(state="in_stock", model="Model 4"))["total"] == 1


async def test_a_backdated_install_answers_for_the_past_but_not_as_the_inventory_knew_it_before(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    device = await register(inventory, tokens, at="2018-06-01T09:00:00-04:00")
    before_install = (await inventory.get(f"/devices/{device['id']}/history", headers=tina)).json()[-1]["recorded_at"]
    await act(inventory, tina, device, "install", {"location": "Fire Hall 3", "at": "2018-12-20T10:00:00-05:00"})

    async def state(**params) -> list[str]:
        found = (await inventory.get("/devices", params={"tag": device["asset_tag"], **params}, headers=tina)).json()
        return [d["status"] for d in found["items"]]

    assert await state(as_of="2018-12-31") == ["deployed"]
    assert await state(as_of="2018-12-15") == ["in_stock"]
    assert await state(as_of="2018-05-31") == []  # not yet bought
    assert await state(as_of="2018-12-31", known_at=before_install) == ["in_stock"]  # the install was not known yet
    assert await state() == ["deployed"]


async def test_fifty_devices_are_counted_per_mbn_class_as_of_two_fiscal_year_ends(inventory, tokens):
    tina = tokens.headers("technician", sub="tina")
    bought = "2017-03-01T12:00:00Z"
    for kind, count, at in (("laptop", 12, bought), ("tablet", 8, bought), ("desktop", 11, bought),
                            ("thin_client", 4, bought), ("smartphone", 10, "2018-05-01T12:00:00Z"),
                            ("printer", 5, bought)):
        for _ in range(count):
            await register(inventory, tokens, kind=kind, at=at)
    desktops = (await inventory.get("/devices", params={"mbn_class": "desktops_thin_clients", "limit": 4},
                                    headers=tina)).json()["items"]
    for device in desktops:  # four leave the city in early 2018, wiped and certified
        await act(inventory, tina, device, "retire", {"reason": "Replaced", "at": "2018-01-15T12:00:00Z"})
        await act(inventory, tina, device, "sanitize", {"method": "destroy", "tool": "Shredder", "verification": "Seen",
                                                       "certificate_ref": "S-1", "at": "2018-01-20T12:00:00Z"})
        await act(inventory, tina, device, "dispose", {"certificate_ref": "D-1", "at": "2018-02-01T12:00:00Z"})

    async def counts(as_of: str) -> dict:
        response = await inventory.get("/inventory/mbn-counts", params={"as_of": as_of}, headers=tina)
        assert response.status_code == 200, response.text
        return response.json()

    end_2017, end_2018 = await counts("2017-12-31"), await counts("2018-12-31")
    assert (end_2017["counts"], end_2017["total"]) == (
        {"laptops_tablets": 20, "desktops_thin_clients": 15, "smartphones": 0}, 35)
    assert (end_2018["counts"], end_2018["total"]) == (
        {"laptops_tablets": 20, "desktops_thin_clients": 11, "smartphones": 10}, 41)
