"""The event store against real Postgres: optimistic concurrency, ordered loads, upcasting, idempotency keys."""

import asyncio
from uuid import uuid4

import pytest

from events import store
from events.db import STORE_MIGRATIONS, create_pool, migrate, migrate_pool
from events.envelope import Context
from events.idempotency import IdempotencyKeyReused, Outcome, fingerprint, run_once
from support.builders import opened

CTX = Context(tenant="ottawa", actor="alice", correlation_id="c-1")


@pytest.fixture
async def pool(stack, db, namespace):
    schema = f"{namespace}_store"
    pool = await create_pool(stack.database_url, schema)
    await migrate_pool(pool, schema, {"events.store": STORE_MIGRATIONS})
    yield pool
    await pool.close()


async def test_two_concurrent_appends_at_the_same_version_exactly_one_wins(pool):
    async def attempt(subject):
        async with pool.acquire() as conn:
            return await store.append(conn, "ticket-1", 0, [opened(subject=subject)], CTX)

    results = await asyncio.gather(attempt("first"), attempt("second"), return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], store.ConcurrencyError)
    async with pool.acquire() as conn:
        assert [r.envelope.streamversion for r in await store.load(conn, "ticket-1")] == [1]


async def test_a_stream_loads_in_order_with_every_event_of_one_append(pool):
    async with pool.acquire() as conn:
        await store.append(conn, "s", 0, [opened(subject="a"), opened(subject="b")], CTX)
        await store.append(conn, "s", 2, [opened(subject="c")], CTX)
        loaded = await store.load(conn, "s")
    assert [(r.envelope.streamversion, r.event.subject) for r in loaded] == [(1, "a"), (2, "b"), (3, "c")]
    assert {r.envelope.tenant for r in loaded} == {"ottawa"}


async def test_an_append_behind_the_stream_is_refused_and_writes_nothing(pool):
    async with pool.acquire() as conn:
        await store.append(conn, "s", 0, [opened(), opened()], CTX)
        with pytest.raises(store.ConcurrencyError):
            await store.append(conn, "s", 1, [opened(subject="late"), opened(subject="later")], CTX)
        assert len(await store.load(conn, "s")) == 2


async def test_a_stored_v1_event_is_loaded_as_its_current_version(pool):
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, tenant, occurred_at,"
            " recorded_at, envelope) VALUES ($1, 'caller', 1, 'testing.caller_named', 1, 't', now(), now(), $2)",
            uuid4(), _v1_envelope(),
        )
        [recorded] = await store.load(conn, "caller")
    assert (recorded.event.given, recorded.event.family) == ("Ada", "Lovelace")


def _v1_envelope() -> dict:
    return {"specversion": "1.0", "id": str(uuid4()), "source": "/testing", "type": "testing.caller_named",
            "subject": "caller", "time": "2026-01-05T10:00:00Z", "datacontenttype": "application/json",
            "dataschema": "urn:helpdesk:schema:testing.caller_named:v1", "data": {"name": "Ada Lovelace"},
            "streamversion": 1, "recordedtime": "2026-01-05T10:00:00Z", "tenant": "t", "actor": "a",
            "correlationid": "c", "causationid": None, "schemaversion": 1}


async def test_a_replayed_idempotency_key_returns_the_first_result_and_appends_nothing(pool):
    calls = []

    async def command(conn):
        calls.append(1)
        envelopes = await store.append(conn, f"s-{len(calls)}", 0, [opened()], CTX)
        return Outcome(201, {"id": envelopes[0].subject})

    request = fingerprint("POST", "/tickets", {"subject": "x"})
    answers = await asyncio.gather(*[run_once(pool, "ottawa", "key-1", request, command) for _ in range(4)])
    assert len({a.body["id"] for a in answers}) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == 1


async def test_an_idempotency_key_reused_for_another_request_is_refused(pool):
    async def command(conn):
        return Outcome(201, {})

    await run_once(pool, "ottawa", "key-2", fingerprint("POST", "/tickets", {"a": 1}), command)
    with pytest.raises(IdempotencyKeyReused):
        await run_once(pool, "ottawa", "key-2", fingerprint("POST", "/tickets", {"a": 2}), command)


async def test_migrations_apply_once_each_even_when_replicas_start_together(stack, db, namespace):
    schema = f"{namespace}_migrations"
    pools = [await create_pool(stack.database_url, schema, min_size=1, max_size=1) for _ in range(3)]

    async def run(p):
        async with p.acquire() as conn:
            return await migrate(conn, schema, {"events.store": STORE_MIGRATIONS})

    applied = await asyncio.gather(*[run(p) for p in pools])
    scripts = len([s for s in STORE_MIGRATIONS.iterdir() if s.name.endswith(".sql")])
    assert sorted(map(len, applied)) == [0, 0, scripts]  # one replica applied them all, the others none
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".schema_migrations') == scripts
    for p in pools:
        await p.close()
