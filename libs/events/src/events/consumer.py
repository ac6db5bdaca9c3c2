"""The idempotent consumer: dedupe rows and read-model writes in one transaction per batch; a database outage
waited out, a record that cannot be parsed or applied dead-lettered alone as it came, and each partition's lag."""

import asyncio
import collections
from collections.abc import Awaitable, Callable
from enum import StrEnum

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from prometheus_client import Counter, Gauge

from events.envelope import Envelope

log = structlog.get_logger()

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, list[Envelope]], Awaitable[None]]

CONSUMED = Counter("consumer_records", "Records a consumer group took in, by outcome (dead_lettered among them)",
                   ["group", "outcome"])
LAG = Gauge("consumer_lag", "Records of a partition the group has not taken yet", ["group", "topic", "partition"])
WAITS = Counter("consumer_database_waits", "Times a consumer waited for its database to come back", ["group"])
# A batch that keeps being applied one by one is a bug to see at once: the group runs a record per transaction.
BATCHES = Counter(
    "consumer_batches", "Batches a consumer group applied: whole, or one by one after a failure", ["group", "how"]
)

# A lost database, not a bad record: the record waits for the database, however long, and is tried again.
# (A pool acquire that times out raises TimeoutError, an OSError; asyncpg's connection errors are below.)
CONNECTION_ERRORS = (OSError, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError,
                     asyncpg.AdminShutdownError, asyncpg.CrashShutdownError, asyncpg.TooManyConnectionsError)
WAIT_CAP = 5.0  # seconds between two looks at a lost database
BATCH_RECORDS = 1000  # records a fetch takes in, applied in one transaction


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
    envelope = Envelope.from_json(record.value or b"")
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
    """Apply the record. A lost database is waited out and costs no attempt; a record that cannot be parsed,
    or whose handler fails `attempts` times against a reachable database, is dead-lettered and skipped."""
    failed = 0
    while True:
        try:
            return await _attempt(pool, group, record, handle, pause_lock)
        except Exception as error:
            if database_lost(error):
                await wait_for_database(pool, group, error)
                continue
            failed += 1
            log.warning("record_failed", group=group, topic=record.topic, offset=record.offset,
                        attempt=failed, error=repr(error))
            if failed >= attempts:
                await _dead_letter_once_reachable(pool, group, record, repr(error), attempts)
                return Outcome.DEAD_LETTERED
            await asyncio.sleep(retry_delay * failed)


async def process_batch(
    pool: asyncpg.Pool, group: str, records: list[ConsumerRecord], handle: Handler, *,
    handle_batch: BatchHandler | None = None, attempts: int = 3, retry_delay: float = 0.1,
    pause_lock: str | None = None, parsed: list[Envelope] | None = None,
) -> list[Outcome]:
    """Apply the records in one transaction, each at most once. A lost database is waited out and the batch tried
    again; if the batch fails otherwise, its records are applied one by one (`process_record`), so a record that
    cannot be applied is dead-lettered alone and the others still land, in order. `parsed`: the records' envelopes
    as `parsed_records` gave them, if the caller parsed them already (while the previous batch was applied)."""
    envelopes = parsed if parsed is not None else parsed_records(records)
    while envelopes is not None and len(records) > 1:
        try:
            outcomes = await _attempt_batch(pool, group, envelopes, handle_batch or _each(handle), pause_lock)
            BATCHES.labels(group, "whole").inc()
            return outcomes
        except Exception as error:
            if not database_lost(error):
                log.warning("batch_applied_one_by_one", group=group, records=len(records), error=repr(error))
                break
            await wait_for_database(pool, group, error)
    if len(records) > 1:
        BATCHES.labels(group, "one_by_one").inc()
    return [await process_record(pool, group, record, handle, attempts=attempts, retry_delay=retry_delay,
                                 pause_lock=pause_lock) for record in records]


def parsed_records(records: list[ConsumerRecord]) -> list[Envelope] | None:
    """The records' envelopes, or None if one cannot be parsed (that record is for the one-by-one path)."""
    try:
        return [Envelope.from_json(record.value or b"") for record in records]
    except Exception:
        return None


def _each(handle: Handler) -> BatchHandler:
    async def handle_each(conn: asyncpg.Connection, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await handle(conn, envelope)

    return handle_each


async def _attempt_batch(
    pool: asyncpg.Pool, group: str, envelopes: list[Envelope], handle_batch: BatchHandler, pause_lock: str | None,
) -> list[Outcome]:
    async with pool.acquire() as conn, conn.transaction():
        if pause_lock:
            await conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext($1))", pause_lock)
        # A data-modifying statement may only stand in a WITH, never in a FROM (a syntax error there, which the
        # one-by-one fallback would hide: every batch would silently become one transaction per record).
        # The ids seen for the first time, or NULL when all were (the usual case: no ids to send back and look up).
        new = await conn.fetchval(
            "WITH first_time AS (INSERT INTO processed_events (consumer_group, event_id)"
            " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id)"
            " SELECT CASE WHEN count(*) = cardinality($2::uuid[]) THEN NULL"
            " ELSE coalesce(array_agg(event_id), '{}') END FROM first_time",
            group, [e.id for e in envelopes])
        first = [True] * len(envelopes) if new is None else _first_times(envelopes, set(new))
        if any(first):
            await handle_batch(conn, [e for e, is_first in zip(envelopes, first, strict=True) if is_first])
    return [Outcome.APPLIED if is_first else Outcome.DUPLICATE for is_first in first]


