"""Ticket commands and queries: load the stream, decide, append and update the inline list in one transaction."""

from uuid import UUID

import asyncpg

from events import store
from events.envelope import Context, Envelope
from tickets.domain import NO_TICKET, OpenTicket, Ticket, decide, fold


async def open_ticket(
    conn: asyncpg.Connection, command: OpenTicket, ctx: Context
) -> tuple[Ticket, list[Envelope]]:
    """Call inside a transaction: the event and the list row commit together."""
    events = decide(NO_TICKET, command)
    envelopes = await store.append(conn, str(command.ticket_id), 0, events, ctx)
    ticket = fold(events)
    await _list_ticket(conn, envelopes[-1], ticket)
    return ticket, envelopes


async def _list_ticket(conn: asyncpg.Connection, last: Envelope, ticket: Ticket) -> None:
    await conn.execute(
        "INSERT INTO ticket_list (ticket_id, tenant, requester_id, subject, category, priority, status,"
        " opened_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
        ticket.ticket_id, last.tenant, ticket.requester_id, ticket.subject, ticket.category,
        ticket.priority, ticket.status, last.time, last.streamversion,
    )


async def load_ticket(conn: asyncpg.Connection, ticket_id: UUID, tenant: str) -> tuple[Ticket, list[Envelope]]:
    """The ticket as its events tell it; another tenant's ticket does not exist for this caller."""
    recorded = [r for r in await store.load(conn, str(ticket_id)) if r.envelope.tenant == tenant]
    return fold([r.event for r in recorded]), [r.envelope for r in recorded]


async def tickets_of(conn: asyncpg.Connection, tenant: str, requester_id: str, limit: int, offset: int) -> list:
    return await conn.fetch(
        "SELECT ticket_id AS id, subject, category, priority, status, opened_at, updated_at, version FROM ticket_list"
        " WHERE tenant = $1 AND requester_id = $2 ORDER BY opened_at DESC, ticket_id LIMIT $3 OFFSET $4",
        tenant, requester_id, limit, offset,
    )
