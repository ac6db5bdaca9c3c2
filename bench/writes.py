"""Single-event write transactions: events.store.append, a plain INSERT ceiling, and the eventsourcing library."""

import time
from collections.abc import Awaitable, Callable
from uuid import uuid4

import asyncpg

from bench.measure import CpuMeter, Result, Timing, run_async
from bench.stack import drop_schema, fresh_schema
from events import db, store
from events.contracts.tickets import Level, Priority, TicketOpened
from events.envelope import Context, utcnow, wrap

TENANT = "bench"
ACTOR = "bench-user"

# The one event every write benchmark stores: a ticket opened, in the suite's CloudEvents envelope.


def ticket_opened() -> TicketOpened:
    return TicketOpened(
        ticket_id=uuid4(), requester_id=ACTOR, subject="Printer jam",
        description="Tray 2 on the 3rd floor jams on every duplex job.", category="hardware",
        impact=Level.LOW, urgency=Level.HIGH, priority=Priority.P3, at=utcnow(),
    )  # fmt: skip


def context() -> Context:
    return Context(tenant=TENANT, actor=ACTOR, correlation_id=uuid4().hex)


def envelope_json() -> dict:
    """The stored envelope of one event, as the plain-INSERT ceiling writes it."""
    return wrap(ticket_opened(), stream_id=str(uuid4()), stream_version=1, ctx=context()).document()


# events.store.append and the plain INSERT, each on a fresh schema and a pool of one connection per writer.

Op = Callable[[int], Awaitable[object]]

_PLAIN_TABLE = "CREATE TABLE plain_events (id bigserial PRIMARY KEY, stream_id text NOT NULL, payload jsonb NOT NULL)"
_PLAIN_INSERT = "INSERT INTO plain_events (stream_id, payload) VALUES ($1, $2)"


def _store_op(pool: asyncpg.Pool) -> Op:
    event, ctx = ticket_opened(), context()

    async def op(_: int) -> None:
        async with pool.acquire() as conn:
            await store.append(conn, str(uuid4()), 0, [event], ctx)

    return op


def _plain_op(pool: asyncpg.Pool) -> Op:
    payload = envelope_json()

    async def op(_: int) -> None:
        async with pool.acquire() as conn:
            await conn.execute(_PLAIN_INSERT, str(uuid4()), payload)

    return op


async def _setup_store(pool: asyncpg.Pool, schema: str) -> None:
    await db.migrate_pool(pool, schema, {"events.store": db.STORE_MIGRATIONS})


async def _setup_plain(pool: asyncpg.Pool, schema: str) -> None:
    await pool.execute(_PLAIN_TABLE)


_ASYNC_KINDS: dict[str, tuple[Callable[[asyncpg.Pool, str], Awaitable[None]], Callable[[asyncpg.Pool], Op]]] = {
    "store": (_setup_store, _store_op),
    "plain": (_setup_plain, _plain_op),
}
KINDS = [*_ASYNC_KINDS, "es"]


async def measure_async(kind: str, dsn: str, writers: int, timing: Timing, meter: CpuMeter) -> Result:
    """`writers` concurrent single-event transactions on a fresh schema and a pool of `writers` connections."""
    setup, make_op = _ASYNC_KINDS[kind]
    schema = f"bench_{kind}_{writers}"
    await fresh_schema(dsn, schema)
    pool = await db.create_pool(dsn, schema, min_size=writers, max_size=writers)
    try:
        await setup(pool, schema)
        return await run_async(make_op(pool), writers, timing, meter)
    finally:
        await pool.close()
        await drop_schema(dsn, schema)


class _NoDatabase:
    """Stands in for the connection, so that only store.append's own Python work is timed."""

    async def execute(self, statement: str, *args: object) -> str:
        return "INSERT 0 1"


async def append_python_micros(calls: int = 2000) -> float:
    """CPU µs per store.append spent before the database (wrapping the event, building the row), database stubbed."""
    conn, event, ctx = _NoDatabase(), ticket_opened(), context()
    started = time.process_time()
    for _ in range(calls):
        await store.append(conn, str(uuid4()), 0, [event], ctx)  # type: ignore[arg-type]
    return (time.process_time() - started) / calls * 1e6
