"""Work-order and preventive-schedule commands and queries: decide, append and update the inline lists in one txn."""

from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg

from events import commands
from events.commands import Decided
from events.envelope import Context, Envelope
from events.ids import uuid7
from tickets.domain import preventive
from tickets.domain import work_order as wo
from tickets.domain.preventive import NO_SCHEDULE, PreventiveSchedule, RaiseOccurrence
from tickets.domain.work_order import NO_WORK_ORDER, WorkOrder

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


async def act(
    conn: asyncpg.Connection, command: wo.Command, ctx: Context, if_match: int | None = None
) -> tuple[WorkOrder, asyncpg.Record]:
    """Call inside a transaction: the events and the list row commit together. Returns the order and its row."""
    decided = await commands.handle(conn, str(command.work_order_id), ctx, evolve=wo.evolve, initial=NO_WORK_ORDER,
                                    decide=lambda state: wo.decide(state, command), if_match=if_match)
    return decided.state, await _list_work_order(conn, ctx.tenant, decided)


async def _list_work_order(conn: asyncpg.Connection, tenant: str, decided: Decided[WorkOrder]) -> asyncpg.Record:
    o, last = decided.state, decided.envelopes[-1]
    return await conn.fetchrow(
        _UPSERT_WORK_ORDER, o.work_order_id, tenant, o.title, o.kind, o.status, o.ticket_id, o.device_id,
        o.schedule_id, o.occurrence, o.technician_id, o.scheduled_for, o.minutes, last.time, decided.version,
    )


async def load_work_order(
    conn: asyncpg.Connection, work_order_id: UUID, tenant: str
) -> tuple[WorkOrder, list[Envelope]]:
    """The order as its events tell it; another tenant's order does not exist for this caller."""
    found = await commands.read(conn, str(work_order_id), tenant, wo.evolve, NO_WORK_ORDER)
    return found.state, found.history


async def work_orders_of(conn: asyncpg.Connection, tenant: str, filters: dict, limit: int, offset: int) -> list:
    f = filters
    return await conn.fetch(_WORK_ORDERS, tenant, f.get("status"), f.get("assignee"), f.get("ticket_id"),
                            f.get("device_id"), f.get("kind"), limit, offset)


async def ticket_exists(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND tenant = $2"
        " AND event_type = 'tickets.ticket_opened')", str(ticket_id), tenant,
    )


async def act_on_schedule(
    conn: asyncpg.Connection, command: preventive.Command, ctx: Context, if_match: int | None = None
) -> asyncpg.Record:
    """Create or retire a schedule (inside a transaction); returns its list row."""
    decided = await commands.handle(conn, str(command.schedule_id), ctx, evolve=preventive.evolve,
                                    initial=NO_SCHEDULE, decide=lambda s: preventive.decide(s, command),
                                    if_match=if_match)
    return await _list_schedule(conn, ctx.tenant, decided)


async def _list_schedule(conn: asyncpg.Connection, tenant: str, decided: Decided[PreventiveSchedule]):
    s, last = decided.state, decided.envelopes[-1]
    return await conn.fetchrow(
        _UPSERT_SCHEDULE, s.schedule_id, tenant, s.title, s.description, s.device_id, s.every_days, s.day_of_month,
        s.starts_on, s.assignee_id, s.status, s.last_raised, preventive.next_due(s), last.time, decided.version,
    )


async def raise_due(conn: asyncpg.Connection, schedule_id: UUID, today: date, ctx: Context) -> list[UUID]:
    """Raise every due occurrence of one schedule, inside the caller's transaction; returns the new orders."""

    def raise_all(state: PreventiveSchedule) -> list:
        due = preventive.due_occurrences(state, today, MAX_CATCH_UP)
        return preventive.decide_all(state, [RaiseOccurrence(schedule_id, d, uuid7(), today) for d in due])

    # The schedule's events go first: a replica raising the same occurrences at the same time waits on
    # this append's index entry, then fails with ConcurrencyError before it creates any work order.
    decided = await commands.handle(conn, str(schedule_id), ctx, evolve=preventive.evolve, initial=NO_SCHEDULE,
                                    decide=raise_all)
    for envelope in decided.envelopes:
        await _open_preventive_order(conn, decided.state, envelope, ctx)
    if decided.envelopes:
        await _list_schedule(conn, ctx.tenant, decided)
    return [envelope.event().work_order_id for envelope in decided.envelopes]


async def _open_preventive_order(conn, schedule: PreventiveSchedule, raised: Envelope, ctx: Context) -> None:
    orders = preventive.work_order_commands(schedule, raised.event())
    order_ctx = replace(ctx, causation_id=str(raised.id))
    decided = await commands.handle(conn, str(orders[0].work_order_id), order_ctx, evolve=wo.evolve,
                                    initial=NO_WORK_ORDER, decide=lambda state: wo.decide_all(state, orders))
    await _list_work_order(conn, ctx.tenant, decided)


async def due_schedules(conn: asyncpg.Connection, today: date, limit: int = 500) -> list:
    return await conn.fetch(
        "SELECT schedule_id, tenant FROM preventive_schedules WHERE status = 'active' AND next_due <= $1"
        " ORDER BY next_due, schedule_id LIMIT $2", today, limit,
    )


async def schedules_of(conn: asyncpg.Connection, tenant: str, status: str | None, limit: int, offset: int) -> list:
    return await conn.fetch(
        "SELECT * FROM preventive_schedules WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)"
        " ORDER BY created_at DESC, schedule_id LIMIT $3 OFFSET $4", tenant, status, limit, offset,
    )


async def schedule_row(conn: asyncpg.Connection, schedule_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM preventive_schedules WHERE schedule_id = $1 AND tenant = $2", schedule_id, tenant)
