"""The outbox relay: publishes unpublished events to Kafka in order, at least once, one relay at a time;
parks a record the broker refuses for good, so that one bad event never holds up the others."""

import asyncio
import contextlib

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidMessageError,
    InvalidTimestampError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from prometheus_client import Counter, Gauge

from events import kafka, tasks
from events.db import lock_key
from events.envelope import CONTENT_TYPE
from events.settings import ServiceSettings
from events.tasks import Status

log = structlog.get_logger()

PUBLISHED = Counter("relay_events_published", "Events the outbox relay published to Kafka", ["service"])
FAILURES = Counter("relay_publish_failures", "Times the relay failed (broker or database away) and retried",
                   ["service"])
PARKED = Counter("relay_events_parked", "Events the broker refused for good, parked in the store", ["topic", "error"])
BACKLOG = Gauge("outbox_unpublished_events", "Events waiting for the relay (parked ones not counted)", ["service"])
OLDEST = Gauge("outbox_oldest_unpublished_age_seconds", "How long the oldest waiting event has waited", ["service"])
PARKED_NOW = Gauge("outbox_parked_events", "Events parked in the store, never to be sent unless unparked",
                   ["service"])
HEADERS = [("content-type", CONTENT_TYPE.encode())]
WATCH_INTERVAL = 5.0  # seconds between readings of the outbox gauges

# Errors about the record itself, which sending it again can never cure. Anything else (a lost or frozen
# broker, a timeout, authorisation) concerns every record alike: the batch waits and is retried whole.
REFUSED_FOR_GOOD = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError, CorruptRecordException,
                    InvalidMessageError, InvalidTimestampError)

_UNPUBLISHED = """
SELECT global_position, stream_id, envelope::text AS envelope FROM events
WHERE published_at IS NULL AND parked_at IS NULL ORDER BY global_position LIMIT $1
"""
_MARK = "UPDATE events SET published_at = now() WHERE global_position = ANY($1::bigint[])"
_PARK = "UPDATE events SET parked_at = now(), park_reason = $2 WHERE global_position = $1"
_OUTBOX = """
SELECT count(*) FILTER (WHERE parked_at IS NULL) AS waiting, count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
       coalesce(extract(epoch FROM now() - min(pending_since) FILTER (WHERE parked_at IS NULL)), 0)::float8 AS oldest
FROM events WHERE published_at IS NULL
"""
_OLDEST = """
SELECT extract(epoch FROM now() - min(pending_since))::float8 FROM events
WHERE published_at IS NULL AND parked_at IS NULL
"""


async def publish_batch(
    conn: asyncpg.Connection, producer: AIOKafkaProducer, topic: str, schema: str, limit: int
) -> int:
    """Publish the oldest unpublished events and mark them, unless another relay holds the lock; returns how
    many it took. A record the broker refuses for good is parked instead, and the others go on."""
    taken, _ = await _publish(conn, producer, topic, schema, limit)
    return taken


async def _publish(
    conn: asyncpg.Connection, producer: AIOKafkaProducer, topic: str, schema: str, limit: int
) -> tuple[int, int]:
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", lock_key("relay", schema)):
            return 0, 0
        rows = await conn.fetch(_UNPUBLISHED, limit)
        if not rows:
            return 0, 0
        refused = await _send_in_order(producer, topic, rows)
        for row, error in refused:
            await _park(conn, topic, row, error)
        parked = {row["global_position"] for row, _ in refused}
        await conn.execute(_MARK, [row["global_position"] for row in rows if row["global_position"] not in parked])
    return len(rows), len(refused)


async def _send_in_order(
    producer: AIOKafkaProducer, topic: str, rows: list[asyncpg.Record]
) -> list[tuple[asyncpg.Record, KafkaError]]:
    """Send every row; returns the rows refused for good. Any other failure raises: the batch is retried."""
    # Records with one key go to one partition, and aiokafka keeps one batch in flight per
    # partition, so queueing them in position order keeps every stream in order.
    pending = [await _queue(producer, topic, row) for row in rows]
    outcomes = await asyncio.gather(*pending, return_exceptions=True)
    failed = [row for row, outcome in zip(rows, outcomes, strict=True) if isinstance(outcome, BaseException)]
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, REFUSED_FOR_GOOD):
            # A cancelled send (the producer stopping) must not read as this task being cancelled.
            raise outcome if isinstance(outcome, Exception) else KafkaError(repr(outcome))
    # The broker answers for a whole partition batch: alone, a record refused only for its neighbours goes through.
    alone = [(row, await _send_alone(producer, topic, row)) for row in failed]
    return [(row, error) for row, error in alone if error is not None]


