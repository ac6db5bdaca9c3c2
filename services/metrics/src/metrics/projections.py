"""The metrics projection: the audit history of every event, and one small handler per read model and event class."""

from importlib.resources import files

import asyncpg
import orjson

from events.contracts.tickets import TicketOpened
from events.db import CONSUMER_MIGRATIONS, lock_key
from events.envelope import Envelope
from events.projection import Projection

# The projection's own schema: the consumer's dedupe and dead-letter tables beside the read models.
PROJECTION_MIGRATIONS = {
    "events.consumer": CONSUMER_MIGRATIONS, "metrics.projection": files("metrics") / "projection_migrations",
}

projection = Projection()


AUDIT_COLUMNS = ("event_id", "tenant", "entity_id", "stream_version", "event_type", "schema_version", "source", "actor",
                 "occurred_at", "recorded_at", "correlation_id", "causation_id", "payload")  # fmt: skip
_AUDIT_COLUMNS = ", ".join(AUDIT_COLUMNS)
# Indexes of the projection that no handler reads: a rebuild builds them once the replay is done (metrics.rebuild).
READ_ONLY_INDEXES = ("audit_history_by_entity",)


@projection.on_every_batch
async def record_in_audit_history(conn: asyncpg.Connection, batch: list[Envelope]) -> None:
    """One row per event, the batch in one statement. The rows go as one JSON document that Postgres takes apart:
    a parameter per column would cost the projector about a microsecond per value to encode, 13 values an event."""
    await conn.execute(
        f"INSERT INTO audit_history ({_AUDIT_COLUMNS}) SELECT {_AUDIT_COLUMNS}"
        " FROM json_populate_recordset(NULL::audit_history, $1::json) ON CONFLICT (event_id) DO NOTHING",
        orjson.dumps([dict(zip(AUDIT_COLUMNS, _audit_row(envelope), strict=True)) for envelope in batch]).decode(),
    )


async def copy_into_audit_history(conn: asyncpg.Connection, batch: list[Envelope]) -> None:
    """`record_in_audit_history` for a projection that starts empty (a rebuild's): a binary COPY, a third of the work
    for Postgres. No conflict to skip: the dedupe rows written in the same transaction let each event in once."""
    await conn.copy_records_to_table("audit_history", columns=AUDIT_COLUMNS,
                                     records=[_audit_row(envelope) for envelope in batch])  # fmt: skip


def _audit_row(e: Envelope) -> tuple:
    """The event's audit_history row, its values in the order of AUDIT_COLUMNS."""
    return (e.id, e.tenant, e.subject, e.streamversion, e.type, e.schemaversion, e.source, e.actor, e.time,
            e.recordedtime, e.correlationid, e.causationid, e.data)


@projection.on_batch(TicketOpened)
async def count_tickets_opened(conn: asyncpg.Connection, batch: list[tuple[TicketOpened, Envelope]]) -> None:
    await conn.execute(
        "INSERT INTO tickets_opened_daily (tenant, day, tickets_opened)"
        " SELECT tenant, (at AT TIME ZONE 'UTC')::date, count(*)"
        " FROM unnest($1::text[], $2::timestamptz[]) AS opened(tenant, at) GROUP BY 1, 2"
        " ON CONFLICT (tenant, day) DO UPDATE SET tickets_opened = tickets_opened_daily.tickets_opened"
        " + excluded.tickets_opened",
        [e.tenant for _, e in batch], [event.at for event, _ in batch],
    )


def swap_lock(projection_schema: str) -> str:
    """Held exclusively by a rebuild while it swaps the schema in; the live projector waits on it."""
    return lock_key("projection", projection_schema)


from metrics import device_history as _device_history  # noqa: E402, F401  registers the device history handler
from metrics import spending as _spending  # noqa: E402, F401  registers the expenditures handler (INTN243)
from metrics.kpis import handlers as _kpi_handlers  # noqa: E402, F401  registers the KPI handlers on `projection`
