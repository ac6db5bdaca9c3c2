"""The outbox relay against real Postgres and the real broker: order per stream, keys, one relay at a time,
and an event the broker refuses for good parked while the others go on."""

import asyncio
from collections import defaultdict

import pytest
from prometheus_client import REGISTRY

from events import kafka, store
from events.db import STORE_MIGRATIONS, create_pool, lock_key, migrate_pool
from events.envelope import Context, Envelope
from events.relay import publish_batch, run_relay
from events.republish import unpark
from events.tasks import Status
from support.apps import eventually, running
from support.builders import RelaySettings, opened
from support.kafka import read_topic

CTX = Context(tenant="ottawa", actor="alice", correlation_id="c-1")


@pytest.fixture
async def relay_setup(settings_for, db):
    settings = settings_for(RelaySettings, relay_batch_size=7)
    pool = await create_pool(settings.database_url, settings.schema)
    await migrate_pool(pool, settings.schema, {"events.store": STORE_MIGRATIONS})
    await kafka.ensure_topics(settings, [settings.topic("tickets")])
    yield settings, pool
    await pool.close()


async def append_streams(pool, streams: int, events: int) -> None:
    async with pool.acquire() as conn:
        for version in range(events):
            for stream in range(streams):
                await store.append(conn, f"stream-{stream}", version, [opened(subject=f"{stream}/{version}")], CTX)


async def unpublished(pool) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL")


async def test_the_relay_publishes_every_event_in_stream_order_keyed_by_stream(relay_setup):
    settings, pool = relay_setup
    await append_streams(pool, streams=4, events=6)
    async with running(run_relay(pool, settings, Status())):
        await eventually(lambda: _none_left(pool))
    records = await read_topic(settings, settings.topic("tickets"), 24)
    versions = defaultdict(list)
    for record in records:
        envelope = Envelope.from_json(record.value)
        assert record.key.decode() == envelope.subject
        assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
        versions[envelope.subject].append(envelope.streamversion)
    assert dict(versions) == {f"stream-{s}": [1, 2, 3, 4, 5, 6] for s in range(4)}


async def _none_left(pool) -> bool:
    return await unpublished(pool) == 0


async def test_a_second_relay_publishes_nothing_while_the_first_holds_the_lock(relay_setup):
    settings, pool = relay_setup
    await append_streams(pool, streams=1, events=3)
    producer = kafka.producer(settings)
    await producer.start()
    try:
        async with pool.acquire() as holder, holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock(hashtext($1))", lock_key("relay", settings.schema))
            async with pool.acquire() as conn:
                assert await publish_batch(conn, producer, settings.topic("tickets"), settings.schema, 100) == 0
        assert await unpublished(pool) == 3
    finally:
        await producer.stop()


async def test_two_relays_running_together_publish_each_event_once(relay_setup):
    settings, pool = relay_setup
    await append_streams(pool, streams=10, events=10)
    async with running(run_relay(pool, settings, Status())), running(run_relay(pool, settings, Status())):
        await eventually(lambda: _none_left(pool), within=15)
    records = await read_topic(settings, settings.topic("tickets"), 101, within=3)
    ids = [Envelope.from_json(r.value).id for r in records]
    assert len(ids) == 100 and len(set(ids)) == 100


async def test_while_the_broker_is_unreachable_events_wait_in_the_store(relay_setup):
    settings, pool = relay_setup
    unreachable = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    status = Status()
    await append_streams(pool, streams=2, events=2)
    async with running(run_relay(pool, unreachable, status)):
        await eventually(lambda: asyncio.sleep(0, result=status.last_error))
    assert await unpublished(pool) == 4


async def test_an_event_the_broker_refuses_for_good_is_parked_and_the_events_after_it_are_published(relay_setup):
    settings, pool = relay_setup
    # The producer's limit stands for the broker's: this event is stored (under the store's bound) but unsendable.
    small_producer = settings.model_copy(update={"kafka_max_request_size": 20_000})
    async with pool.acquire() as conn:
        await store.append(conn, "stream-0", 0, [opened(subject="before")], CTX)
        await store.append(conn, "stream-big", 0, [opened(description="x" * 40_000)], CTX)
        await store.append(conn, "stream-big", 1, [opened(subject="same stream, after")], CTX)
        await store.append(conn, "stream-0", 1, [opened(subject="after")], CTX)
    parked_before = _parked_count(settings)

    async with running(run_relay(pool, small_producer, Status())):
        await eventually(lambda: _nothing_waiting(pool))
        records = await read_topic(settings, settings.topic("tickets"), 3)

    assert sorted(Envelope.from_json(r.value).event().subject for r in records) == [
        "after", "before", "same stream, after"]
    async with pool.acquire() as conn:
        parked = await conn.fetch("SELECT stream_id, park_reason FROM events WHERE parked_at IS NOT NULL")
        waiting = await conn.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL AND parked_at IS NULL")
    assert [(r["stream_id"], r["park_reason"].split(":")[0]) for r in parked] == [
        ("stream-big", "MessageSizeTooLargeError")]
    assert waiting == 0  # nothing stuck behind the parked event
    assert _parked_count(settings) == parked_before + 1


async def test_a_parked_event_unparked_is_published_once_the_broker_takes_it(relay_setup):
    settings, pool = relay_setup
    small_producer = settings.model_copy(update={"kafka_max_request_size": 20_000})
    async with pool.acquire() as conn:
        await store.append(conn, "stream-big", 0, [opened(description="x" * 40_000)], CTX)
    async with running(run_relay(pool, small_producer, Status())):
        await eventually(lambda: _nothing_waiting(pool))
    async with pool.acquire() as conn:
        assert await unpark(conn) == 1

    async with running(run_relay(pool, settings, Status())):
        await eventually(lambda: _none_left(pool))

    [record] = await read_topic(settings, settings.topic("tickets"), 1)
    assert len(Envelope.from_json(record.value).event().description) == 40_000


def _parked_count(settings) -> float:
    labels = {"topic": settings.topic("tickets"), "error": "MessageSizeTooLargeError"}
    return REGISTRY.get_sample_value("relay_events_parked_total", labels) or 0.0


async def _nothing_waiting(pool) -> bool:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL AND parked_at IS NULL") == 0

