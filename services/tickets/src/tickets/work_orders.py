"""Work orders and preventive schedules on the kit: every command through `streams.handle`, its list row beside it."""

from dataclasses import replace
from uuid import UUID

import asyncpg

from events import streams
from events.envelope import Context, Envelope
from events.ids import uuid7
from events.streams import Stream
from tickets import service
from tickets.domain import preventive
from tickets.domain import work_order as wo
from tickets.domain.calendar import BusinessCalendar
from tickets.domain.preventive import PREVENTIVE_SCHEDULE, PreventiveSchedule, RaiseOccurrence
from tickets.domain.work_order import WORK_ORDER, WorkOrder

# Occurrences raised per schedule in one transaction; a longer backlog carries on at the next pass.
MAX_CATCH_UP = 366

_UPSERT_WORK_ORDER = """
INSERT INTO work_order_list (work_order_id, tenant, title, kind, status, ticket_id, device_id, schedule_id,
    occurrence, assignee_id, scheduled_for, minutes_spent, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)
ON CONFLICT (work_order_id) DO UPDATE SET status = EXCLUDED.status, assignee_id = EXCLUDED.assignee_id,
    scheduled_for = EXCLUDED.scheduled_for, minutes_spent = EXCLUDED.minutes_spent,
    updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
RETURNING created_at, updated_at, version"""

_UPSERT_SCHEDULE = """
INSERT INTO preventive_schedules (schedule_id, tenant, title, description, device_id, every_days, day_of_month,
    starts_on, assignee_id, status, last_raised, next_due, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)
ON CONFLICT (schedule_id) DO UPDATE SET status = EXCLUDED.status, last_raised = EXCLUDED.last_raised,
    next_due = EXCLUDED.next_due, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
RETURNING *"""

_WORK_ORDERS = """
SELECT work_order_id AS id, title, kind, status, ticket_id, device_id, schedule_id, occurrence,
       assignee_id AS technician_id, scheduled_for, minutes_spent AS minutes, created_at, updated_at, version
FROM work_order_list
WHERE tenant = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR assignee_id = $3)
  AND ($4::uuid IS NULL OR ticket_id = $4) AND ($5::uuid IS NULL OR device_id = $5) AND ($6::text IS NULL OR kind = $6)
ORDER BY created_at DESC, work_order_id LIMIT $7 OFFSET $8"""


async def handle_work_order(
    conn: asyncpg.Connection, command: wo.Command, ctx: Context, if_match: int | None = None,
    loaded: Stream[WorkOrder] | None = None,
) -> Stream[WorkOrder]:
    """Run a work-order command; the stream's `view` is the order's list row (created_at, updated_at, version)."""
    if isinstance(command, wo.CreateWorkOrder):
        loaded = streams.fresh(WORK_ORDER)
    return await streams.handle(conn, WORK_ORDER, str(command.work_order_id), command, ctx, if_match=if_match,
                                loaded=loaded, inline=_list_work_order)


async def _list_work_order(conn: asyncpg.Connection, order: Stream[WorkOrder], ctx: Context) -> asyncpg.Record:
    o, last = order.state, order.appended[-1]
    return await conn.fetchrow(
        _UPSERT_WORK_ORDER, o.work_order_id, ctx.tenant, o.title, o.kind, o.status, o.ticket_id, o.device_id,
        o.schedule_id, o.occurrence, o.technician_id, o.scheduled_for, o.minutes, last.time, order.version,
    )


async def read_work_order(conn: asyncpg.Connection, work_order_id: UUID, tenant: str) -> Stream[WorkOrder]:
    """The order as its events tell it; another tenant's order does not exist for this caller."""
    return await streams.read(conn, WORK_ORDER, str(work_order_id), tenant)


async def work_orders_of(conn: asyncpg.Connection, tenant: str, filters: dict, limit: int, offset: int) -> list:
    f = filters
    return await conn.fetch(_WORK_ORDERS, tenant, f.get("status"), f.get("assignee"), f.get("ticket_id"),
                            f.get("device_id"), f.get("kind"), limit, offset)


async def work_order_exists(conn: asyncpg.Connection, work_order_id: UUID, tenant: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM work_order_list WHERE work_order_id = $1 AND tenant = $2)",
                               work_order_id, tenant)


async def ticket_exists(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND tenant = $2"
        " AND event_type = 'tickets.ticket_opened')", str(ticket_id), tenant,
    )


async def handle_schedule(
    conn: asyncpg.Connection, command: preventive.Command, ctx: Context, if_match: int | None = None,
    loaded: Stream[PreventiveSchedule] | None = None,
) -> Stream[PreventiveSchedule]:
    """Run a preventive-schedule command; the stream's `view` is the schedule's list row."""
    if isinstance(command, preventive.CreatePreventiveSchedule):
        loaded = streams.fresh(PREVENTIVE_SCHEDULE)
    return await streams.handle(conn, PREVENTIVE_SCHEDULE, str(command.schedule_id), command, ctx,
                                if_match=if_match, loaded=loaded, inline=_list_schedule)


async def _list_schedule(conn: asyncpg.Connection, schedule: Stream[PreventiveSchedule], ctx: Context):
    s, last = schedule.state, schedule.appended[-1]
    return await conn.fetchrow(
        _UPSERT_SCHEDULE, s.schedule_id, ctx.tenant, s.title, s.description, s.device_id, s.every_days,
        s.day_of_month, s.starts_on, s.assignee_id, s.status, s.last_raised, preventive.next_due(s), last.time,
        schedule.version,
    )


async def raise_due(conn: asyncpg.Connection, schedule_id: UUID, ctx: Context) -> list[UUID]:
    """Raise every occurrence of one schedule due by `ctx.recorded_at` (UTC date) and open its work order,
    inside the caller's transaction: a crash leaves all or none of the run. Returns the new orders."""
    schedule = await streams.read(conn, PREVENTIVE_SCHEDULE, str(schedule_id), ctx.tenant)
    calendar = (await service.load_policy(conn, ctx.tenant)).state.calendar  # bookings fall in business hours
    raised = []
    for occurrence in preventive.due_occurrences(schedule.state, ctx.recorded_at.date(), MAX_CATCH_UP):
        command = RaiseOccurrence(schedule_id, occurrence, uuid7(), ctx.recorded_at)
        schedule = await handle_schedule(conn, command, ctx, loaded=schedule)
        await _open_preventive_order(conn, schedule.state, schedule.appended[0], calendar, ctx)
        raised.append(command.work_order_id)
    return raised


async def _open_preventive_order(conn, schedule: PreventiveSchedule, raised: Envelope, calendar: BusinessCalendar,
                                 ctx: Context) -> None:
    order_ctx = replace(ctx, causation_id=str(raised.id))
    order = None
    for command in preventive.work_order_commands(schedule, raised.event(), calendar):
        order = await handle_work_order(conn, command, order_ctx, loaded=order)


async def schedules_of(conn: asyncpg.Connection, tenant: str, status: str | None, limit: int, offset: int) -> list:
    return await conn.fetch(
        "SELECT * FROM preventive_schedules WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)"
        " ORDER BY created_at DESC, schedule_id LIMIT $3 OFFSET $4", tenant, status, limit, offset,
    )


async def schedule_row(conn: asyncpg.Connection, schedule_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM preventive_schedules WHERE schedule_id = $1 AND tenant = $2", schedule_id, tenant)