async def _queue(producer: AIOKafkaProducer, topic: str, row: asyncpg.Record) -> asyncio.Future:
    try:
        return await producer.send(topic, value=row["envelope"].encode(), key=row["stream_id"].encode(),
                                   headers=HEADERS)
    except REFUSED_FOR_GOOD as error:  # the producer's own size check refuses before queueing
        refused = asyncio.get_running_loop().create_future()
        refused.set_exception(error)
        return refused


async def _send_alone(producer: AIOKafkaProducer, topic: str, row: asyncpg.Record) -> KafkaError | None:
    try:
        await (await _queue(producer, topic, row))
    except REFUSED_FOR_GOOD as error:
        return error
    return None


async def _park(conn: asyncpg.Connection, topic: str, row: asyncpg.Record, error: KafkaError) -> None:
    reason = f"{type(error).__name__}: {error}"
    await conn.execute(_PARK, row["global_position"], reason)
    PARKED.labels(topic, type(error).__name__).inc()
    log.error("relay_event_parked", topic=topic, position=row["global_position"], stream_id=row["stream_id"],
              size=len(row["envelope"]), reason=reason)


async def outbox(conn: asyncpg.Connection) -> asyncpg.Record:
    """(waiting, parked, oldest): events waiting for the relay, parked ones, seconds the oldest has waited."""
    return await conn.fetchrow(_OUTBOX)


def stale_outbox(max_age: float) -> tasks.Probe:
    """The relay's readiness: not ready while the oldest waiting event has waited longer than `max_age`."""

    async def probe(conn: asyncpg.Connection) -> str | None:
        oldest = await conn.fetchval(_OLDEST)
        if oldest is not None and oldest > max_age:
            return f"the oldest unpublished event has waited {oldest:.0f}s (more than {max_age:.0f}s)"
        return None

    return probe


async def run_relay(pool: asyncpg.Pool, settings: ServiceSettings, status: Status) -> None:
    """Relay forever; while the broker is away, events wait in the store and the relay retries."""
    status.probe = stale_outbox(settings.outbox_max_age_seconds)
    watching = asyncio.create_task(_watch_outbox(pool, settings.service))
    try:
        await _relay_until_cancelled(pool, settings, status)
    finally:
        await tasks.stop(watching)


async def _relay_until_cancelled(pool: asyncpg.Pool, settings: ServiceSettings, status: Status) -> None:
    failures = 0
    while True:
        try:
            await _relay_with_producer(pool, settings, status)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failures += 1
            FAILURES.labels(settings.service).inc()
            status.running, status.last_error = False, repr(error)
            log.warning("relay_failed", error=repr(error), retry_in=min(5.0, 0.25 * failures))
            await asyncio.sleep(min(5.0, 0.25 * failures))


async def _watch_outbox(pool: asyncpg.Pool, service: str) -> None:
    # Apart from the relay loop, so that the gauges keep moving while the relay waits on a silent broker.
    while True:
        with contextlib.suppress(Exception):  # a lost database shows in /readyz and the relay's failures
            async with pool.acquire(timeout=WATCH_INTERVAL) as conn:
                waiting, parked, oldest = await outbox(conn)
            BACKLOG.labels(service).set(waiting)
            PARKED_NOW.labels(service).set(parked)
            OLDEST.labels(service).set(oldest)
        await asyncio.sleep(WATCH_INTERVAL)


async def _relay_with_producer(pool: asyncpg.Pool, settings: ServiceSettings, status: Status) -> None:
    # Asked on every (re)start: the embedded dev broker forgets its topics when it restarts.
    await kafka.ensure_topics(settings, kafka.all_topics(settings))
    producer = kafka.producer(settings)
    try:
        await producer.start()
        status.running, status.last_error = True, None
        await _relay_loop(pool, producer, settings)
    finally:
        await producer.stop()


async def _relay_loop(pool: asyncpg.Pool, producer: AIOKafkaProducer, settings: ServiceSettings) -> None:
    topic = settings.topic(settings.service)
    while True:
        async with pool.acquire() as conn:
            count, parked = await _publish(conn, producer, topic, settings.schema, settings.relay_batch_size)
        if count > parked:
            PUBLISHED.labels(settings.service).inc(count - parked)
            log.debug("relay_published", count=count - parked)
        if count < settings.relay_batch_size:
            await asyncio.sleep(settings.relay_idle_seconds)
