"""IP address management over REST against real Postgres: utilisation, refusals, tenants, releases, and no address
ever given twice, also to fifty technicians at once."""

import asyncio
from ipaddress import ip_address, ip_network

import pytest

from assets import network_reactions
from events.contracts.ipam import AddressReleased
from events.envelope import Envelope
from support.apps import ok
from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


def refused(response, status: int, rule: str) -> dict:
    assert (response.status_code, response.json().get("rule")) == (status, rule), response.text
    return response.json()


def field_of(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


async def add_prefix(client, headers, prefix: str = "10.20.0.0/26", **body) -> dict:
    body = {"prefix": prefix, "site": "City Hall", "vlan_id": 20, "purpose": "staff desktops", **body}
    return await ok(await client.post("/prefixes", json=body, headers=headers), 201)


async def device(client, headers) -> dict:
    return await ok(await client.post("/devices", json=device_request(), headers=headers), 201)


async def allocate(client, headers, prefix: dict, device_id: str, **body):
    return await client.post(
        f"/prefixes/{prefix['id']}/allocations",
        json={"device_id": device_id, "interface": "eth0", **body},
        headers=headers,
    )


async def events_of(inventory, db, event_type: str) -> int:
    schema = inventory.settings["assets"].schema
    return await db.fetchval(f'SELECT count(*) FROM "{schema}".events WHERE event_type = $1', event_type)


async def test_a_prefix_shows_its_utilisation_as_addresses_are_reserved_leased_and_allocated(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    prefix = await add_prefix(client, tom)
    assert prefix["utilisation"] == {"usable": 62, "allocated": 0, "reserved": 0, "dhcp": 0, "free": 62, "percent": 0.0}
    await ok(
        await client.post(
            f"/prefixes/{prefix['id']}/reservations",
            json={"start_address": "10.20.0.1", "purpose": "gateway"},
            headers=tom,
        ),
        201,
    )
    await ok(
        await client.post(
            f"/prefixes/{prefix['id']}/dhcp-ranges",
            json={"start_address": "10.20.0.33", "end_address": "10.20.0.62"},
            headers=tom,
        ),
        201,
    )
    pc = await device(client, tom)
    first = await ok(await allocate(client, tom, prefix, pc["id"], hostname="clerk-pc-1.city.local"), 201)
    named = await ok(await allocate(client, tom, prefix, pc["id"], address="10.20.0.10", interface="wlan0"), 201)
    assert (first["address"], first["interface"], first["allocated_by"]) == ("10.20.0.2", "eth0", "tom")
    assert (named["address"], named["released_at"]) == ("10.20.0.10", None)
    fetched = await client.get(f"/prefixes/{prefix['id']}", headers=tokens.headers("auditor"))
    detail = await ok(fetched)
    assert detail["utilisation"] == {
        "usable": 62,
        "allocated": 2,
        "reserved": 1,
        "dhcp": 30,
        "free": 29,
        "percent": round(100 * 33 / 62, 2),
    }
    assert [(r["kind"], r["start_address"], r["end_address"]) for r in detail["ranges"]] == [
        ("reservation", "10.20.0.1", "10.20.0.1"),
        ("dhcp", "10.20.0.33", "10.20.0.62"),
    ]
    assert fetched.headers["ETag"] == '"5"'
    listed = await ok(await client.get("/prefixes", params={"holding": "10.20.0.40"}, headers=tom))
    assert listed["total"] == 1 and listed["items"][0]["utilisation"]["free"] == 29
    held = await ok(await client.get(f"/devices/{pc['id']}/addresses", headers=tom))
    assert [(a["address"], a["interface"], a["prefix"]) for a in held] == [
        ("10.20.0.2", "eth0", "10.20.0.0/26"),
        ("10.20.0.10", "wlan0", "10.20.0.0/26"),
    ]


async def test_a_named_address_taken_leased_reserved_or_outside_is_refused_and_nothing_recorded(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom)
    await ok(
        await client.post(
            f"/prefixes/{prefix['id']}/reservations",
            headers=tom,
            json={"start_address": "10.20.0.1", "end_address": "10.20.0.3", "purpose": "routers"},
        ),
        201,
    )
    await ok(
        await client.post(
            f"/prefixes/{prefix['id']}/dhcp-ranges",
            headers=tom,
            json={"start_address": "10.20.0.40", "end_address": "10.20.0.50"},
        ),
        201,
    )
    pc, printer = await device(client, tom), await device(client, tom)
    await ok(await allocate(client, tom, prefix, pc["id"], address="10.20.0.20"), 201)
    before = await events_of(inventory, db, "assets.address_allocated")
    refused(await allocate(client, tom, prefix, printer["id"], address="10.20.0.20"), 409, "AddressTaken")
    refused(await allocate(client, tom, prefix, printer["id"], address="10.20.0.45"), 409, "AddressInDhcpRange")
    refused(await allocate(client, tom, prefix, printer["id"], address="10.20.0.2"), 409, "AddressInReservation")
    for unusable in ("10.20.0.64", "10.20.0.0", "10.20.0.63", "2001:db8::1", "not-an-address"):
        assert field_of(await allocate(client, tom, prefix, printer["id"], address=unusable)) == ["address"]
    overlapping = await client.post(
        f"/prefixes/{prefix['id']}/dhcp-ranges",
        headers=tom,
        json={"start_address": "10.20.0.3", "end_address": "10.20.0.9"},
    )
    refused(overlapping, 409, "RangeOverlaps")
    assert await events_of(inventory, db, "assets.address_allocated") == before
    assert (await ok(await client.get(f"/prefixes/{prefix['id']}", headers=tom)))["version"] == 4


async def test_the_device_must_be_in_the_tenants_inventory_and_not_gone(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom)
    assert field_of(await allocate(client, tom, prefix, "0190a000-0000-7000-8000-000000000001")) == ["device_id"]
    elsewhere = await device(client, tokens.headers("technician", tenant="another-city"))
    assert field_of(await allocate(client, tom, prefix, elsewhere["id"])) == ["device_id"]
    stolen = await device(client, tom)
    await ok(await client.post(f"/devices/{stolen['id']}/lost", json={"stolen": True}, headers=tom))
    refused(await allocate(client, tom, prefix, stolen["id"]), 409, "DeviceGone")
    missing_fields = await client.post(f"/prefixes/{prefix['id']}/allocations", json={}, headers=tom)
    assert sorted(field_of(missing_fields)) == ["device_id", "interface"]


async def test_a_tenants_prefixes_never_overlap_and_another_tenant_sees_none_of_them(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom, "10.20.0.0/24")
    for overlapping in ("10.20.0.128/25", "10.0.0.0/8", "10.20.0.0/24"):
        refused(await client.post("/prefixes", json={"prefix": overlapping}, headers=tom), 409, "PrefixOverlaps")
    await add_prefix(client, tom, "10.20.1.0/24")
    for bad in ("10.20.2.1/24", "10.20.2.0", "2001:db8::/48", "10.20.2.0/33"):
        assert field_of(await client.post("/prefixes", json={"prefix": bad}, headers=tom)) == ["prefix"], bad
    other = tokens.headers("technician", tenant="another-city")
    theirs = await add_prefix(client, other, "10.20.0.0/24")
    pc = await device(client, other)
    assert (await ok(await allocate(client, other, theirs, pc["id"]), 201))["address"] == "10.20.0.1"
    assert (await client.get(f"/prefixes/{prefix['id']}", headers=other)).status_code == 404
    assert (await allocate(client, other, prefix, pc["id"])).status_code == 404
    assert [p["prefix"] for p in (await ok(await client.get("/prefixes", headers=other)))["items"]] == ["10.20.0.0/24"]
    assert (await ok(await client.get("/prefixes", headers=tom)))["total"] == 2


async def test_a_released_address_is_free_again_and_released_once(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom)
    pc, printer = await device(client, tom), await device(client, tom)
    allocation = await ok(await allocate(client, tom, prefix, pc["id"]), 201)
    released = await ok(
        await client.post(f"/allocations/{allocation['id']}/release", json={"note": "reimaged"}, headers=tom)
    )
    assert (released["release_reason"], released["release_note"], released["address"]) == (
        "released",
        "reimaged",
        "10.20.0.1",
    )
    refused(
        await client.post(f"/allocations/{allocation['id']}/release", headers=tom), 409, "AllocationAlreadyReleased"
    )
    assert (await ok(await allocate(client, tom, prefix, printer["id"]), 201))["address"] == "10.20.0.1"
    assert await ok(await client.get(f"/devices/{pc['id']}/addresses", headers=tom)) == []
    live = await ok(await client.get(f"/prefixes/{prefix['id']}/allocations", headers=tom))
    every = await ok(
        await client.get(f"/prefixes/{prefix['id']}/allocations", params={"include_released": True}, headers=tom)
    )
    assert [a["device_id"] for a in live["items"]] == [printer["id"]]
    assert sorted(a["device_id"] for a in every["items"]) == sorted([pc["id"], printer["id"]])
    unknown = await client.post("/allocations/0190a000-0000-7000-8000-000000000001/release", headers=tom)
    assert unknown.status_code == 404


async def test_an_ipv6_64_allocates_after_its_anycast_address_and_counts_without_enumerating(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("manager")
    prefix = await add_prefix(client, tom, "2001:DB8:20:0::/64")
    assert (prefix["prefix"], prefix["family"]) == ("2001:db8:20::/64", 6)
    await ok(
        await client.post(
            f"/prefixes/{prefix['id']}/dhcp-ranges",
            headers=tom,
            json={"start_address": "2001:db8:20::1", "end_address": "2001:db8:20::ffff:ffff"},
        ),
        201,
    )
    allocation = await ok(await allocate(client, tom, prefix, (await device(client, tom))["id"]), 201)
    assert allocation["address"] == "2001:db8:20::1:0:0"
    used = (await ok(await client.get(f"/prefixes/{prefix['id']}", headers=tom)))["utilisation"]
    assert (used["usable"], used["dhcp"], used["allocated"]) == (2**64 - 1, 2**32 - 1, 1)
    assert used["free"] == 2**64 - 1 - 2**32


async def test_a_disposal_delivered_twice_releases_the_devices_addresses_once(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom)
    pc, other = await device(client, tom), await device(client, tom)
    for interface in ("eth0", "eth1"):
        await ok(await allocate(client, tom, prefix, pc["id"], interface=interface), 201)
    kept = await ok(await allocate(client, tom, prefix, other["id"]), 201)
    await ok(await client.post(f"/devices/{pc['id']}/lost", json={"stolen": True}, headers=tom))
    async with inventory.apps["assets"].state.pool.acquire() as conn:
        document = await conn.fetchval(
            "SELECT envelope FROM events WHERE stream_id = $1 AND event_type = $2",
            pc["id"],
            "assets.device_reported_missing",
        )
        for _ in range(2):  # the handler itself, without the consumer's dedupe row
            async with conn.transaction():
                await network_reactions.projection.apply(conn, Envelope.from_document(document))
        released = await conn.fetch("SELECT envelope FROM events WHERE event_type = $1", AddressReleased.event_type)
    assert sorted(r["envelope"]["data"]["reason"] for r in released) == ["device_stolen", "device_stolen"]
    assert {r["envelope"]["causationid"] for r in released} == {document["id"]}
    assert await ok(await client.get(f"/devices/{pc['id']}/addresses", headers=tom)) == []
    assert [a["id"] for a in await ok(await client.get(f"/devices/{other['id']}/addresses", headers=tom))] == [
        kept["id"]
    ]


@pytest.mark.timeout(180)
async def test_fifty_concurrent_allocations_in_a_26_give_62_distinct_addresses_and_prefix_full_to_the_rest(
    inventory, tokens, db
):
    client, tom = inventory.assets, tokens.headers("technician")
    prefix = await add_prefix(client, tom, "10.30.0.0/26")
    pcs = [await device(client, tom) for _ in range(4)]
    in_flight = asyncio.Semaphore(50)

    async def ask(n: int):
        async with in_flight:
            return await allocate(client, tom, prefix, pcs[n % 4]["id"], interface=f"eth{n}")

    answers = await asyncio.gather(*(ask(n) for n in range(100)))
    given = [a.json()["address"] for a in answers if a.status_code == 201]
    full = [a.json() for a in answers if a.status_code == 409]
    assert (len(given), len(full)) == (62, 38), sorted({a.status_code for a in answers})
    assert set(given) == {str(host) for host in ip_network("10.30.0.0/26").hosts()}  # 62 distinct, .1 to .62
    assert {ip_address(a) for a in given}.isdisjoint({ip_address("10.30.0.0"), ip_address("10.30.0.63")})
    assert {(p["rule"], "prefix full" in p["detail"]) for p in full} == {("PrefixFull", True)}
    used = (await ok(await client.get(f"/prefixes/{prefix['id']}", headers=tom)))["utilisation"]
    assert (used["allocated"], used["free"], used["percent"]) == (62, 0, 100.0)
    assert await events_of(inventory, db, "assets.address_allocated") == 62
