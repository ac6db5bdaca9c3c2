"""Repair history from the service desk: each repair into its device's stream, the tickets naming a device, MTBF."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from assets import service
from assets.domain.commands import RecordRepair
from assets.domain.device import DEVICE, parts_cost
from assets.domain.device_state import GONE, Device, Status
from assets.domain.errors import RepairAlreadyRecorded
from events import streams
from events.contracts.tickets import TicketOpened
from events.contracts.work_orders import RepairLogged
from events.db import page
from events.envelope import Context, Envelope
from events.streams import Stream

log = structlog.get_logger()


def context_of(envelope: Envelope) -> Context:
    """Who did it, for which tenant, in which conversation: the desk's, caused by its event."""
    return Context(tenant=envelope.tenant, actor=envelope.actor, correlation_id=envelope.correlationid,
                   causation_id=str(envelope.id))


async def record_repair(conn: asyncpg.Connection, repair: RepairLogged, envelope: Envelope) -> None:
    """The repair into the device's history; one naming no device of the tenant is parked for the desk to see."""
    ctx = context_of(envelope)
    device = await service.read_device(conn, repair.device_id, ctx.tenant)
    if device.state.status is Status.NONE:
        await _park_unmatched(conn, repair, envelope)
        return
    command = RecordRepair(repair_id=repair.repair_id, work_order_id=repair.work_order_id,
                           technician_id=repair.technician_id, fault=repair.fault, action=repair.action,
                           minutes=repair.minutes, at=repair.at, ticket_id=repair.ticket_id, parts=repair.parts)
    try:
        await streams.handle(conn, DEVICE, str(repair.device_id), command, ctx, loaded=device, inline=_write_repair)
    except RepairAlreadyRecorded:
        # Another delivery of the same repair (a republished store, say): it is in the history already.
        log.info("repair_already_recorded", repair_id=str(repair.repair_id), device_id=str(repair.device_id))


async def _write_repair(conn: asyncpg.Connection, device: Stream[Device], ctx: Context) -> Device:
    """The device's own read models (its list row's version moves), then its repair row."""
    now = await service.write_device(conn, device, ctx)
    for envelope in device.appended:
        e = envelope.event()
        await conn.execute(
            "INSERT INTO device_repairs (repair_id, device_id, tenant, at, recorded_at, ticket_id, work_order_id,"
            " technician_id, fault, action, minutes, parts_cost) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12)",
            e.repair_id, e.device_id, ctx.tenant, e.at, envelope.recordedtime, e.ticket_id, e.work_order_id,
            e.technician_id, e.fault, e.action, e.minutes, e.parts_cost,
        )
    return now