def _first_times(envelopes: list[Envelope], new: set) -> list[bool]:
    """Which envelopes to apply: those this group had not seen, each once (a batch may hold a record twice)."""
    first, seen = [], set()
    for envelope in envelopes:
        first.append(envelope.id in new and envelope.id not in seen)
        seen.add(envelope.id)
    return first


def database_lost(error: BaseException) -> bool:
    """Whether the error (or what it arose from) says the database went away, rather than the work failed."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, CONNECTION_ERRORS):
            return True
        # asyncpg reports a connection that closed under it as an InterfaceError (which also covers misuse).
        if isinstance(error, asyncpg.InterfaceError) and "closed" in str(error):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


async def wait_for_database(pool: asyncpg.Pool, group: str, error: BaseException) -> None:
    """Return once the database answers again, however long that takes."""
    WAITS.labels(group).inc()
    log.warning("database_unreachable", group=group, error=repr(error))
    looks = 0
    while True:
        looks += 1
        await asyncio.sleep(min(WAIT_CAP, 0.25 * looks))
        try:
            async with pool.acquire(timeout=10) as conn:
                await conn.fetchval("SELECT 1")
        except Exception as still:
            if looks % 10 == 0:
                log.warning("database_still_unreachable", group=group, error=repr(still))
            continue
        log.info("database_reachable_again", group=group, looks=looks)
        return


async def _dead_letter_once_reachable(
    pool: asyncpg.Pool, group: str, record: ConsumerRecord, error: str, attempts: int
) -> None:
    while True:
        try:
            return await dead_letter(pool, group, record, error, attempts)
        except Exception as lost:
            if not database_lost(lost):
                raise
            await wait_for_database(pool, group, lost)


async def dead_letter(pool: asyncpg.Pool, group: str, record: ConsumerRecord, error: str, attempts: int) -> None:
    """Keep the record as it came (bytes) and as readable text, whatever it holds."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO dead_letters (consumer_group, topic, kafka_partition, kafka_offset, record_key,"
            " record_value, raw_key, raw_value, error, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT DO NOTHING",
            group, record.topic, record.partition, record.offset,
            readable(record.key) if record.key is not None else None, readable(record.value or b""),
            record.key, record.value or b"", readable(error), attempts,
        )
    log.error("record_dead_lettered", group=group, topic=record.topic, partition=record.partition,
              offset=record.offset, error=error)


def readable(raw: bytes | str) -> str:
    """Text Postgres can store: invalid UTF-8 and NUL (which no text column takes) become U+FFFD."""
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return text.replace("\x00", "\ufffd")


async def run_consumer(
    pool: asyncpg.Pool, consumer: AIOKafkaConsumer, group: str, handle: Handler, *,
    handle_batch: BatchHandler | None = None, attempts: int = 3, pause_lock: str | None = None,
) -> None:
    """Consume forever, one transaction per fetched batch; offsets are committed only after it committed."""
    measured: set[TopicPartition] = set()
    while True:
        batches = await consumer.getmany(timeout_ms=500, max_records=BATCH_RECORDS)
        records = [record for partition in batches.values() for record in partition]
        if records:
            outcomes = await process_batch(pool, group, records, handle, handle_batch=handle_batch, attempts=attempts,
                                           pause_lock=pause_lock)
            for outcome, count in collections.Counter(outcomes).items():  # not a labels() lookup per record
                CONSUMED.labels(group, outcome).inc(count)
        if batches:
            await _commit(consumer, group)
        measured = await _measure_lag(consumer, group, measured)


async def _commit(consumer: AIOKafkaConsumer, group: str) -> None:
    try:
        await consumer.commit()
    except CommitFailedError as error:
        # The group moved on (a rebalance, a broker restart): whoever gets these partitions
        # redelivers from the last commit, and the dedupe rows make that harmless.
        log.warning("offset_commit_failed", group=group, error=repr(error))


async def _measure_lag(consumer: AIOKafkaConsumer, group: str, before: set[TopicPartition]) -> set[TopicPartition]:
    """Set the lag of each assigned partition the consumer has fetched from; forget partitions it lost."""
    measured = set()
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        if highwater is None:  # nothing fetched yet, so no position to wait for either
            continue
        try:
            position = await consumer.position(tp)
        except KafkaError:  # taken away by a rebalance meanwhile
            continue
        LAG.labels(group, tp.topic, str(tp.partition)).set(max(0, highwater - position))
        measured.add(tp)
    for tp in before - measured:
        LAG.remove(group, tp.topic, str(tp.partition))
    return measured
