"""The event store: append at an expected version, load a stream. Its table is also the outbox."""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import orjson

from events.base import Event
from events.envelope import Context, Envelope, wrap
from events.errors import Refused

# One statement however many events: atomic without an explicit transaction, one round trip.
# Most commands append one event, and plain VALUES costs less than unnest of one-element arrays.
# The envelope arrives as JSON text: it is serialised once, here, to be measured against the bound.
_COLUMNS = """INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, tenant,
                    occurred_at, recorded_at, envelope)"""
_APPEND_ONE = _COLUMNS + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb)"
_APPEND_MANY = _COLUMNS + """
SELECT e, s, v, t, sv, tn, o, r, d::jsonb
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[],
            $7::timestamptz[], $8::timestamptz[], $9::text[]) AS u(e, s, v, t, sv, tn, o, r, d)"""

_LOAD = "SELECT envelope FROM events WHERE stream_id = $1 ORDER BY stream_version"


class ConcurrencyError(Refused):
    """Somebody else appended to the stream since it was read (409: try again)."""

    status = 409

    def __init__(self, stream_id: str, expected_version: int):
        super().__init__(f"stream {stream_id} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class EventTooLarge(Refused):
    """A command would record an event larger than the bound (413): the relay could never publish it."""

    status = 413

    def __init__(self, event_type: str, size: int, limit: int, command: str | None = None):
        by = f"{command} would record" if command else "recording"
        super().__init__(f"{by} {event_type} of {size} bytes; an event may have at most {limit} bytes")
        self.event_type, self.size, self.limit, self.command = event_type, size, limit, command

    def of(self, command: str) -> "EventTooLarge":
        return EventTooLarge(self.event_type, self.size, self.limit, command)


# The largest envelope an append accepts (ServiceSettings.event_max_bytes), well below the producer's
# max_request_size: refused at the command, not discovered by the relay. One value per process.
_max_event_bytes = 512 * 1024


def limit_event_size(max_bytes: int) -> None:
    """Set the bound of this process's appends; service_app and the worker set it from their settings."""
    global _max_event_bytes
    _max_event_bytes = max_bytes


@dataclass(frozen=True)
class Recorded:
    envelope: Envelope
    event: Event


def envelopes_for(stream_id: str, expected_version: int, events: Sequence[Event], ctx: Context) -> list[Envelope]:
    return [
        wrap(event, stream_id=stream_id, stream_version=expected_version + n, ctx=ctx)
        for n, event in enumerate(events, start=1)
    ]


def _row(e: Envelope) -> tuple:
    document = orjson.dumps(e.document())
    if len(document) > _max_event_bytes:
        raise EventTooLarge(e.type, len(document), _max_event_bytes)
    return (e.id, e.subject, e.streamversion, e.type, e.schemaversion, e.tenant, e.time, e.recordedtime,
            document.decode())


def _insert(envelopes: Sequence[Envelope]) -> tuple[str, list]:
    if len(envelopes) == 1:
        return _APPEND_ONE, list(_row(envelopes[0]))
    return _APPEND_MANY, [list(column) for column in zip(*map(_row, envelopes), strict=True)]


async def append(
    conn: asyncpg.Connection, stream_id: str, expected_version: int, events: Sequence[Event], ctx: Context
) -> list[Envelope]:
    """Append after `expected_version` (0 for a new stream); a clash raises ConcurrencyError, an event over
    the bound EventTooLarge, and nothing is stored."""
    envelopes = envelopes_for(stream_id, expected_version, events, ctx)
    if not envelopes:
        return envelopes
    try:
        statement, args = _insert(envelopes)
        await conn.execute(statement, *args)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "events_stream_version_unique":
            raise ConcurrencyError(stream_id, expected_version) from None
        raise
    return envelopes


async def load(conn: asyncpg.Connection, stream_id: str) -> list[Recorded]:
    """The stream's events in order, upcast to their current schema versions."""
    rows = await conn.fetch(_LOAD, stream_id)
    envelopes = [Envelope.from_document(row["envelope"]) for row in rows]
    return [Recorded(envelope, envelope.event()) for envelope in envelopes]