async def _park_unmatched(conn: asyncpg.Connection, repair: RepairLogged, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO unmatched_repairs (repair_id, tenant, device_id, at, ticket_id, work_order_id, technician_id,"
        " fault, action, minutes, parts_cost, event_id, received_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now()) ON CONFLICT (repair_id) DO NOTHING",
        repair.repair_id, envelope.tenant, repair.device_id, repair.at, repair.ticket_id, repair.work_order_id,
        repair.technician_id, repair.fault, repair.action, repair.minutes, parts_cost(repair.parts), envelope.id,
    )
    log.info("repair_unmatched", repair_id=str(repair.repair_id), device_id=str(repair.device_id))


async def note_ticket(conn: asyncpg.Connection, ticket: TicketOpened, envelope: Envelope) -> None:
    """A ticket that named a device, whether or not the inventory holds it (yet)."""
    await conn.execute(
        "INSERT INTO device_tickets (ticket_id, device_id, tenant, subject, opened_at) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (ticket_id) DO NOTHING",
        ticket.ticket_id, ticket.device_id, envelope.tenant, ticket.subject, ticket.at,
    )


# ------------------------------------------------------------------------------------------------- queries

_REPAIR_COLUMNS = ("repair_id, at, recorded_at, ticket_id, work_order_id, technician_id, fault, action, minutes,"
                   " parts_cost")


async def history_of(conn: asyncpg.Connection, tenant: str, device_id: UUID) -> dict[str, Any] | None:
    """The device's repairs (in the order they happened) and the tickets that named it; None for no such device."""
    row = await conn.fetchrow("SELECT asset_tag, model FROM device_list WHERE tenant = $1 AND device_id = $2",
                              tenant, device_id)
    if row is None:
        return None
    repairs = await conn.fetch(f"SELECT {_REPAIR_COLUMNS} FROM device_repairs WHERE tenant = $1 AND device_id = $2"
                               " ORDER BY at, repair_id", tenant, device_id)
    tickets = await conn.fetch("SELECT ticket_id, subject, opened_at FROM device_tickets"
                               " WHERE tenant = $1 AND device_id = $2 ORDER BY opened_at, ticket_id", tenant, device_id)
    return {"device_id": device_id, **dict(row), "repairs": [dict(r) for r in repairs],
            "tickets": [dict(t) for t in tickets], "minutes_total": sum(r["minutes"] for r in repairs),
            "parts_cost_total": sum((r["parts_cost"] for r in repairs), Decimal("0"))}


async def unmatched(conn: asyncpg.Connection, tenant: str, limit: int, offset: int) -> dict[str, Any]:
    """Repairs naming a device the inventory did not hold when they arrived, newest first."""
    columns = ("u.repair_id, u.device_id, u.at, u.ticket_id, u.work_order_id, u.technician_id, u.fault, u.action,"
               " u.minutes, u.parts_cost, u.received_at, d.device_id IS NOT NULL AS device_registered_since")
    source = ("FROM unmatched_repairs u LEFT JOIN device_list d ON d.device_id = u.device_id AND d.tenant = u.tenant"
              " WHERE u.tenant = $1")
    return await page(conn, columns, source, "u.at DESC, u.repair_id", [tenant], limit, offset)


async def tickets_naming_unknown_devices(conn: asyncpg.Connection, tenant: str, limit: int, offset: int) -> dict:
    """Tickets whose `device_id` the inventory does not hold: the desk's device checked against the inventory."""
    unknown = ("FROM device_tickets t LEFT JOIN device_list d ON d.device_id = t.device_id AND d.tenant = t.tenant"
               " WHERE t.tenant = $1 AND d.device_id IS NULL")
    return await page(conn, "t.ticket_id, t.device_id, t.subject, t.opened_at", unknown,
                      "t.opened_at DESC, t.ticket_id", [tenant], limit, offset)


# Operating time, from the timeline as the inventory now knows it (valid time): from the device's first
# deployment (installed or checked out), or, never deployed, from when it entered stock; until it left
# (retired, disposed of, lost or stolen) or the window ends. Time in repair counts: it is the failures' own.
_MTBF = """
WITH devices AS (
    SELECT device_id, model FROM device_list
    WHERE tenant = $1 AND model <> '' AND ($2::text IS NULL OR lower(model) = lower($2))
), spans AS (
    SELECT t.device_id,
           coalesce(min(t.valid_from) FILTER (WHERE t.status = 'deployed'),
                    min(t.valid_from) FILTER (WHERE t.status <> 'on_order')) AS started,
           min(t.valid_from) FILTER (WHERE t.status = ANY($5::text[])) AS left_at
    FROM device_timeline t JOIN devices USING (device_id)
    WHERE t.recorded_to = 'infinity'
    GROUP BY t.device_id
), bounds AS (
    SELECT device_id, greatest(started, $3) AS since, least(coalesce(left_at, 'infinity'), $4) AS until
    FROM spans WHERE started IS NOT NULL
), operating AS (
    SELECT device_id, extract(epoch FROM until - since) / 3600 AS hours FROM bounds WHERE since < until
), failures AS (
    SELECT r.device_id, count(*) AS repairs FROM device_repairs r JOIN devices USING (device_id)
    WHERE r.tenant = $1 AND r.at >= $3 AND r.at < $4
    GROUP BY r.device_id
)
SELECT d.model, count(o.device_id) AS devices, coalesce(sum(o.hours), 0) AS operating_hours,
       coalesce(sum(f.repairs), 0)::int AS repairs
FROM devices d LEFT JOIN operating o USING (device_id) LEFT JOIN failures f USING (device_id)
GROUP BY d.model ORDER BY d.model
"""
LEFT_SERVICE = sorted({Status.RETIRED, *GONE})


async def mtbf(conn: asyncpg.Connection, tenant: str, model: str | None, start: datetime, end: datetime) -> list:
    """Per model: the devices that operated in [start, end), their operating hours, the repairs logged on them in
    the window, and the mean time between failures (hours per repair; none without a repair)."""
    rows = await conn.fetch(_MTBF, tenant, model, start, end, LEFT_SERVICE)
    return [{"model": r["model"], "devices": r["devices"], "operating_hours": round(float(r["operating_hours"]), 2),
             "repairs": r["repairs"],
             "mtbf_hours": round(float(r["operating_hours"]) / r["repairs"], 2) if r["repairs"] else None}
            for r in rows]
