"""Software over REST against real Postgres: titles, licences, seats used against owned, expiries, tenants, races."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


def today() -> date:
    return datetime.now(UTC).date()


async def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


async def add_title(client, headers, **overrides) -> dict:
    body = {"name": "Office", "publisher": "Microsoft", "version": f"2024-{uuid4().hex[:4]}", **overrides}
    return await created(await client.post("/software", json=body, headers=headers))


async def acquire(client, headers, title: dict, **overrides) -> dict:
    body = {"title_id": title["id"], "licence_type": "subscription", "seats": 2,
            "expires_on": str(today() + timedelta(days=365)), "key_reference": "vault://licences/office",
            "purchase": {"cost": "1299.50", "purchased_on": "2026-01-15", "supplier": "SoftwareOne"}, **overrides}
    return await created(await client.post("/licences", json=body, headers=headers))


async def device(client, headers) -> dict:
    return await created(await client.post("/devices", json=device_request(), headers=headers))


async def install(client, headers, device_id: str, **body):
    return await client.post(f"/devices/{device_id}/software", json=body, headers=headers)


async def event_count(inventory, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{inventory.settings["assets"].schema}".events')


async def test_seats_used_are_counted_against_seats_owned_and_over_allocation_is_refused(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    title = await add_title(client, tom)
    licence = await acquire(client, tom, title)
    pcs = [await device(client, tom) for _ in range(3)]
    for pc in pcs[:2]:
        answer = await created(await install(client, tom, pc["id"], licence_id=licence["id"]))
    assert answer["installation"]["technician_id"] == "tom"
    assert (answer["licence"]["seats_used"], answer["licence"]["seats_free"]) == (2, 0)
    before = await event_count(inventory, db)
    refused = await install(client, tom, pcs[2]["id"], licence_id=licence["id"])
    assert (refused.status_code, refused.json()["rule"]) == (409, "LicenceSeatsExhausted")
    twice = await install(client, tom, pcs[0]["id"], licence_id=licence["id"])
    assert (twice.status_code, twice.json()["rule"]) == (409, "SeatAlreadyAllocated")
    assert await event_count(inventory, db) == before
    [row] = (await client.get("/software", params={"q": title["version"]}, headers=tom)).json()
    assert (row["seats_owned"], row["seats_used"], row["seats_free"], row["licences"]) == (2, 2, 0, 1)
    detail = (await client.get(f"/licences/{licence['id']}", headers=tom)).json()
    assert sorted(i["device_id"] for i in detail["installations"]) == sorted(pc["id"] for pc in pcs[:2])
    assert (detail["total_cost"], detail["purchases"][0]["supplier"]) == ("1299.50", "SoftwareOne")


async def test_a_released_seat_is_free_for_another_device(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom), seats=1)
    first, second = await device(client, tom), await device(client, tom)
    await created(await install(client, tom, first["id"], licence_id=licence["id"]))
    seat = await client.get(f"/devices/{first['id']}/software/{licence['id']}", headers=tom)
    assert seat.status_code == 200 and seat.json()["title_id"] == licence["title_id"]
    released = await client.post(f"/devices/{first['id']}/software/{licence['id']}/release",
                                 json={"reason": "reimaged"}, headers=tom)
    assert (released.status_code, released.json()["seats_used"]) == (200, 0)
    assert (await client.get(f"/devices/{first['id']}/software", headers=tom)).json() == []
    again = await client.post(f"/devices/{first['id']}/software/{licence['id']}/release", headers=tom)
    assert again.status_code == 404
    await created(await install(client, tom, second["id"], licence_id=licence["id"]))


async def test_naming_the_title_picks_the_licence_in_force_with_a_free_seat_that_covers_longest(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    title = await add_title(client, tom)
    lapsed = await acquire(client, tom, title, expires_on=str(today() - timedelta(days=1)))
    soon = await acquire(client, tom, title, seats=1, expires_on=str(today() + timedelta(days=30)))
    later = await acquire(client, tom, title, seats=1, expires_on=str(today() + timedelta(days=300)))
    pcs = [await device(client, tom) for _ in range(3)]
    picked = [(await created(await install(client, tom, pc["id"], title_id=title["id"])))["licence"]["id"]
              for pc in pcs[:2]]
    assert picked == [later["id"], soon["id"]]
    refused = await install(client, tom, pcs[2]["id"], title_id=title["id"])
    assert (refused.status_code, refused.json()["rule"]) == (409, "LicenceSeatsExhausted")
    expired = await install(client, tom, pcs[2]["id"], licence_id=lapsed["id"])
    assert (expired.status_code, expired.json()["rule"]) == (409, "LicenceExpired")
    other = await acquire(client, tom, title, seats=5)
    on_same = await install(client, tom, pcs[0]["id"], licence_id=other["id"])
    assert (on_same.status_code, on_same.json()["rule"]) == (409, "TitleAlreadyOnDevice")


async def test_licences_expiring_within_n_days_are_listed_soonest_first(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("manager")
    title = await add_title(client, tom)
    in_days = {d: await acquire(client, tom, title, expires_on=str(today() + timedelta(days=d)))
               for d in (45, 0, 10, 31)}
    await acquire(client, tom, title, expires_on=str(today() - timedelta(days=2)))
    await acquire(client, tom, title, licence_type="perpetual", expires_on=None)

    async def expiring(days: int) -> list[str]:
        response = await client.get("/licences", params={"expiring_within_days": days}, headers=tom)
        assert response.status_code == 200, response.text
        return [licence["id"] for licence in response.json()]

    assert await expiring(30) == [in_days[0]["id"], in_days[10]["id"]]
    assert await expiring(45) == [in_days[d]["id"] for d in (0, 10, 31, 45)]
    everything = (await client.get("/licences", params={"title_id": title["id"]}, headers=tom)).json()
    assert [(row["expired"], row["seats_free"]) for row in everything][:1] == [(True, 2)]
    assert everything[-1]["licence_type"] == "perpetual" and len(everything) == 6
    too_far = await client.get("/licences", params={"expiring_within_days": -1}, headers=tom)
    assert [e["field"] for e in too_far.json()["errors"]] == ["query.expiring_within_days"]


async def test_a_renewal_brings_a_lapsed_licence_back_into_force(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom), expires_on=str(today() - timedelta(days=1)))
    pc = await device(client, tom)
    assert (await install(client, tom, pc["id"], licence_id=licence["id"])).status_code == 409
    renewal = {"expires_on": str(today() + timedelta(days=365)), "seats": 3, "purchase": {"cost": "400.00"}}
    renewed = await client.post(f"/licences/{licence['id']}/renew", json=renewal,
                                headers={**tom, "If-Match": '"1"'})
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["seats"], renewed.json()["expired"], renewed.json()["total_cost"]) == (3, False, "1699.50")
    await created(await install(client, tom, pc["id"], licence_id=licence["id"]))
    shrink = await client.post(f"/licences/{licence['id']}/renew", headers=tom,
                               json={"expires_on": str(today() + timedelta(days=400)), "seats": 0})
    assert shrink.status_code == 422


async def test_unknown_references_are_422_by_field_an_unknown_device_404_and_nothing_appended(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    title = await add_title(client, tom)
    licence, pc = await acquire(client, tom, title), await device(client, tom)
    before = await event_count(inventory, db)

    async def field_of(response) -> str:
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]["field"]

    nothing = {"title_id": str(uuid4()), "licence_type": "oem", "seats": 1}
    assert await field_of(await client.post("/licences", json=nothing, headers=tom)) == "title_id"
    assert (await install(client, tom, str(uuid4()), licence_id=licence["id"])).status_code == 404  # the path's
    assert await field_of(await install(client, tom, pc["id"], licence_id=str(uuid4()))) == "licence_id"
    assert await field_of(await install(client, tom, pc["id"], title_id=str(uuid4()))) == "title_id"
    assert await field_of(await install(client, tom, pc["id"])) == "licence_id"
    a_licence_is_no_device = await install(client, tom, licence["id"], licence_id=licence["id"])
    assert a_licence_is_no_device.status_code == 404
    a_key = {**nothing, "title_id": title["id"], "key_reference": "ABCDE-12345-FGHIJ-67890-KLMNO"}
    assert await field_of(await client.post("/licences", json=a_key, headers=tom)) == "key_reference"
    no_expiry = {**nothing, "title_id": title["id"], "licence_type": "subscription"}
    assert await field_of(await client.post("/licences", json=no_expiry, headers=tom)) == "expires_on"
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await field_of(await install(client, tom, pc["id"], licence_id=licence["id"], installed_at=later)) \
        == "installed_at"
    assert await event_count(inventory, db) == before


async def test_a_title_is_listed_once_per_name_publisher_and_version(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    title = await add_title(client, tom, name="Acrobat", publisher="Adobe", version="DC")
    again = await client.post("/software", json={"name": "acrobat", "publisher": "ADOBE", "version": "DC"},
                              headers=tom)
    assert (again.status_code, again.json()["rule"]) == (409, "SoftwareTitleAlreadyListed")
    fetched = await client.get(f"/software/{title['id']}", headers=tom)
    assert fetched.json() == title and fetched.headers["ETag"] == '"1"'


async def test_another_tenant_sees_nothing_and_changes_nothing(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    title = await add_title(client, tom)
    licence, pc = await acquire(client, tom, title), await device(client, tom)
    await created(await install(client, tom, pc["id"], licence_id=licence["id"]))
    stranger = tokens.headers("manager", tenant="another-city")
    assert (await client.get("/software", headers=stranger)).json() == []
    assert (await client.get("/licences", headers=stranger)).json() == []
    assert (await client.get(f"/licences/{licence['id']}", headers=stranger)).status_code == 404
    assert (await client.get(f"/software/{title['id']}", headers=stranger)).status_code == 404
    assert (await client.get(f"/devices/{pc['id']}/software", headers=stranger)).json() == []
    their_pc = await device(client, stranger)
    taking = await install(client, stranger, their_pc["id"], licence_id=licence["id"])
    assert taking.json()["errors"][0]["field"] == "licence_id"
    releasing = await client.post(f"/devices/{pc['id']}/software/{licence['id']}/release", headers=stranger)
    assert releasing.status_code == 404
    their_title = {"title_id": title["id"], "licence_type": "oem", "seats": 1}
    assert (await client.post("/licences", json=their_title, headers=stranger)).status_code == 422


async def test_auditors_read_and_staff_see_nothing(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    title = await add_title(client, tom)
    auditor, staff = tokens.headers("auditor"), tokens.headers("staff")
    assert (await client.get("/software", headers=auditor)).status_code == 200
    assert (await client.post("/software", json={"name": "Visio"}, headers=auditor)).status_code == 403
    assert (await client.get("/licences", headers=staff)).status_code == 403
    body = {"title_id": title["id"], "licence_type": "oem", "seats": 1}
    assert (await client.post("/licences", json=body, headers=auditor)).status_code == 403


async def test_two_technicians_taking_the_last_seat_at_once_one_wins(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    ann = tokens.headers("technician", sub="ann")
    licence = await acquire(client, tom, await add_title(client, tom), seats=3)
    pcs = [await device(client, tom) for _ in range(4)]
    await created(await install(client, tom, pcs[0]["id"], licence_id=licence["id"]))
    await created(await install(client, tom, pcs[1]["id"], licence_id=licence["id"]))
    # Both read the licence at the same version: the stream takes one append at that version, not two.
    etag = (await client.get(f"/licences/{licence['id']}", headers=tom)).headers["ETag"]
    racing = await asyncio.gather(*(
        client.post(f"/devices/{pc['id']}/software", json={"licence_id": licence["id"]},
                    headers={**who, "If-Match": etag}) for pc, who in ((pcs[2], tom), (pcs[3], ann))))
    assert sorted(r.status_code for r in racing) == [201, 412]
    detail = (await client.get(f"/licences/{licence['id']}", headers=tom)).json()
    assert (detail["seats_used"], len(detail["installations"])) == (3, 3)


async def test_many_technicians_racing_for_one_seat_without_if_match_get_one_seat(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom), seats=1)
    pcs = [await device(client, tom) for _ in range(6)]
    racing = await asyncio.gather(*(install(client, tom, pc["id"], licence_id=licence["id"]) for pc in pcs))
    statuses = sorted(r.status_code for r in racing)
    assert statuses == [201] + [409] * 5, [r.text for r in racing]
    assert {r.json()["rule"] for r in racing if r.status_code == 409} <= {"ConcurrencyError", "LicenceSeatsExhausted"}
    detail = (await client.get(f"/licences/{licence['id']}", headers=tom)).json()
    assert (detail["seats_used"], len(detail["installations"])) == (1, 1)


async def test_a_replayed_idempotency_key_takes_one_seat(inventory, tokens, db):
    client = inventory.assets
    tom = tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom))
    pc = await device(client, tom)
    headers = {**tom, "Idempotency-Key": "install-office-1"}
    first = await install(client, headers, pc["id"], licence_id=licence["id"])
    replay = await install(client, headers, pc["id"], licence_id=licence["id"])
    assert (first.status_code, replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert replay.json() == first.json()
    detail = (await client.get(f"/licences/{licence['id']}", headers=tom)).json()
    assert detail["seats_used"] == 1


async def test_a_retired_device_takes_no_new_software_but_gives_its_seats_back(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom))
    other = await acquire(client, tom, await add_title(client, tom))
    pc = await device(client, tom)
    await created(await install(client, tom, pc["id"], licence_id=licence["id"]))
    retired = await client.post(f"/devices/{pc['id']}/retire", json={"reason": "end of life"}, headers=tom)
    assert retired.status_code == 200, retired.text
    refused = await install(client, tom, pc["id"], licence_id=other["id"])
    assert (refused.status_code, refused.json()["rule"]) == (409, "DeviceOutOfService")
    released = await client.post(f"/devices/{pc['id']}/software/{licence['id']}/release", headers=tom)
    assert (released.status_code, released.json()["seats_used"]) == (200, 0)


async def test_an_install_recorded_later_keeps_when_it_happened(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    licence = await acquire(client, tom, await add_title(client, tom))
    pc = await device(client, tom)
    when = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    answer = await created(await install(client, tom, pc["id"], licence_id=licence["id"],
                                         installed_at=when.isoformat()))
    assert datetime.fromisoformat(answer["installation"]["installed_at"]) == when
    [listed] = (await client.get(f"/devices/{pc['id']}/software", headers=tokens.headers("auditor"))).json()
    assert listed == answer["installation"]


async def test_a_device_that_leaves_the_city_gives_its_seats_back(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    licence = await acquire(client, tom, await add_title(client, tom), seats=1)
    stolen, wiped = await device(client, tom), await device(client, tom)
    await created(await install(client, tom, stolen["id"], licence_id=licence["id"]))
    assert (await client.post(f"/devices/{stolen['id']}/lost", json={"stolen": True}, headers=tom)).status_code == 200
    await created(await install(client, tom, wiped["id"], licence_id=licence["id"]))  # the seat came back
    sanitization = {"method": "purge", "tool": "Blancco", "verification": "verified", "certificate_ref": "S-1"}
    steps = (("retire", {"reason": "old"}), ("sanitize", sanitization), ("dispose", {"certificate_ref": "D-1"}))
    for action, body in steps:
        assert (await client.post(f"/devices/{wiped['id']}/{action}", json=body, headers=tom)).status_code == 200
    seats = (await client.get(f"/licences/{licence['id']}", headers=tom)).json()
    assert (seats["seats_used"], seats["seats_free"]) == (0, 1)
