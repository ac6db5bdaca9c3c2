"""The SLA scheduler: records warnings and breaches when they fall due, and closes resolved tickets when due.

Nobody has to touch a ticket for its marks to be recorded. Each ticket's queue row says when to look next;
a ticket is worked under a row lock (SKIP LOCKED, so replicas share the work), and the decider refuses a
mark already recorded, so a restart or a second replica catches up without duplicating.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
import structlog

from events import store
from events.envelope import Context, utcnow
from tickets import service
from tickets.domain import ticket_clocks
from tickets.domain.commands import CloseResolvedTicket
from tickets.domain.ticket import decide, evolve

log = structlog.get_logger()

ACTOR = "system:sla-scheduler"
BATCH = 100

_DUE = """
SELECT ticket_id, tenant FROM ticket_list
WHERE next_sla_check_at <= $1 OR auto_close_at <= $1
ORDER BY least(next_sla_check_at, auto_close_at) LIMIT $2
"""
_LOCK = "SELECT 1 FROM ticket_list WHERE ticket_id = $1 FOR UPDATE SKIP LOCKED"


async def run_sla_scheduler(pool: asyncpg.Pool, *, now: Callable[[], datetime] = utcnow, interval: float = 5.0):
    while True:
        try:
            await scan_once(pool, now())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bad ticket or a lost connection must not stop the clocks
            log.error("sla_scan_failed", error=repr(error))
        await asyncio.sleep(interval)


async def scan_once(pool: asyncpg.Pool, now: datetime) -> int:
    """Work every ticket due by `now`; returns how many events were recorded."""
    async with pool.acquire() as conn:
        due = await conn.fetch(_DUE, now, BATCH)
    recorded = 0
    for row in due:
        async with pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(_LOCK, row["ticket_id"]):
                recorded += await _work(conn, row["ticket_id"], row["tenant"], now)
    if recorded:
        log.info("sla_events_recorded", count=recorded)
    return recorded


async def _work(conn: asyncpg.Connection, ticket_id: UUID, tenant: str, now: datetime) -> int:
    policy, _ = await service.load_policy(conn, tenant)
    state, version = await service.load_ticket(conn, ticket_id, tenant)
    correlation = f"sla-scan-{uuid4().hex[:12]}"
    recorded = 0
    for mark in ticket_clocks.due_marks(state, policy, now):
        # Stamped with the moment it was reached, however late the scheduler noticed.
        ctx = Context(tenant, ACTOR, correlation, recorded_at=now, occurred_at=ticket_clocks.mark_time(mark))
        await store.append(conn, str(ticket_id), version, [mark], ctx)
        state, version, recorded = evolve(state, mark), version + 1, recorded + 1
    close_at = ticket_clocks.auto_close_at(state, policy)
    if close_at is not None and close_at <= now:
        [closed] = decide(state, CloseResolvedTicket(at=close_at))
        await store.append(conn, str(ticket_id), version, [closed], Context(tenant, ACTOR, correlation,
                                                                            recorded_at=now, occurred_at=close_at))
        state, version, recorded = evolve(state, closed), version + 1, recorded + 1
    await service.refresh_queue_row(conn, tenant, state, version, policy, now)
    return recorded
