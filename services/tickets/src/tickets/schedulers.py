"""The service desk's periodic jobs, shared by replicas: SLA marks and auto-closures, preventive work orders.

Nobody has to touch a ticket for its marks to be recorded. Each ticket's queue row says when to look next;
each due ticket (or schedule) is claimed with SKIP LOCKED, so replicas share the work, and the decider
refuses a mark already recorded, so a restart or a second replica catches up without duplicating.
"""

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
import structlog

from events import jobs
from events.envelope import Context, utcnow
from events.jobs import PeriodicJob
from tickets import service, work_orders
from tickets.domain import ticket_clocks
from tickets.domain.commands import CloseResolvedTicket
from tickets.settings import Settings

log = structlog.get_logger()

SLA_ACTOR = "system:sla-scheduler"
PREVENTIVE_ACTOR = "system:preventive-scheduler"
BATCH = 100

_TICKETS_DUE = """
SELECT ticket_id, tenant FROM ticket_list
WHERE next_sla_check_at <= $1 OR auto_close_at <= $1
ORDER BY least(next_sla_check_at, auto_close_at) LIMIT $2
"""
_CLAIM_TICKET = "SELECT 1 FROM ticket_list WHERE ticket_id = $1 FOR UPDATE SKIP LOCKED"

_SCHEDULES_DUE = """
SELECT schedule_id, tenant FROM preventive_schedules WHERE status = 'active' AND next_due <= $1
ORDER BY next_due, schedule_id LIMIT $2
"""
_CLAIM_SCHEDULE = "SELECT 1 FROM preventive_schedules WHERE schedule_id = $1 FOR UPDATE SKIP LOCKED"


def desk_jobs(settings: Settings) -> list[PeriodicJob]:
    return [
        PeriodicJob("sla-clocks", settings.sla_scan_seconds, lambda pool: scan_sla_clocks(pool, utcnow())),
        PeriodicJob("preventive-work-orders", settings.preventive_scan_seconds,
                    lambda pool: raise_due_work_orders(pool, utcnow())),
    ]


async def scan_sla_clocks(pool: asyncpg.Pool, now: datetime) -> int:
    """Record every mark and auto-closure due by `now`, all tenants; returns how many events were recorded."""
    correlation = f"sla-scan-{uuid4().hex[:12]}"

    async def work(conn: asyncpg.Connection, row: asyncpg.Record) -> int:
        return await _catch_up(conn, row["ticket_id"], Context(row["tenant"], SLA_ACTOR, correlation, recorded_at=now))

    recorded = await jobs.claim_each(pool, "sla-clocks", _TICKETS_DUE, (now, BATCH), _CLAIM_TICKET, work)
    if recorded:
        log.info("sla_events_recorded", count=recorded, correlation_id=correlation)
    return recorded


async def _catch_up(conn: asyncpg.Connection, ticket_id: UUID, ctx: Context) -> int:
    # Each event carries the moment it happened as `at`, however late the scheduler noticed.
    policy = (await service.load_policy(conn, ctx.tenant)).state
    ticket = await service.read_ticket(conn, ticket_id, ctx.tenant)
    # With no mark due (due under an older policy, say) this still rewrites the row: it says when to look next.
    ticket = await service.record_due_marks(conn, ticket, policy, ctx)
    recorded = len(ticket.appended)
    close_at = ticket_clocks.auto_close_at(ticket.state, policy)
    if close_at is not None and close_at <= ctx.recorded_at:
        ticket = await service.handle_ticket(conn, ticket_id, CloseResolvedTicket(at=close_at), ctx, policy=policy,
                                             loaded=ticket)
        recorded += 1
    return recorded


async def raise_due_work_orders(pool: asyncpg.Pool, now: datetime) -> int:
    """Raise the work orders of every schedule occurrence due by `now` (UTC date), all tenants; returns how many."""
    correlation = f"preventive-{uuid4().hex}"

    async def work(conn: asyncpg.Connection, row: asyncpg.Record) -> int:
        ctx = Context(tenant=row["tenant"], actor=PREVENTIVE_ACTOR, correlation_id=correlation, recorded_at=now)
        return len(await work_orders.raise_due(conn, row["schedule_id"], ctx))

    raised = await jobs.claim_each(pool, "preventive-work-orders", _SCHEDULES_DUE, (now.date(), 500),
                                   _CLAIM_SCHEDULE, work)
    if raised:
        log.info("preventive_work_orders_raised", count=raised, correlation_id=correlation)
    return raised
