"""Security advisories over REST against real Postgres: exposure from the inventory as it was, remediation, tenants."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from support.builders import device_request
from support.suite import suite_of

NOW = datetime.now(UTC)
MODEL = "EliteBook 840 G5"


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


def days_ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


class Inventory:
    """Devices given a past, each event backdated to when it happened: what the exposure is computed from."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    async def act(self, device_id: str, action: str, days: float, **body) -> None:
        response = await self.client.post(
            f"/devices/{device_id}/{action}", json={"at": days_ago(days), **body}, headers=self.headers
        )
        assert response.status_code == 200, response.text

    async def registered(self, days: float, model: str = MODEL) -> str:
        body = device_request(model=model, holds_storage=False, at=days_ago(days))
        response = await self.client.post("/devices", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def deployed(self, registered: float, installed: float, person: str | None = None, **kw) -> str:
        device_id = await self.registered(registered, **kw)
        await self.act(device_id, "install", installed, location="City Hall", person_id=person)
        return device_id

    async def disposed(self, device_id: str, days: float, returned: bool = False) -> None:
        if returned:
            await self.act(device_id, "return", days + 1)
        await self.act(device_id, "retire", days + 0.5, reason="end of life")
        await self.act(device_id, "dispose", days, certificate_ref=f"CERT-{uuid4().hex[:6]}")

    async def title(self, version: str) -> tuple[str, str]:
        body = {"name": "Reader", "publisher": "Adobe", "version": version}
        title = (await self.client.post("/software", json=body, headers=self.headers)).json()
        licence = await self.client.post(
            "/licences", json={"title_id": title["id"], "licence_type": "perpetual", "seats": 10}, headers=self.headers
        )
        return title["id"], licence.json()["id"]

    async def install(self, device_id: str, licence_id: str, days: float) -> None:
        body = {"licence_id": licence_id, "installed_at": days_ago(days)}
        response = await self.client.post(f"/devices/{device_id}/software", json=body, headers=self.headers)
        assert response.status_code == 201, response.text


def advisory(**overrides) -> dict:
    return {
        "title": "Reader and BIOS flaws",
        "kind": "vulnerability",
        "severity": "high",
        "source": "Vendor PSIRT",
        "reference": "CVE-2026-0042",
        "models": [{"model": MODEL.upper(), "firmware": "Q78 01.08"}],
        "software": [{"product": "reader", "min_version": "9.0", "max_version": "9.5"}],
        "accounts": [{"username": "pat.admin", "person_id": "pat"}],
        "window_start": days_ago(30),
        "window_end": days_ago(10),
        **overrides,
    }


async def events_of(inventory, db, event_type: str) -> list[dict]:
    schema = inventory.settings["assets"].schema
    rows = await db.fetch(
        f"SELECT envelope #>> '{{data}}' AS data FROM \"{schema}\".events WHERE event_type = $1"
        " ORDER BY global_position",
        event_type,
    )
    return [json.loads(row["data"]) for row in rows]


async def recorded(client, headers, **overrides) -> dict:
    response = await client.post("/advisories", json=advisory(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_exposure_is_computed_from_the_inventory_as_it_was_during_a_past_window(inventory, tokens, db):
    tom = tokens.headers("technician", sub="tom")
    city = Inventory(inventory.assets, tom)
    arrived_inside = await city.deployed(registered=25, installed=20, person="alice")  # recorded now, backdated
    disposed_inside = await city.deployed(registered=90, installed=80, person="bob")
    await city.disposed(disposed_inside, days=12, returned=True)
    disposed_before = await city.deployed(registered=90, installed=85)
    await city.disposed(disposed_before, days=40)
    await city.registered(days=5)  # registered after the window ended
    _, affected_licence = await city.title("9.1")
    _, later_licence = await city.title("10.0")
    with_reader = await city.deployed(registered=90, installed=80, person="erin", model="ThinkPad T14")
    await city.install(with_reader, affected_licence, days=25)
    with_later_reader = await city.deployed(registered=90, installed=80, person="fay", model="ThinkPad T14")
    await city.install(with_later_reader, later_licence, days=25)
    elsewhere = Inventory(inventory.assets, tokens.headers("technician", tenant="another-city"))
    await elsewhere.deployed(registered=60, installed=50, person="zed")

    answer = await recorded(inventory.assets, tom)
    assert (answer["exposed_devices"], answer["exposed_people"], answer["status"]) == (3, 4, "open")
    exposure = (await inventory.assets.get(f"/advisories/{answer['id']}/exposure", headers=tom)).json()
    assert {d["device_id"] for d in exposure["devices"]} == {arrived_inside, disposed_inside, with_reader}
    assert exposure["people"] == ["alice", "bob", "erin", "pat"]
    assert exposure["counts"] == {"devices": 3, "remediated": 0, "left": 3, "people": 4}
    by_id = {d["device_id"]: d for d in exposure["devices"]}
    assert (by_id[arrived_inside]["person_id"], by_id[arrived_inside]["location"]) == ("alice", "City Hall")
    assert by_id[disposed_inside]["status"] == "disposed" and not by_id[disposed_inside]["remediated"]
    [data] = await events_of(inventory, db, "assets.advisory_exposure_assessed")
    assert sorted(data["device_ids"]) == sorted([arrived_inside, disposed_inside, with_reader])
    assert (data["people"], data["severity"], data["window_end"] is not None) == (
        ["alice", "bob", "erin", "pat"],
        "high",
        True,
    )


async def test_remediation_is_tracked_per_exposed_device_until_none_is_left(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    city = Inventory(client, tom)
    exposed = [await city.deployed(registered=60, installed=50) for _ in range(2)]
    never = await city.registered(days=2)
    answer = await recorded(client, tom, software=[], accounts=[])
    remediations = f"/advisories/{answer['id']}/remediations"

    async def remediate(device_id: str, action: str = "patched"):
        return await client.post(
            remediations, json={"device_id": device_id, "action": action, "note": "KB5034441"}, headers=tom
        )

    not_exposed = await remediate(never)
    assert (not_exposed.status_code, not_exposed.json()["rule"]) == (409, "DeviceNotExposed")
    first = await remediate(exposed[0])
    assert first.status_code == 200, first.text
    assert (first.json()["remediated_devices"], first.json()["status"]) == (1, "open")
    twice = await remediate(exposed[0], "upgraded")
    assert (twice.status_code, twice.json()["rule"]) == (409, "DeviceAlreadyRemediated")
    assert (await client.get("/advisories", params={"status": "open"}, headers=tom)).json()["total"] == 1
    last = (await remediate(exposed[1], "replaced")).json()
    assert (last["status"], last["remediated_devices"], last["remediated_at"] is not None) == ("remediated", 2, True)
    per_device = [d["seconds_to_remediate"] for d in last["devices"]]
    assert all(s >= 0 for s in per_device) and last["mean_seconds_to_remediate"] == sum(per_device) / 2
    assert last["seconds_to_remediate"] == max(per_device)
    assert [d["action"] for d in sorted(last["devices"], key=lambda d: d["device_id"] != exposed[0])] == [
        "patched",
        "replaced",
    ]
    listed = (await client.get("/advisories", params={"status": "remediated"}, headers=tom)).json()
    assert [a["id"] for a in listed["items"]] == [answer["id"]]
    left = await client.get(f"/advisories/{answer['id']}/exposure", params={"remediated": False}, headers=tom)
    assert left.json()["total"] == 0 and left.json()["counts"]["left"] == 0
    assert len(await events_of(inventory, db, "assets.advisory_remediated")) == 1


async def test_an_advisory_that_exposed_no_device_is_remediated_as_recorded(inventory, tokens):
    answer = await recorded(
        inventory.assets, tokens.headers("manager"), models=[{"model": "Nothing We Own"}], software=[], window_end=None
    )
    assert (answer["exposed_devices"], answer["status"], answer["exposed_people"]) == (0, "remediated", 1)


async def test_bad_input_is_refused_by_field_and_nothing_is_appended(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    schema = inventory.settings["assets"].schema
    before = await db.fetchval(f'SELECT count(*) FROM "{schema}".events')

    async def field_of(**overrides) -> str:
        response = await client.post("/advisories", json=advisory(**overrides), headers=tom)
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]["field"]

    assert await field_of(window_end=days_ago(31)) == "window_end"
    assert await field_of(window_start=(NOW + timedelta(days=1)).isoformat(), window_end=None) == "window_start"
    assert await field_of(software=[{"title_id": str(uuid4())}]) == "software.0.title_id"
    assert await field_of(software=[{"title_id": str(uuid4()), "product": "Reader"}]) == "software.0"
    assert await field_of(software=[], models=[], accounts=[]) == "software"
    assert await field_of(severity="dire") == "severity"
    assert await field_of(accounts=[{"person_id": "pat"}]) == "accounts.0"
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == before
    unknown = await client.post(
        f"/advisories/{uuid4()}/remediations", json={"device_id": str(uuid4()), "action": "patched"}, headers=tom
    )
    assert unknown.status_code == 404


async def test_another_tenant_sees_no_advisory_and_remediates_none(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    device = await Inventory(client, tom).deployed(registered=60, installed=50)
    answer = await recorded(client, tom, software=[], accounts=[])
    stranger = tokens.headers("manager", tenant="another-city")
    assert (await client.get("/advisories", headers=stranger)).json()["total"] == 0
    assert (await client.get(f"/advisories/{answer['id']}", headers=stranger)).status_code == 404
    assert (await client.get(f"/advisories/{answer['id']}/exposure", headers=stranger)).status_code == 404
    taking = await client.post(
        f"/advisories/{answer['id']}/remediations", json={"device_id": device, "action": "patched"}, headers=stranger
    )
    assert taking.status_code == 404
    theirs = await recorded(client, stranger, software=[], accounts=[])
    assert theirs["exposed_devices"] == 0  # our device is not theirs, though its model matches
    mine = await client.get(f"/advisories/{answer['id']}", headers=tokens.headers("auditor"))
    assert (mine.status_code, mine.json()["remediated_devices"], mine.headers["ETag"]) == (200, 0, '"2"')
