"""Rebuild every projection from scratch by replaying the topics: `python -m metrics.rebuild`.

The replay fills a shadow schema while the live projection keeps serving. Then, holding the projection
lock (the live projector waits on it), it replays what arrived meanwhile and swaps the schemas in one
transaction. Replayed events are deduplicated in the new schema, so the live projector resumes safely.
"""

import argparse
import asyncio
import functools
import sys
from collections.abc import Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from tqdm import tqdm

from events import heap, kafka
from events.consumer import Outcome, parsed_records, process_batch
from events.db import create_pool, migrate_pool
from events.logging import configure_logging
from events.projection import Projection
from metrics import reporting
from metrics.device_history import DevicesInMemory, keep_device_history
from metrics.kpis.bulk import KpisInMemory
from metrics.kpis.handlers import keep_kpis
from metrics.projections import (
    PROJECTION_MIGRATIONS,
    READ_ONLY_INDEXES,
    copy_into_audit_history,
    projection,
    record_in_audit_history,
    swap_lock,
)
from metrics.settings import Settings

log = structlog.get_logger()


async def _partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    await consumer.start()
    await consumer.topics()  # a consumer with no subscription knows no partitions until it asks
    found = []
    for topic in topics:
        found += [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    return found


BATCH_RECORDS = 2000  # records a replayed batch takes in: fewer statements and commits per event than live


async def _replay_until(consumer, pool, settings, end: dict[TopicPartition, int], bar: tqdm,
                        applying: Projection = projection) -> int:
    """Apply records until every partition is past `end` and a poll finds nothing more; returns how many.

    The end offsets are only a floor: the embedded broker has been seen to report one less than it
    holds, so whatever a poll returns is applied, and the replay stops only when the topics are quiet.
    The next batch is fetched and parsed while one is applied (Python busy while Postgres writes); a fetch is
    only started when the replay goes on, so none is left taking records nobody applies.
    """
    applied, fetching = 0, asyncio.ensure_future(_fetch(consumer, end, applying))
    try:
        while True:
            records, envelopes, read = await fetching
            if not records and not await _behind(consumer, end):
                return applied
            fetching = asyncio.ensure_future(_fetch(consumer, end, applying))
            outcomes = await process_batch(pool, settings.projector_group, records, applying.apply,
                                           handle_batch=functools.partial(applying.apply_batch, read=read),
                                           attempts=settings.projector_attempts, parsed=envelopes)  # fmt: skip
            applied += outcomes.count(Outcome.APPLIED)
            bar.update(len(records))
    finally:
        fetching.cancel()  # a replay that failed leaves no fetch behind (the rebuild starts again from scratch)


PARSED_AT_ONCE = 200  # records parsed between two looks at the batch being applied


async def _fetch(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int],
                 applying: Projection) -> tuple[list, list | None, dict]:  # fmt: skip
    """The next batch's records, their envelopes (None if one cannot be parsed) and events (`Projection.read`), parsed
    a few at a time: the batch being applied goes on in between, as soon as Postgres answers, and Python parses while
    Postgres writes."""
    batches = await consumer.getmany(*end, timeout_ms=200, max_records=BATCH_RECORDS)
    records = [record for partition in batches.values() for record in partition]
    envelopes: list = []
    read: dict = {}
    for start in range(0, len(records), PARSED_AT_ONCE):
        await asyncio.sleep(0)
        parsed = parsed_records(records[start : start + PARSED_AT_ONCE])
        if parsed is None:
            return records, None, {}
        envelopes += parsed
        await asyncio.sleep(0)
        read |= applying.read(parsed)
    return records, envelopes, read


