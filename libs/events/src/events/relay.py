"""The outbox relay: publishes unpublished events to Kafka in order, at least once, one relay at a time."""

import asyncio

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter

from events import kafka
from events.db import lock_key
from events.envelope import CONTENT_TYPE
from events.settings import ServiceSettings
from events.tasks import Status

log = structlog.get_logger()

PUBLISHED = Counter("relay_events_published", "Events the outbox relay published to Kafka", ["service"])
HEADERS = [("content-type", CONTENT_TYPE.encode())]

_UNPUBLISHED = """
SELECT global_position, stream_id, envelope::text AS envelope FROM events
WHERE published_at IS NULL ORDER BY global_position LIMIT $1
"""
_MARK = "UPDATE events SET published_at = now() WHERE global_position = ANY($1::bigint[])"


async def publish_batch(
    conn: asyncpg.Connection, producer: AIOKafkaProducer, topic: str, schema: str, limit: int
) -> int:
    """Publish the oldest unpublished events and mark them, unless another relay holds the lock."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", lock_key("relay", schema)):
            return 0
        rows = await conn.fetch(_UNPUBLISHED, limit)
        if rows:
            await _send_in_order(producer, topic, rows)
            await conn.execute(_MARK, [row["global_position"] for row in rows])
    return len(rows)


async def _send_in_order(producer: AIOKafkaProducer, topic: str, rows: list[asyncpg.Record]) -> None:
    # Records with one key go to one partition, and aiokafka keeps one batch in flight per
    # partition, so queueing them in position order keeps every stream in order.
    pending = [
        await producer.send(topic, value=row["envelope"].encode(), key=row["stream_id"].encode(), headers=HEADERS)
        for row in rows
    ]
    await asyncio.gather(*pending)


async def run_relay(pool: asyncpg.Pool, settings: ServiceSettings, status: Status) -> None:
    """Relay forever; while the broker is away, events wait in the store and the relay retries."""
    failures = 0
    while True:
        try:
            await _relay_with_producer(pool, settings, status)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failures += 1
            status.running, status.last_error = False, repr(error)
            log.warning("relay_failed", error=repr(error), retry_in=min(5.0, 0.25 * failures))
            await asyncio.sleep(min(5.0, 0.25 * failures))


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
            count = await publish_batch(conn, producer, topic, settings.schema, settings.relay_batch_size)
        if count:
            PUBLISHED.labels(settings.service).inc(count)
            log.debug("relay_published", count=count)
        if count < settings.relay_batch_size:
            await asyncio.sleep(settings.relay_idle_seconds)
