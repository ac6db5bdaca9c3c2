"""Single-event write transactions: events.store.append, the same SQL pre-built, and a plain INSERT ceiling."""

import time
from collections.abc import Awaitable, Callable
from uuid import uuid4

import asyncpg

from bench import workload
from bench.cpu import CpuMeter
from bench.measure import Result, Timing, run_async
from events import db, store

Op = Callable[[int], Awaitable[object]]

_PLAIN_TABLE = "CREATE TABLE plain_events (id bigserial PRIMARY KEY, stream_id text NOT NULL, payload jsonb NOT NULL)"
_PLAIN_INSERT = "INSERT INTO plain_events (stream_id, payload) VALUES ($1, $2)"


async def _fresh_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()


async def _drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def _store_op(pool: asyncpg.Pool) -> Op:
    event = workload.ticket_opened()

    async def op(_: int) -> None:
        async with pool.acquire() as conn:
            await store.append(conn, str(uuid4()), 0, [event], workload.context())

    return op


def _store_sql_op(pool: asyncpg.Pool) -> Op:
    """The store's INSERT with columns built once: the SQL and index cost without the Python envelope work."""
    statement, sample = workload.append_sample()

    async def op(_: int) -> None:
        args = [uuid4(), str(uuid4()), *sample[2:]]  # fresh event id and stream, or the constraints trip
        async with pool.acquire() as conn:
            await conn.execute(statement, *args)

    return op


def _plain_op(pool: asyncpg.Pool) -> Op:
    payload = workload.envelope_json()

    async def op(_: int) -> None:
        async with pool.acquire() as conn:
            await conn.execute(_PLAIN_INSERT, str(uuid4()), payload)

    return op


async def _setup_store(pool: asyncpg.Pool, schema: str) -> None:
    await db.migrate_pool(pool, schema, {"events.store": db.STORE_MIGRATIONS})


async def _setup_plain(pool: asyncpg.Pool, schema: str) -> None:
    await pool.execute(_PLAIN_TABLE)


KINDS: dict[str, tuple[Callable[[asyncpg.Pool, str], Awaitable[None]], Callable[[asyncpg.Pool], Op]]] = {
    "store": (_setup_store, _store_op),
    "store_sql": (_setup_store, _store_sql_op),
    "plain": (_setup_plain, _plain_op),
}


async def measure(kind: str, dsn: str, writers: int, timing: Timing, meter: CpuMeter) -> Result:
    """`writers` concurrent single-event transactions on a fresh schema and a pool of `writers` connections."""
    setup, make_op = KINDS[kind]
    schema = f"bench_{kind}_{writers}"
    await _fresh_schema(dsn, schema)
    pool = await db.create_pool(dsn, schema, min_size=writers, max_size=writers)
    try:
        await setup(pool, schema)
        return await run_async(make_op(pool), writers, timing, meter)
    finally:
        await pool.close()
        await _drop_schema(dsn, schema)


def envelope_cpu_micros(calls: int = 2000) -> float:
    """Python time per store.append spent before the database: wrapping the event and building the columns."""
    event, ctx = workload.ticket_opened(), workload.context()
    started = time.process_time()
    for _ in range(calls):
        store._insert(store.envelopes_for(str(uuid4()), 0, [event], ctx))
    return (time.process_time() - started) / calls * 1e6

