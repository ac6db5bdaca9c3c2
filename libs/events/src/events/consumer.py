"""The idempotent consumer: dedupe row and read-model write in one transaction, poison records parked."""

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError
from prometheus_client import Counter

from events.envelope import Envelope

log = structlog.get_logger()

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]

CONSUMED = Counter("consumer_records", "Records a consumer group took in, by outcome", ["group", "outcome"])


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


async def apply_once(conn: asyncpg.Connection, group: str, envelope: Envelope, handle: Handler) -> Outcome:
    """Apply the event unless this group already did; the caller's transaction makes both one."""
    first_time = await conn.fetchval(
        "INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        group,
        envelope.id,
    )
    if not first_time:
        return Outcome.DUPLICATE
    await handle(conn, envelope)
    return Outcome.APPLIED


async def _attempt(
    pool: asyncpg.Pool, group: str, record: ConsumerRecord, handle: Handler, pause_lock: str | None
) -> Outcome:
    envelope = Envelope.from_json(record.value)
    with structlog.contextvars.bound_contextvars(correlation_id=envelope.correlationid, event_id=str(envelope.id)):
        async with pool.acquire() as conn, conn.transaction():
            if pause_lock:
                # Before touching any table: whoever holds this lock exclusively pauses the consumer.
                await conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext($1))", pause_lock)
            return await apply_once(conn, group, envelope, handle)


async def process_record(
    pool: asyncpg.Pool, group: str, record: ConsumerRecord, handle: Handler, *, attempts: int = 3,
    retry_delay: float = 0.1, pause_lock: str | None = None,
) -> Outcome:
    """Try a few times; a record that keeps failing goes to the dead-letter table and we move on."""
    for attempt in range(1, attempts + 1):
        try:
            return await _attempt(pool, group, record, handle, pause_lock)
        except Exception as error:
            last_error = error
            log.warning("record_failed", group=group, topic=record.topic, offset=record.offset,
                        attempt=attempt, error=repr(error))
            await asyncio.sleep(retry_delay * attempt)
    await dead_letter(pool, group, record, repr(last_error), attempts)
    return Outcome.DEAD_LETTERED


async def dead_letter(pool: asyncpg.Pool, group: str, record: ConsumerRecord, error: str, attempts: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO dead_letters (consumer_group, topic, kafka_partition, kafka_offset, record_key,"
            " record_value, error, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            group, record.topic, record.partition, record.offset,
            record.key.decode(errors="replace") if record.key else None,
            record.value.decode(errors="replace"), error, attempts,
        )
    log.error("record_dead_lettered", group=group, topic=record.topic, offset=record.offset, error=error)


async def run_consumer(
    pool: asyncpg.Pool, consumer: AIOKafkaConsumer, group: str, handle: Handler, *, attempts: int = 3,
    pause_lock: str | None = None,
) -> None:
    """Consume forever; offsets are committed only after the records' transactions committed."""
    while True:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        for records in batches.values():
            for record in records:
                outcome = await process_record(pool, group, record, handle, attempts=attempts, pause_lock=pause_lock)
                CONSUMED.labels(group, outcome).inc()
        if batches:
            await _commit(consumer, group)


async def _commit(consumer: AIOKafkaConsumer, group: str) -> None:
    try:
        await consumer.commit()
    except CommitFailedError as error:
        # The group moved on (a rebalance, a broker restart): whoever gets these partitions
        # redelivers from the last commit, and the dedupe rows make that harmless.
        log.warning("offset_commit_failed", group=group, error=repr(error))
