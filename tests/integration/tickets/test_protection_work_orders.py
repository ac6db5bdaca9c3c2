"""A device the inventory finds short of its endpoint protection becomes a corrective work order on the desk, once."""

from datetime import UTC, datetime
from uuid import uuid4

from events.contracts.security import ProtectionKind, ProtectionWorkRequested
from events.db import migrate_pool
from events.envelope import Context, wrap
from support.records import deliver
from tickets import worker


async def test_a_protection_gap_opens_one_work_order_on_its_device_however_often_it_is_told(desk, tokens, pool_for):
    pool = await pool_for("tickets")
    await migrate_pool(pool, desk.settings["tickets"].schema, worker.MIGRATIONS)
    device_id = uuid4()
    request = ProtectionWorkRequested(at=datetime(2026, 11, 2, 9, tzinfo=UTC), device_id=device_id,
                                      asset_tag="CITY-0042", location="Fire Hall 3",
                                      missing=[ProtectionKind("disk_encryption")], outdated=[], requested_by="tom")
    envelope = wrap(request, stream_id=f"protection-{device_id}", stream_version=3,
                    ctx=Context(tenant=tokens.tenant, actor="tom", correlation_id="gap-1"))
    for _ in range(2):  # a redelivery, then the same request under another group's replay
        await deliver(pool, worker.PROTECTION_GROUP, worker.protection, envelope, "assets.events")
    await deliver(pool, "tickets.protection-replay", worker.protection, envelope, "assets.events")
    listed = (await desk.tickets.get("/work-orders", headers=tokens.headers("technician"))).json()
    [order] = listed
    assert (order["device_id"], order["kind"], order["status"]) == (str(device_id), "corrective", "created")
    assert "CITY-0042" in order["title"] and "disk_encryption" in order["title"]
