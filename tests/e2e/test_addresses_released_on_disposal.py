"""A device disposed of gives its IP addresses back by itself: its disposal goes over Kafka to the assets worker,
which releases each of its allocations on the prefix's stream."""

import pytest

from assets import worker
from support.apps import eventually, ok, running
from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory_and_worker(settings_for, db):
    """Assets with its relay, and the assets worker consuming `assets.events` (group `assets.network`)."""
    async with suite_of(settings_for, "assets") as suite, running(worker.run(suite.settings["assets"])):
        yield suite


@pytest.mark.timeout(90)
async def test_a_disposed_devices_address_is_released_and_free_again(inventory_and_worker, tokens):
    assets, tom = inventory_and_worker.assets, tokens.headers("technician", sub="tom")
    prefix = await ok(
        await assets.post("/prefixes", json={"prefix": "10.40.0.0/29", "site": "Depot"}, headers=tom), 201
    )
    pc = await ok(await assets.post("/devices", json=device_request(), headers=tom), 201)
    allocation = await ok(
        await assets.post(
            f"/prefixes/{prefix['id']}/allocations", json={"device_id": pc["id"], "interface": "eth0"}, headers=tom
        ),
        201,
    )
    assert allocation["address"] == "10.40.0.1"
    for action, body in [
        ("retire", {"reason": "End of life"}),
        (
            "sanitize",
            {"method": "purge", "tool": "Blancco 7", "verification": "Full verify pass", "certificate_ref": "SAN-9"},
        ),
        ("hand-over", {"vendor": "GreenTech Recycling"}),
        ("dispose", {"certificate_ref": "COD-77"}),
    ]:
        await ok(await assets.post(f"/devices/{pc['id']}/{action}", json=body, headers=tom))

    async def released():
        found = await ok(await assets.get(f"/allocations/{allocation['id']}", headers=tokens.headers("auditor")))
        return found if found["released_at"] else None

    done = await eventually(released, within=30, interval=0.2)
    assert (done["release_reason"], done["released_by"]) == ("device_disposed", "tom")
    assert await ok(await assets.get(f"/devices/{pc['id']}/addresses", headers=tom)) == []
    used = (await ok(await assets.get(f"/prefixes/{prefix['id']}", headers=tom)))["utilisation"]
    assert (used["allocated"], used["free"]) == (0, 6)
    printer = await ok(await assets.post("/devices", json=device_request(kind="printer"), headers=tom), 201)
    again = await ok(
        await assets.post(
            f"/prefixes/{prefix['id']}/allocations", json={"device_id": printer["id"], "interface": "eth0"}, headers=tom
        ),
        201,
    )
    assert again["address"] == "10.40.0.1"
