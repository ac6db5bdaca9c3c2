"""The preventive-maintenance scheduler: a loop that raises the work orders of every due schedule occurrence."""

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID, uuid4

import asyncpg
import structlog

from events.envelope import Context, utcnow
from events.store import ConcurrencyError
from tickets import work_orders
from tickets.domain.errors import TicketsError

log = structlog.get_logger()

ACTOR = "system:preventive-scheduler"


async def run_preventive_scheduler(
    pool: asyncpg.Pool, *, now: Callable[[], datetime] = utcnow, interval: float = 30.0
) -> None:
    """Every `interval` seconds (and at once on start, to catch up after downtime), raise what is due."""
    while True:
        try:
            await raise_due_work_orders(pool, now)
        except Exception as error:  # a lost database or a bug in one pass must not stop the next
            log.warning("preventive_scheduler_failed", error=repr(error), retry_in=interval)
        await asyncio.sleep(interval)


async def raise_due_work_orders(pool: asyncpg.Pool, now: Callable[[], datetime] = utcnow) -> int:
    """One pass over the due schedules, all tenants; returns how many work orders it raised."""
    today, correlation_id, raised = now().date(), f"preventive-{uuid4().hex}", 0
    async with pool.acquire() as conn:
        for row in await work_orders.due_schedules(conn, today):
            ctx = Context(tenant=row["tenant"], actor=ACTOR, correlation_id=correlation_id, recorded_at=now())
            raised += await _raise_schedule(conn, row["schedule_id"], today, ctx)
    if raised:
        log.info("preventive_work_orders_raised", count=raised, correlation_id=correlation_id)
    return raised


async def _raise_schedule(conn: asyncpg.Connection, schedule_id: UUID, today: date, ctx: Context) -> int:
    """Raise one schedule in its own transaction; a replica that raced us to it makes this a no-op.

    Replicas need no lock: the transaction appends to the schedule's stream, at the version it read,
    before anything else. A second replica raising the same occurrences waits on that append, then gets
    ConcurrencyError and rolls back having created nothing; an occurrence already raised is no longer
    due, and the decider refuses it anyway. A crash leaves all or none of a schedule's run.
    """
    try:
        async with conn.transaction():
            return len(await work_orders.raise_due(conn, schedule_id, today, ctx))
    except (ConcurrencyError, asyncpg.UniqueViolationError) as error:
        # Another replica raised this schedule's occurrences first: they exist, once.
        log.info("preventive_schedule_raised_elsewhere", schedule_id=str(schedule_id), error=repr(error))
    except TicketsError as error:
        log.warning("preventive_schedule_refused", schedule_id=str(schedule_id), error=str(error))
    return 0
