"""Re-filling a topic from the event store: a broker that forgot everything gets every event again, in order."""

import pytest

from events import kafka, store
from events.db import STORE_MIGRATIONS, create_pool, migrate_pool
from events.envelope import Context, Envelope
from events.relay import run_relay
from events.republish import republish
from events.tasks import Status
from support.apps import eventually, running
from support.builders import RelaySettings, opened
from support.kafka import read_topic

CTX = Context(tenant="ottawa", actor="alice", correlation_id="c-1")


@pytest.fixture
async def pool(settings_for, db):
    settings = settings_for(RelaySettings)
    pool = await create_pool(settings.database_url, settings.schema)
    await migrate_pool(pool, settings.schema, {"events.store": STORE_MIGRATIONS})
    yield pool
    await pool.close()


async def test_republished_events_reach_an_empty_topic_again_in_stream_order(pool, settings_for, namespace):
    async with pool.acquire() as conn:
        for version in range(3):
            await store.append(conn, "ticket-1", version, [opened(subject=f"v{version + 1}")], CTX)
        await conn.execute("UPDATE events SET published_at = now()")  # as if relayed to a broker since lost
        assert await republish(conn, from_position=2) == 2
    # A fresh topic prefix stands for the broker that came back empty.
    fresh = settings_for(RelaySettings, kafka_topic_prefix=f"{namespace}.fresh.")
    await kafka.ensure_topics(fresh, [fresh.topic("tickets")])
    async with running(run_relay(pool, fresh, Status())):
        await eventually(lambda: _all_published(pool))
    records = await read_topic(fresh, fresh.topic("tickets"), 2)
    assert [Envelope.from_json(r.value).streamversion for r in records] == [2, 3]


async def _all_published(pool) -> bool:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL") == 0
