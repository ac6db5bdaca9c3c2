"""The metrics projection: the audit history of every event, and one small handler per read model and event class."""

from importlib.resources import files

import asyncpg

from events.contracts.tickets import TicketOpened
from events.db import CONSUMER_MIGRATIONS, lock_key
from events.envelope import Envelope
from events.projection import Projection

# The projection's own schema: the consumer's dedupe and dead-letter tables beside the read models.
PROJECTION_MIGRATIONS = {
    "events.consumer": CONSUMER_MIGRATIONS, "metrics.projection": files("metrics") / "projection_migrations",
}

projection = Projection()


@projection.on_every
async def record_in_audit_history(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "INSERT INTO audit_history (event_id, tenant, entity_id, stream_version, event_type, schema_version,"
        " source, actor, occurred_at, recorded_at, correlation_id, causation_id, payload)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_id) DO NOTHING",
        e.id, e.tenant, e.subject, e.streamversion, e.type, e.schemaversion, e.source, e.actor,
        e.time, e.recordedtime, e.correlationid, e.causationid, e.data,
    )


@projection.on(TicketOpened)
async def count_ticket_opened(conn: asyncpg.Connection, event: TicketOpened, e: Envelope) -> None:
    await conn.execute(
        "INSERT INTO tickets_opened_daily (tenant, day, tickets_opened) VALUES ($1, ($2 AT TIME ZONE 'UTC')::date, 1)"
        " ON CONFLICT (tenant, day) DO UPDATE SET tickets_opened = tickets_opened_daily.tickets_opened + 1",
        e.tenant, event.at,
    )


def swap_lock(projection_schema: str) -> str:
    """Held exclusively by a rebuild while it swaps the schema in; the live projector waits on it."""
    return lock_key("projection", projection_schema)
