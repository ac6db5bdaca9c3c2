"""Endpoint protection on the kit: each device's protection and the tenant's requirements through `streams.handle`,
their rows beside them, and the gaps (deployed devices short of a requirement) as a query over those rows."""

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.device_state import GONE, Status
from assets.domain.errors import DeviceGone
from assets.domain.protection import (
    DEVICE_PROTECTION,
    MISSING,
    OUTDATED,
    REQUIREMENTS,
    DeviceProtection,
    RecordProtection,
    RemoveProtection,
    RequestProtectionWork,
    Requirements,
    SetProtectionRequirements,
)
from events import streams
from events.db import page
from events.envelope import Context
from events.errors import NotFound
from events.streams import Stream

# Work orders one request asks for at most; the gaps left are asked for by the next request.
MAX_WORK_REQUESTS = 500


def protection_stream(device_id: UUID) -> str:
    return f"protection-{device_id}"


def requirements_stream(tenant: str) -> str:
    return f"protection-requirements:{tenant}"


async def device_row(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> asyncpg.Record:
    """The device as the inventory holds it now; one another tenant holds is not found."""
    row = await conn.fetchrow(
        "SELECT device_id, asset_tag, kind, status, location FROM device_list WHERE device_id = $1 AND tenant = $2",
        device_id,
        tenant,
    )
    if row is None:
        raise NotFound(f"no device {device_id}")
    return row


async def read_device_protection(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> Stream[DeviceProtection]:
    await device_row(conn, device_id, tenant)
    return await streams.read(conn, DEVICE_PROTECTION, protection_stream(device_id), tenant)


async def record(
    conn: asyncpg.Connection, command: RecordProtection | RemoveProtection, ctx: Context, if_match: int | None = None
) -> Stream[DeviceProtection]:
    """Record what the device runs, or that it no longer runs a kind; a device that left the city takes neither."""
    device = await device_row(conn, command.device_id, ctx.tenant)
    if device["status"] in GONE:
        raise DeviceGone(f"device {device['asset_tag']} is {device['status']}: its protection is no longer kept")
    return await streams.handle(
        conn,
        DEVICE_PROTECTION,
        protection_stream(command.device_id),
        command,
        ctx,
        if_match=if_match,
        inline=_rows_of(command.device_id),
    )


_INSERT_RUNNING = """
INSERT INTO device_protection (device_id, kind, tenant, product, product_version, last_updated, status, policy,
    recorded_at, technician_id)
SELECT $1, k, $2, p, v, u, s, pol::jsonb, r, t
FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::timestamptz[],
            $10::text[]) AS x(k, p, v, u, s, pol, r, t)"""

_INSERT_REQUESTED = """
INSERT INTO protection_work_requested (device_id, kind, problem, tenant, requested_at, requested_by)
SELECT $1, k, pr, $2, a, b FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS x(k, pr, a, b)"""


def _rows_of(device_id: UUID) -> streams.InlineReadModel:
    """The device's rows rewritten from its state (a handful per device), in the command's transaction."""

    async def write(conn: asyncpg.Connection, stream: Stream[DeviceProtection], ctx: Context) -> None:
        await conn.execute("DELETE FROM device_protection WHERE device_id = $1", device_id)
        await conn.execute("DELETE FROM protection_work_requested WHERE device_id = $1", device_id)
        await _insert_rows(conn, device_id, stream.state, ctx.tenant)

    return write


async def _insert_rows(conn: asyncpg.Connection, device_id: UUID, state: DeviceProtection, tenant: str) -> None:
    running = list(state.running.values())
    await conn.execute(
        _INSERT_RUNNING,
        device_id,
        tenant,
        [p.kind for p in running],
        [p.product for p in running],
        [p.version for p in running],
        [p.last_updated for p in running],
        [p.status for p in running],
        [p.policy.model_dump_json() if p.policy else None for p in running],
        [p.recorded_at for p in running],
        [p.technician_id for p in running],
    )
    requested = list(state.requested.items())
    await conn.execute(
        _INSERT_REQUESTED,
        device_id,
        tenant,
        [k for (k, _), _ in requested],
        [problem for (_, problem), _ in requested],
        [r.at for _, r in requested],
        [r.requested_by for _, r in requested],
    )


# --- requirements ---------------------------------------------------------------------------------------------


async def read_requirements(conn: asyncpg.Connection, tenant: str) -> Stream[Requirements]:
    """The tenant's requirements (none until a manager sets them) and their version, for If-Match."""
    return await streams.read(conn, REQUIREMENTS, requirements_stream(tenant), tenant)


async def set_requirements(
    conn: asyncpg.Connection, command: SetProtectionRequirements, ctx: Context, if_match: int | None
) -> Stream[Requirements]:
    return await streams.handle(
        conn, REQUIREMENTS, requirements_stream(ctx.tenant), command, ctx, if_match=if_match, inline=_write_requirements
    )


_INSERT_REQUIRED = """
INSERT INTO protection_required (tenant, device_kind, kind, max_update_age_days)
SELECT $1, d, k, a FROM unnest($2::text[], $3::text[], $4::int[]) AS x(d, k, a)"""


async def _write_requirements(conn: asyncpg.Connection, stream: Stream[Requirements], ctx: Context) -> None:
    ages = {a.kind: a.days for a in stream.state.max_update_age}
    rows = [(r.device_kind, kind, ages.get(kind)) for r in stream.state.required for kind in r.protections]
    await conn.execute("DELETE FROM protection_required WHERE tenant = $1", ctx.tenant)
    await conn.execute(_INSERT_REQUIRED, ctx.tenant, *([list(c) for c in zip(*rows, strict=True)] or [[], [], []]))


# --- gaps -----------------------------------------------------------------------------------------------------

# One row per deployed device and protection its kind requires, with what is wrong (null: nothing). A protection
# that is recorded but not active protects nothing, so it is missing; an active one updated too long ago is outdated.
_REQUIRED_OF_DEPLOYED = f"""
SELECT d.device_id, d.asset_tag, d.kind AS device_kind, d.model, d.location, d.person_id, r.kind,
       CASE WHEN p.device_id IS NULL OR p.status <> 'active' THEN '{MISSING}'
            WHEN r.max_update_age_days IS NOT NULL AND (p.last_updated IS NULL
                 OR p.last_updated < $2::timestamptz - make_interval(days => r.max_update_age_days)) THEN '{OUTDATED}'
       END AS problem
FROM device_list d
JOIN protection_required r ON r.tenant = d.tenant AND r.device_kind = d.kind
LEFT JOIN device_protection p ON p.device_id = d.device_id AND p.kind = r.kind AND p.tenant = d.tenant
WHERE d.tenant = $1 AND d.status = '{Status.DEPLOYED}' AND ($3::text IS NULL OR d.kind = $3)
  AND ($5::text IS NULL OR d.location = $5) AND ($6::uuid[] IS NULL OR d.device_id = ANY($6))"""

_GAPS = f"""
FROM (SELECT g.device_id, g.asset_tag, g.device_kind, g.model, g.location, g.person_id,
             coalesce(array_agg(g.kind ORDER BY g.kind) FILTER (WHERE g.problem = '{MISSING}'), '{{}}') AS missing,
             coalesce(array_agg(g.kind ORDER BY g.kind) FILTER (WHERE g.problem = '{OUTDATED}'), '{{}}') AS outdated,
             bool_and(w.device_id IS NOT NULL) AS work_requested
      FROM ({_REQUIRED_OF_DEPLOYED}) g
      LEFT JOIN protection_work_requested w ON w.device_id = g.device_id AND w.kind = g.kind AND w.problem = g.problem
      WHERE g.problem IS NOT NULL
      GROUP BY g.device_id, g.asset_tag, g.device_kind, g.model, g.location, g.person_id) gaps
WHERE ($4::text IS NULL OR $4 = ANY(missing) OR $4 = ANY(outdated)) AND NOT ($7 AND work_requested)"""

_GAP_COLUMNS = "device_id, asset_tag, device_kind, model, location, person_id, missing, outdated, work_requested"


async def gaps(
    conn: asyncpg.Connection, tenant: str, now: datetime, filters: dict[str, Any], limit: int, offset: int
) -> dict[str, Any]:
    """Deployed devices short of a requirement at `now`, by asset tag, with the total; `filters` may name the
    device_kind, the protection kind, the location, device_ids, and `unrequested` (no work order asked yet)."""
    args = [
        tenant,
        now,
        filters.get("device_kind"),
        filters.get("kind"),
        filters.get("location"),
        filters.get("device_ids"),
        filters.get("unrequested", False),
    ]
    return await page(conn, _GAP_COLUMNS, _GAPS, "asset_tag, device_id", args, limit, offset)


async def request_work(conn: asyncpg.Connection, device_ids: list[UUID] | None, ctx: Context) -> dict[str, Any]:
    """Ask for a work order for each gap not yet asked for, on each device's protection stream, in one transaction.

    Work orders are the tickets service's: it consumes `ProtectionWorkRequested`; assets never calls it."""
    found = await gaps(
        conn, ctx.tenant, ctx.recorded_at, {"device_ids": device_ids, "unrequested": True}, MAX_WORK_REQUESTS, 0
    )
    requested = []
    for gap in found["items"]:
        command = RequestProtectionWork(
            device_id=gap["device_id"],
            asset_tag=gap["asset_tag"],
            location=gap["location"],
            missing=tuple(gap["missing"]),
            outdated=tuple(gap["outdated"]),
            requested_by=ctx.actor,
            at=ctx.recorded_at,
        )
        stream = await streams.handle(
            conn,
            DEVICE_PROTECTION,
            protection_stream(gap["device_id"]),
            command,
            ctx,
            inline=_rows_of(gap["device_id"]),
        )
        requested += [e.model_dump(mode="json") for e in stream.events[stream.version - len(stream.appended) :]]
    left = found["total"] - len(found["items"])
    return {"requested": requested, "left": left}
