"""Ticket commands and queries: load the stream, decide, append and refresh the queue row in one transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from events import store
from events.commands import Decided, handle, load_state, read
from events.contracts.tickets import DeskPolicyChanged, SlaClock
from events.envelope import Context
from tickets.domain import ticket_clocks
from tickets.domain.commands import Command, OpenTicket
from tickets.domain.policy import DEFAULT_POLICY, DeskPolicy, policy_from
from tickets.domain.sla import ClockView
from tickets.domain.ticket import NO_TICKET, Ticket, decide, evolve

Guard = Callable[[Ticket], None]


def policy_stream(tenant: str) -> str:
    return f"desk-policy:{tenant}"


async def load_policy(conn: asyncpg.Connection, tenant: str) -> tuple[DeskPolicy, int]:
    """The tenant's policy (the defaults until a manager sets one) and its stream version."""
    recorded = await store.load(conn, policy_stream(tenant))
    changes = [r for r in recorded if isinstance(r.event, DeskPolicyChanged) and r.envelope.tenant == tenant]
    policy = policy_from(changes[-1].event) if changes else DEFAULT_POLICY
    return policy, len(recorded)


@dataclass(frozen=True)
class Executed:
    decided: Decided[Ticket]
    policy: DeskPolicy
    clocks: dict[SlaClock, ClockView]


async def execute(
    conn: asyncpg.Connection, ticket_id: UUID, command: Command, ctx: Context, *,
    if_match: int | None = None, guard: Guard | None = None, policy: DeskPolicy | None = None,
) -> Executed:
    """Call inside a transaction: the events and the queue row commit together."""

    def decide_guarded(state: Ticket) -> list:
        if guard:
            guard(state)
        return decide(state, command)

    decided = await handle(conn, str(ticket_id), ctx, evolve=evolve, initial=NO_TICKET, decide=decide_guarded,
                           if_match=if_match, new_stream=isinstance(command, OpenTicket))
    policy = policy or (await load_policy(conn, ctx.tenant))[0]
    views = await refresh_queue_row(conn, ctx.tenant, decided.state, decided.version, policy, ctx.recorded_at)
    return Executed(decided, policy, views)


async def load_ticket(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> tuple[Ticket, int]:
    return await load_state(conn, str(ticket_id), tenant, evolve, NO_TICKET)


async def read_ticket(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> Decided[Ticket]:
    return await read(conn, str(ticket_id), tenant, evolve, NO_TICKET)


_UPSERT = """
INSERT INTO ticket_list (ticket_id, tenant, requester_id, subject, description, category, priority, status,
    assignee_id, group_name, level, opened_at, updated_at, version, response_due_at, resolution_due_at,
    sla_state, next_sla_check_at, auto_close_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (ticket_id) DO UPDATE SET
    priority = $7, status = $8, assignee_id = $9, group_name = $10, level = $11, updated_at = $13, version = $14,
    response_due_at = $15, resolution_due_at = $16, sla_state = $17, next_sla_check_at = $18, auto_close_at = $19
"""


async def refresh_queue_row(
    conn: asyncpg.Connection, tenant: str, t: Ticket, version: int, policy: DeskPolicy, now: datetime
) -> dict[SlaClock, ClockView]:
    """Write the ticket's queue row; returns the clocks computed for it, for the caller to reuse."""
    views = ticket_clocks.clocks(t, policy, now)
    due = {clock: view.due_at for clock, view in views.items()}
    worst = max((view.state for view in views.values()), key=_SEVERITY.index, default="running")
    await conn.execute(
        _UPSERT, t.ticket_id, tenant, t.requester_id, t.subject, t.description, t.category, t.priority, t.status,
        t.assignee_id, t.group, t.level, t.opened_at or now, now, version, due.get("response"),
        due.get("resolution"), worst, ticket_clocks.next_check_at(t, views),
        ticket_clocks.auto_close_at(t, policy),
    )
    return views


_SEVERITY = ["met", "running", "paused", "breached"]
