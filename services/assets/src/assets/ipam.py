"""IP address management on the kit: prefix commands through `streams.handle`, one at a time per prefix, and their
inline read models (prefixes with utilisation, ranges and reservations, allocations).

Every command on a prefix first locks the prefix's row (SELECT ... FOR UPDATE), so commands on one prefix queue
instead of clashing on the stream's version: fifty technicians asking for the next free address get fifty
different ones, or "prefix full". The partial unique index on live addresses is the last guard.
"""

import contextlib
from datetime import datetime
from ipaddress import ip_address
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.device_state import GONE
from assets.domain.errors import DeviceGone
from assets.domain.ipam_errors import AddressTaken, AllocationAlreadyReleased, PrefixOverlaps
from assets.domain.prefix import (
    PREFIX,
    AddPrefix,
    AllocateAddress,
    Prefix,
    PrefixCommand,
    RangeKind,
    ReleaseAddress,
    utilisation,
)
from events import streams
from events.contracts.ipam import AddressAllocated, AddressReleased, AddressReserved, DhcpRangeAdded, ReleaseReason
from events.db import page
from events.envelope import Context, Envelope
from events.errors import NotFound, UnknownReference
from events.streams import Stream


def _transaction(conn: asyncpg.Connection):
    # A lock taken outside a transaction would be let go at once; the caller's transaction (a route's) is kept.
    return contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction()


_TAKE_TURNS = "SELECT pg_advisory_xact_lock(hashtext('ipam.prefixes:' || current_schema() || ':' || $1))"
_OVERLAPPING = "SELECT network FROM prefixes WHERE tenant = $1 AND network && $2::cidr ORDER BY network LIMIT 1"
_LOCK = "SELECT true FROM prefixes WHERE prefix_id = $1 AND tenant = $2 FOR UPDATE"
# FOR SHARE: a disposal being recorded now waits for this allocation (then releases it), or this sees it disposed.
_DEVICE_STATUS = "SELECT status FROM device_list WHERE tenant = $1 AND device_id = $2 FOR SHARE"
_PREFIX_OF = "SELECT prefix_id FROM ip_allocations WHERE tenant = $1 AND allocation_id = $2"


async def add_prefix(conn: asyncpg.Connection, command: AddPrefix, ctx: Context) -> Stream[Prefix]:
    """Add a prefix that overlaps none of the tenant's (an address then belongs to one prefix, given once)."""
    async with _transaction(conn):
        # Two overlapping prefixes added at once would each miss the other: a tenant's additions take turns.
        await conn.execute(_TAKE_TURNS, ctx.tenant)
        if (other := await conn.fetchval(_OVERLAPPING, ctx.tenant, command.network)) is not None:
            raise PrefixOverlaps(
                f"{command.network} overlaps the prefix {other}: a tenant's prefixes never overlap,"
                " so that no address is in two of them"
            )
        return await streams.handle(
            conn, PREFIX, str(command.prefix_id), command, ctx, loaded=streams.fresh(PREFIX), inline=_write_prefix
        )


async def handle_prefix(
    conn: asyncpg.Connection, prefix_id: UUID, command: PrefixCommand, ctx: Context, if_match: int | None = None
) -> Stream[Prefix]:
    """Run a command on the prefix, its row locked first; the stream's `view` is the prefix's row.

    An allocation's device must be in the tenant's inventory and not gone (disposed of, lost or stolen).
    """
    async with _transaction(conn):
        if await conn.fetchval(_LOCK, prefix_id, ctx.tenant) is None:
            raise NotFound(f"no prefix {prefix_id}")
        if isinstance(command, AllocateAddress):
            await _device_on_network(conn, command.device_id, ctx.tenant)
        return await streams.handle(conn, PREFIX, str(prefix_id), command, ctx, if_match=if_match, inline=_write_prefix)


async def release(
    conn: asyncpg.Connection, allocation_id: UUID, command: ReleaseAddress, ctx: Context, if_match: int | None = None
) -> Stream[Prefix]:
    if (prefix_id := await conn.fetchval(_PREFIX_OF, ctx.tenant, allocation_id)) is None:
        raise NotFound(f"no allocation {allocation_id}")
    return await handle_prefix(conn, prefix_id, command, ctx, if_match)


