"""The projection handlers: one small named SQL handler per read model and event type."""

from collections.abc import Awaitable, Callable
from importlib.resources import files

import asyncpg

from events.db import CONSUMER_MIGRATIONS, lock_key
from events.envelope import Envelope

ProjectionHandler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]

MIGRATIONS = {"events.consumer": CONSUMER_MIGRATIONS, "metrics.projection": files("metrics") / "projection_migrations"}


async def record_in_audit_history(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "INSERT INTO audit_history (event_id, tenant, entity_id, stream_version, event_type, schema_version,"
        " source, actor, occurred_at, recorded_at, correlation_id, causation_id, payload)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_id) DO NOTHING",
        e.id, e.tenant, e.subject, e.streamversion, e.type, e.schemaversion, e.source, e.actor,
        e.time, e.recordedtime, e.correlationid, e.causationid, e.data,
    )


async def count_ticket_opened(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "INSERT INTO tickets_opened_daily (tenant, day, tickets_opened) VALUES ($1, ($2 AT TIME ZONE 'UTC')::date, 1)"
        " ON CONFLICT (tenant, day) DO UPDATE SET tickets_opened = tickets_opened_daily.tickets_opened + 1",
        e.tenant, e.time,
    )


# Every event goes to the audit history; these read models take only the types they name.
HANDLERS: dict[str, list[ProjectionHandler]] = {
    "tickets.ticket_opened": [count_ticket_opened],
}


async def project(conn: asyncpg.Connection, envelope: Envelope) -> None:
    await record_in_audit_history(conn, envelope)
    for handle in HANDLERS.get(envelope.type, ()):
        await handle(conn, envelope)


def swap_lock(projection_schema: str) -> str:
    """Held exclusively by a rebuild while it swaps the schema in; the live projector waits on it."""
    return lock_key("projection", projection_schema)