async def _behind(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return True
    return False


async def _drop_read_only_indexes(conn: asyncpg.Connection, shadow: str) -> list[str]:
    """Drop the indexes no handler reads (kept up row by row they cost the replay more than one build at the end);
    returns the statements that build them again."""
    rows = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1"
                            " AND indexname = ANY($2::text[])", shadow, list(READ_ONLY_INDEXES))  # fmt: skip
    for row in rows:
        await conn.execute(f'DROP INDEX "{shadow}"."{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


# Append-only tables only read through their indexes to the rows: analysed, not vacuumed (a pass over all of them).
NOT_VACUUMED = ("audit_history", "processed_events")
KPI_TABLES = "kpi_"  # the KPI write's tables (and the desks and FTE, written by the replay), made ready after it
VACUUMED_AGAIN = 2  # at most, times a read model not yet all marked visible to all is vacuumed again


async def _tables(conn: asyncpg.Connection, schema: str) -> list[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    return [row["tablename"] for row in rows]


async def _without_autovacuum(conn: asyncpg.Connection, shadow: str) -> None:
    """Autovacuum left off the shadow's tables while the replay fills them: it would analyse tables still growing,
    and its snapshot would keep the final vacuum from marking the KPI rows visible to all (reads then visit the heap,
    a page per row). `_ready_to_serve` vacuums each table once, then hands them back to autovacuum."""
    for name in await _tables(conn, shadow):
        await conn.execute(f'ALTER TABLE "{shadow}"."{name}" SET (autovacuum_enabled = false)')


async def _ready_to_serve(conn: asyncpg.Connection, shadow: str, tables: list[str],
                          indexes: Sequence[str] = ()) -> None:  # fmt: skip
    """The deferred indexes built, and the tables' statistics taken: the first reads after the swap would otherwise be
    planned blind. The read models are vacuumed too, so that reads answered from an index alone (a KPI's series, the
    devices counted) need not visit the rows."""
    for statement in indexes:
        await conn.execute(statement)
    for name in tables:
        await conn.execute(f'{"ANALYZE" if name in NOT_VACUUMED else "VACUUM (ANALYZE)"} "{shadow}"."{name}"')
    for _ in range(VACUUMED_AGAIN):
        # A snapshot some other session held meanwhile (an analyse elsewhere in the database) keeps the rows written
        # after it began from being marked visible to all: those tables are vacuumed again, skipping what is marked.
        behind = await conn.fetch(_NOT_ALL_VISIBLE, shadow, [n for n in tables if n not in NOT_VACUUMED])
        for row in behind:
            await conn.execute(f'VACUUM "{shadow}"."{row["relname"]}"')
    for name in tables:
        await conn.execute(f'ALTER TABLE "{shadow}"."{name}" RESET (autovacuum_enabled)')


async def _written_and_ready(conn: asyncpg.Connection, shadow: str, devices: DevicesInMemory, tables: list[str],
                             indexes: list[str]) -> None:  # fmt: skip
    await devices.write(conn)
    await _ready_to_serve(conn, shadow, tables, indexes)


_NOT_ALL_VISIBLE = """SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relname = ANY($2::text[])
    AND relallvisible < relpages"""


async def _swap(conn: asyncpg.Connection, settings: Settings, shadow: str) -> None:
    live = settings.projection
    async with conn.transaction():
        await conn.execute(f'DROP SCHEMA IF EXISTS "{live}_retired" CASCADE')
        await conn.execute(f'ALTER SCHEMA "{live}" RENAME TO "{live}_retired"')
        await conn.execute(f'ALTER SCHEMA "{shadow}" RENAME TO "{live}"')
        await conn.execute(f'DROP SCHEMA "{live}_retired" CASCADE')  # and the reporting views over it
        # The reporting views, made again over the new projection in the same transaction: BI tools never miss them.
        if await conn.fetchval("SELECT to_regnamespace($1) IS NOT NULL", settings.reporting_schema):
            await reporting.install(conn, reporting.Schemas(settings.reporting_schema, live, settings.schema))


async def rebuild(settings: Settings, *, show_progress: bool = True) -> int:
    """Replay every topic into a fresh copy of the projection and swap it in; returns events applied."""
    live, shadow = settings.projection, f"{settings.projection}_rebuild"
    live_pool = await create_pool(settings.database_url, live, min_size=1, max_size=2)
    shadow_pool = await create_pool(settings.database_url, shadow, min_size=1, max_size=4)
    consumer = kafka.consumer(settings, None)
    try:
        await migrate_pool(live_pool, live, PROJECTION_MIGRATIONS)
        async with shadow_pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{shadow}" CASCADE')
        await migrate_pool(shadow_pool, shadow, PROJECTION_MIGRATIONS)
        async with shadow_pool.acquire() as conn:
            await _without_autovacuum(conn, shadow)
        partitions = await _partitions(consumer, kafka.all_topics(settings))
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        with heap.bulk():
            return await _replay_and_swap(consumer, live_pool, shadow_pool, settings, partitions, show_progress)
    finally:
        await consumer.stop()
        await shadow_pool.close()
        await live_pool.close()


async def _replay_and_swap(consumer, live_pool, shadow_pool, settings, partitions, show_progress) -> int:
    live, shadow = settings.projection, f"{settings.projection}_rebuild"
    end = await consumer.end_offsets(partitions)
    start = await consumer.beginning_offsets(partitions)
    with tqdm(total=sum(end[tp] - start[tp] for tp in partitions), desc="replaying", unit="event",
              disable=not show_progress, file=sys.stderr) as bar:
        async with shadow_pool.acquire() as conn:
            deferred = await _drop_read_only_indexes(conn, shadow)
        # The bulk of the replay keeps the KPI facts and the device histories in memory, written once it is done.
        kpis, devices = KpisInMemory(), DevicesInMemory()
        bulk = projection.replaced({keep_kpis: kpis.keep_kpis, keep_device_history: devices.keep_device_history,
                                    record_in_audit_history: copy_into_audit_history})  # fmt: skip
        applied = await _replay_until(consumer, shadow_pool, settings, end, bar, bulk)
        async with shadow_pool.acquire() as conn, shadow_pool.acquire() as beside:
            tables = await _tables(conn, shadow)
            kpi_tables = [name for name in tables if name.startswith(KPI_TABLES)]
            # The other tables made ready on a connection of their own while the KPIs are written (Postgres has a
            # core to spare while Python computes the series).
            others = [name for name in tables if name not in kpi_tables]
            async with asyncio.TaskGroup() as both:  # one failing stops the other: neither connection is left busy
                both.create_task(kpis.write(conn))
                both.create_task(_written_and_ready(beside, shadow, devices, others, deferred))
            await _ready_to_serve(conn, shadow, kpi_tables)
        async with live_pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock(hashtext($1))", swap_lock(live))
            try:
                end = await consumer.end_offsets(partitions)
                bar.total = sum(end[tp] - start[tp] for tp in partitions)
                applied += await _replay_until(consumer, shadow_pool, settings, end, bar)
                await _swap(conn, settings, shadow)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", swap_lock(live))
    log.info("projection_rebuilt", schema=live, applied=applied)
    return applied


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m metrics.rebuild", description=__doc__.splitlines()[0],
                                     epilog="Settings come from the environment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS,"
                                            " PROJECTION_SCHEMA, ...).")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("metrics.rebuild", settings.log_level, as_json=settings.log_json)
    heap.settle()  # a replay makes millions of short-lived objects, and keeps the KPI facts in memory
    applied = asyncio.run(rebuild(settings, show_progress=not args.no_progress))
    print(f"rebuilt {settings.projection} from {applied} events")


if __name__ == "__main__":
    main()