_HELD_BY_DEVICE = """
SELECT allocation_id, prefix_id, allocated_at FROM ip_allocations
WHERE tenant = $1 AND device_id = $2 AND released_at IS NULL ORDER BY prefix_id, allocation_id"""


async def release_addresses_of(
    conn: asyncpg.Connection, device_id: UUID, reason: ReleaseReason, at: datetime, ctx: Context
) -> int:
    """Release every live allocation of a device that left, each through its prefix's stream; how many were."""
    released = 0
    for row in await conn.fetch(_HELD_BY_DEVICE, ctx.tenant, device_id):
        # Never before the allocation itself, should the departure be recorded with an earlier date.
        command = ReleaseAddress(row["allocation_id"], at=max(at, row["allocated_at"]), reason=reason)
        with contextlib.suppress(AllocationAlreadyReleased):  # a technician released it since the rows were read
            await handle_prefix(conn, row["prefix_id"], command, ctx)
            released += 1
    return released


async def _device_on_network(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> None:
    status = await conn.fetchval(_DEVICE_STATUS, tenant, device_id)
    if status is None:
        raise UnknownReference("device_id", f"the inventory holds no device {device_id}")
    if status in GONE:
        raise DeviceGone(f"device {device_id} is {status}: it takes no address")


# ------------------------------------------------------------------------------------------- inline read models

_UPSERT_PREFIX = """
INSERT INTO prefixes (prefix_id, tenant, network, site, vlan_id, purpose, description, usable, allocated, reserved,
    dhcp, added_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (prefix_id) DO UPDATE SET allocated = $9, reserved = $10, dhcp = $11, updated_at = $13, version = $14"""


async def _write_prefix(conn: asyncpg.Connection, prefix: Stream[Prefix], ctx: Context) -> asyncpg.Record:
    """The prefix's row with its utilisation, and what its new events added, in the command's transaction."""
    s, used, added = prefix.state, utilisation(prefix.state), prefix.events[0]
    await conn.execute(
        _UPSERT_PREFIX,
        s.prefix_id,
        ctx.tenant,
        s.network,
        added.site,
        added.vlan_id,
        added.purpose,
        added.description,
        used.usable,
        used.allocated,
        used.reserved,
        used.dhcp,
        prefix.history[0].time,
        prefix.appended[-1].recordedtime,
        prefix.version,
    )
    new_events = prefix.events[len(prefix.events) - len(prefix.appended) :]
    for envelope, event in zip(prefix.appended, new_events, strict=True):
        if recorder := _RECORDERS.get(type(event)):  # PrefixAdded: the prefix's row is all it shows
            await recorder(conn, event, envelope)
    return await prefix_row(conn, s.prefix_id, ctx.tenant)


_INSERT_RANGE = """
INSERT INTO ip_ranges (range_id, kind, label, tenant, prefix_id, start_address, end_address, added_at, added_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""


async def _dhcp_range(conn: asyncpg.Connection, e: DhcpRangeAdded, envelope: Envelope) -> None:
    await _insert_range(conn, (e.range_id, RangeKind.DHCP, e.description), e, envelope)


async def _reservation(conn: asyncpg.Connection, e: AddressReserved, envelope: Envelope) -> None:
    await _insert_range(conn, (e.reservation_id, RangeKind.RESERVATION, e.purpose), e, envelope)


async def _insert_range(conn: asyncpg.Connection, held: tuple, e: Any, envelope: Envelope) -> None:
    span = ip_address(e.start_address), ip_address(e.end_address)
    await conn.execute(_INSERT_RANGE, *held, envelope.tenant, e.prefix_id, *span, e.at, envelope.actor)


_INSERT_ALLOCATION = """
INSERT INTO ip_allocations (allocation_id, prefix_id, device_id, interface, hostname, description, allocated_at,
    allocated_by, address, tenant)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"""
_RELEASE = """
UPDATE ip_allocations SET released_at = $2, released_by = $3, release_reason = $4, release_note = $5
WHERE allocation_id = $1"""


async def _allocation(conn: asyncpg.Connection, e: AddressAllocated, envelope: Envelope) -> None:
    row = e.allocation_id, e.prefix_id, e.device_id, e.interface, e.hostname, e.description, e.at, e.technician_id
    try:
        await conn.execute(_INSERT_ALLOCATION, *row, ip_address(e.address), envelope.tenant)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != "ip_allocations_live_address":
            raise
        raise AddressTaken(f"{e.address} is already allocated") from None


async def _release(conn: asyncpg.Connection, e: AddressReleased, envelope: Envelope) -> None:
    await conn.execute(_RELEASE, e.allocation_id, e.at, envelope.actor, e.reason, e.note)


_RECORDERS = {
    DhcpRangeAdded: _dhcp_range,
    AddressReserved: _reservation,
    AddressAllocated: _allocation,
    AddressReleased: _release,
}

# ------------------------------------------------------------------------------------------------------ queries

_PREFIX_COLUMNS = (
    "prefix_id AS id, network AS prefix, family(network) AS family, site, vlan_id, purpose,"
    " description, usable, allocated, reserved, dhcp, added_at, updated_at, version"
)
_PREFIXES = """
FROM prefixes WHERE tenant = $1 AND ($2::text IS NULL OR site = $2) AND ($3::int IS NULL OR vlan_id = $3)
  AND ($4::int IS NULL OR family(network) = $4) AND ($5::inet IS NULL OR network >>= $5)"""


async def prefix_row(conn: asyncpg.Connection, prefix_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_PREFIX_COLUMNS} FROM prefixes WHERE prefix_id = $1 AND tenant = $2", prefix_id, tenant
    )


async def prefixes_of(conn: asyncpg.Connection, tenant: str, filters: dict, limit: int, offset: int) -> dict:
    """A page of the tenant's prefixes, IPv4 first, in address order; `holding` finds the prefix of an address."""
    args = [tenant, filters.get("site"), filters.get("vlan_id"), filters.get("family"), filters.get("holding")]
    return await page(conn, _PREFIX_COLUMNS, _PREFIXES, "family(network), network", args, limit, offset)


async def ranges_of(conn: asyncpg.Connection, prefix_id: UUID, tenant: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT range_id AS id, kind, start_address, end_address, label, added_at, added_by"
        " FROM ip_ranges WHERE prefix_id = $1 AND tenant = $2 ORDER BY start_address",
        prefix_id,
        tenant,
    )


_ALLOCATION_COLUMNS = (
    "a.allocation_id AS id, a.prefix_id, p.network AS prefix, a.address, a.device_id, a.interface,"
    " a.hostname, a.description, a.allocated_at, a.allocated_by, a.released_at, a.released_by,"
    " a.release_reason, a.release_note"
)
_ALLOCATIONS = "FROM ip_allocations a JOIN prefixes p USING (prefix_id) WHERE a.tenant = $1"


async def allocations_in(
    conn: asyncpg.Connection, prefix_id: UUID, tenant: str, include_released: bool, limit: int, offset: int
) -> dict:
    """A page of the prefix's allocations in address order (live ones only, unless `include_released`)."""
    source = f"{_ALLOCATIONS} AND a.prefix_id = $2 AND ($3 OR a.released_at IS NULL)"
    return await page(
        conn,
        _ALLOCATION_COLUMNS,
        source,
        "a.address, a.allocated_at",
        [tenant, prefix_id, include_released],
        limit,
        offset,
    )


async def allocation_row(conn: asyncpg.Connection, allocation_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_ALLOCATION_COLUMNS} {_ALLOCATIONS} AND a.allocation_id = $2", tenant, allocation_id
    )


async def addresses_of(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> list[asyncpg.Record] | None:
    """The device's live allocations in address order; None when the tenant's inventory holds no such device."""
    if (
        await conn.fetchval("SELECT true FROM device_list WHERE tenant = $1 AND device_id = $2", tenant, device_id)
        is None
    ):
        return None
    return await conn.fetch(
        f"SELECT {_ALLOCATION_COLUMNS} {_ALLOCATIONS} AND a.device_id = $2"
        " AND a.released_at IS NULL ORDER BY a.address",
        tenant,
        device_id,
    )
