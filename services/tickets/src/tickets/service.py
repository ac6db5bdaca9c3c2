"""Tickets and the desk policy on the kit: every command through `streams.handle`, the queue row written beside it."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

import asyncpg

from events import streams
from events.contracts.tickets import SlaClock
from events.envelope import Context
from events.streams import Stream
from tickets import desk_policy
from tickets.domain import ticket_clocks
from tickets.domain.commands import Command, RecordSlaMarks
from tickets.domain.policy import DESK_POLICY, DeskPolicy, SetDeskPolicy
from tickets.domain.sla import ClockView
from tickets.domain.ticket import TICKET
from tickets.domain.ticket_state import OPEN, Status, Ticket, Viewer

# A resolved ticket's clocks still decide when it closes by itself.
RECOMPUTED_ON_POLICY_CHANGE = [*OPEN, Status.RESOLVED]


def policy_stream(tenant: str) -> str:
    return f"desk-policy:{tenant}"


async def load_policy(conn: asyncpg.Connection, tenant: str) -> Stream[DeskPolicy]:
    """The tenant's policy (the defaults until a manager sets one) and its stream version, from its read model:
    one row, however many versions the policy stream holds."""
    return await desk_policy.current(conn, tenant)


async def set_policy(conn: asyncpg.Connection, policy: DeskPolicy, ctx: Context, if_match: int | None) -> Stream:
    """Replace the policy; every open ticket is recomputed under it in the same transaction, and the SLA marks
    it makes due are recorded, each stamped with the moment it was reached under the new targets."""
    current = await load_policy(conn, ctx.tenant)
    return await streams.handle(conn, DESK_POLICY, policy_stream(ctx.tenant), SetDeskPolicy(policy, ctx.recorded_at),
                                ctx, if_match=if_match, loaded=current, inline=_policy_changed)


async def _policy_changed(conn: asyncpg.Connection, policy: Stream[DeskPolicy], ctx: Context) -> None:
    await desk_policy.write(conn, policy, ctx)
    marks_ctx = replace(ctx, causation_id=str(policy.appended[-1].id))
    rows = await conn.fetch("SELECT ticket_id FROM ticket_list WHERE tenant = $1 AND status = ANY($2::text[])",
                            ctx.tenant, RECOMPUTED_ON_POLICY_CHANGE)
    for row in rows:
        ticket = await read_ticket(conn, row["ticket_id"], ctx.tenant)
        await record_due_marks(conn, ticket, policy.state, marks_ctx)


async def record_due_marks(
    conn: asyncpg.Connection, ticket: Stream[Ticket], policy: DeskPolicy, ctx: Context
) -> Stream[Ticket]:
    """Record the warnings and breaches due by `ctx.recorded_at` through the decider, or at least rewrite the
    queue row: either way the row and the recorded marks agree with the clocks under `policy`."""
    if marks := ticket_clocks.due_marks(ticket.state, policy, ctx.recorded_at):
        return await handle_ticket(conn, ticket.state.ticket_id, RecordSlaMarks(tuple(marks)), ctx, policy=policy,
                                   loaded=ticket)
    await refresh_queue_row(conn, ctx.tenant, ticket, policy, ctx.recorded_at)
    return ticket


async def read_ticket(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> Stream[Ticket]:
    return await streams.read(conn, TICKET, str(ticket_id), tenant)


async def handle_ticket(
    conn: asyncpg.Connection, ticket_id: UUID, command: Command, ctx: Context, *, policy: DeskPolicy,
    viewer: Viewer | None = None, if_match: int | None = None, loaded: Stream[Ticket] | None = None,
) -> Stream[Ticket]:
    """Run a ticket command; the stream's `view` is the SLA clocks its queue row was written with."""

    async def queue_row(conn: asyncpg.Connection, ticket: Stream[Ticket], ctx: Context) -> dict[SlaClock, ClockView]:
        return await refresh_queue_row(conn, ctx.tenant, ticket, policy, ctx.recorded_at)

    return await streams.handle(conn, TICKET, str(ticket_id), command, ctx, if_match=if_match, loaded=loaded,
                                check=viewer.must_see if viewer else None, inline=queue_row)


_UPSERT = """
INSERT INTO ticket_list (ticket_id, tenant, requester_id, subject, description, category, priority, status,
    assignee_id, group_name, level, opened_at, updated_at, version, response_due_at, resolution_due_at,
    sla_state, next_sla_check_at, auto_close_at, response_breaches_at, resolution_breaches_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT (ticket_id) DO UPDATE SET
    priority = $7, status = $8, assignee_id = $9, group_name = $10, level = $11, updated_at = $13, version = $14,
    response_due_at = $15, resolution_due_at = $16, sla_state = $17, next_sla_check_at = $18, auto_close_at = $19,
    response_breaches_at = $20, resolution_breaches_at = $21
"""


async def refresh_queue_row(
    conn: asyncpg.Connection, tenant: str, ticket: Stream[Ticket], policy: DeskPolicy, now: datetime
) -> dict[SlaClock, ClockView]:
    """Write the ticket's queue row; returns the clocks computed for it, for the caller to answer with."""
    t = ticket.state
    views = ticket_clocks.clocks(t, policy, now)
    due = {clock: view.due_at for clock, view in views.items()}
    breaches = {clock: view.breaches_at for clock, view in views.items()}
    worst = max((view.state for view in views.values()), key=_SEVERITY.index, default="running")
    await conn.execute(
        _UPSERT, t.ticket_id, tenant, t.requester_id, t.subject, t.description, t.category, t.priority, t.status,
        t.assignee_id, t.group, t.level, t.opened_at or now, now, ticket.version, due.get("response"),
        due.get("resolution"), worst, ticket_clocks.next_check_at(t, views),
        ticket_clocks.auto_close_at(t, policy), breaches.get("response"), breaches.get("resolution"),
    )
    return views


_SEVERITY = ["met", "running", "paused", "breached"]
