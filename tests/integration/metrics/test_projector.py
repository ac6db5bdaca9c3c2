"""The metrics projector against the real broker: duplicates change nothing, poison records are parked."""

from datetime import UTC, datetime

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY

from devstack import free_port
from events import kafka
from events.consumer import Outcome, process_batch
from events.db import create_pool, migrate
from events.envelope import Context, Envelope, wrap
from metrics.projections import PROJECTION_MIGRATIONS, projection
from metrics.projector import run_projector
from metrics.settings import Settings
from support.apps import eventually, running
from support.builders import opened
from support.kafka import publish_raw
from support.records import record_of


@pytest.fixture
async def projector_settings(settings_for, db):
    settings = settings_for(Settings, projector_attempts=2)
    await kafka.ensure_topics(settings, kafka.all_topics(settings))
    await migrate(db, settings.projection, PROJECTION_MIGRATIONS)  # so the test can read before the projector starts
    return settings


def ticket_opened_json(tenant: str, stream: str, when: datetime) -> bytes:
    ctx = Context(tenant=tenant, actor="alice", correlation_id="corr-1", recorded_at=when)
    return orjson.dumps(wrap(opened(at=when), stream_id=stream, stream_version=1, ctx=ctx).document())


async def count_on(db, settings, tenant: str, day: str) -> int | None:
    return await db.fetchval(
        f'SELECT tickets_opened FROM "{settings.projection}".tickets_opened_daily WHERE tenant = $1 AND day = $2',
        tenant, datetime.fromisoformat(day).date(),
    )


async def test_one_record_delivered_twice_is_counted_once(projector_settings, db, tokens):
    settings, tenant = projector_settings, tokens.tenant
    record = ticket_opened_json(tenant, "ticket-a", datetime(2026, 3, 2, 15, tzinfo=UTC))
    later = ticket_opened_json(tenant, "ticket-b", datetime(2026, 3, 2, 16, tzinfo=UTC))
    await publish_raw(settings, settings.topic("tickets"), record, record, later, key=b"ticket-a")
    async with running(run_projector(settings)):
        assert await eventually(lambda: count_on(db, settings, tenant, "2026-03-02")) >= 1
        await eventually(lambda: _audit_rows(db, settings, tenant, 2))
    assert await count_on(db, settings, tenant, "2026-03-02") == 2


async def _audit_rows(db, settings, tenant, expected) -> bool:
    query = f'SELECT count(*) FROM "{settings.projection}".audit_history WHERE tenant = $1'
    return await db.fetchval(query, tenant) == expected


async def test_a_poison_record_is_dead_lettered_and_the_next_one_processed(projector_settings, db, tokens):
    settings, tenant = projector_settings, tokens.tenant
    good = ticket_opened_json(tenant, "ticket-c", datetime(2026, 3, 3, 9, tzinfo=UTC))
    await publish_raw(settings, settings.topic("assets"), b'{"not": "a cloud event"', good, key=b"x")
    async with running(run_projector(settings)):
        assert await eventually(lambda: count_on(db, settings, tenant, "2026-03-03")) == 1
    parked = await db.fetch(f'SELECT topic, record_value, error, attempts FROM "{settings.projection}".dead_letters')
    assert [(r["topic"], r["record_value"], r["attempts"]) for r in parked] == [
        (settings.topic("assets"), '{"not": "a cloud event"', 2)]
    assert "validation error" in parked[0]["error"].lower()


async def test_the_projector_answers_health_readiness_and_metrics_on_its_own_port(settings_for, db):
    settings = settings_for(Settings, worker_port=free_port(19000))
    url = f"http://127.0.0.1:{settings.worker_port}"
    async with running(run_projector(settings)), httpx.AsyncClient(base_url=url) as client:

        async def consuming() -> bool:
            try:
                ready = await client.get("/readyz")
            except httpx.TransportError:  # not listening yet
                return False
            return ready.status_code == 200 and ready.json()[settings.projector_group]["running"]

        assert await eventually(consuming, within=15)
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert "consumer_records" in (await client.get("/metrics")).text

        async def lag_shown() -> bool:
            return f'consumer_lag{{group="{settings.projector_group}"' in (await client.get("/metrics")).text

        assert await eventually(lag_shown, within=15)


async def test_a_record_that_fails_inside_a_batch_is_dead_lettered_alone_and_the_rest_of_the_batch_lands(
        projector_settings, db, tokens):
    settings, tenant = projector_settings, tokens.tenant
    before = ticket_opened_json(tenant, "ticket-d", datetime(2026, 3, 4, 9, tzinfo=UTC))
    broken = orjson.loads(ticket_opened_json(tenant, "ticket-e", datetime(2026, 3, 4, 10, tzinfo=UTC)))
    del broken["data"]["subject"]  # a well-formed envelope whose event cannot be read: it fails in its handler
    after = ticket_opened_json(tenant, "ticket-f", datetime(2026, 3, 4, 11, tzinfo=UTC))
    await publish_raw(settings, settings.topic("tickets"), before, orjson.dumps(broken), after, key=b"ticket-d")
    async with running(run_projector(settings)):
        assert await eventually(lambda: _dead_letters(db, settings)) == 1
        await eventually(lambda: _audit_rows(db, settings, tenant, 2))
    assert await count_on(db, settings, tenant, "2026-03-04") == 2


async def _dead_letters(db, settings) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{settings.projection}".dead_letters')


async def test_good_records_are_applied_as_one_batch_not_one_by_one(projector_settings, tokens):
    settings, group = projector_settings, "test.batches"
    envelopes = [orjson.loads(ticket_opened_json(tokens.tenant, f"ticket-{n}", datetime(2026, 3, 5, 9, n, tzinfo=UTC)))
                 for n in range(3)]
    records = [record_of(Envelope.from_document(document), settings.topic("tickets")) for document in envelopes]
    pool = await create_pool(settings.database_url, settings.projection, min_size=1, max_size=2)
    try:
        outcomes = await process_batch(pool, group, records, projection.apply, handle_batch=projection.apply_batch)
    finally:
        await pool.close()
    assert outcomes == [Outcome.APPLIED] * 3
    assert REGISTRY.get_sample_value("consumer_batches_total", {"group": group, "how": "whole"}) == 1
    assert REGISTRY.get_sample_value("consumer_batches_total", {"group": group, "how": "one_by_one"}) is None


async def test_a_batch_applies_each_event_once_whether_repeated_within_it_or_seen_in_an_earlier_batch(
        projector_settings, db, tokens):
    settings, group, topic = projector_settings, "test.dedupe", projector_settings.topic("tickets")
    a, b, c, d = (Envelope.from_json(ticket_opened_json(tokens.tenant, f"ticket-{n}", datetime(2026, 3, 6, 9, n,
                                                                                               tzinfo=UTC)))
                  for n in range(4))  # fmt: skip
    pool = await create_pool(settings.database_url, settings.projection, min_size=1, max_size=2)
    try:
        async def batch(*envelopes: Envelope) -> list[Outcome]:
            records = [record_of(envelope, topic) for envelope in envelopes]
            return await process_batch(pool, group, records, projection.apply, handle_batch=projection.apply_batch)

        assert await batch(a, b) == [Outcome.APPLIED] * 2  # all new
        assert await batch(c, a, c) == [Outcome.APPLIED, Outcome.DUPLICATE, Outcome.DUPLICATE]
        assert await batch(d, b) == [Outcome.APPLIED, Outcome.DUPLICATE]
    finally:
        await pool.close()
    assert await _audit_rows(db, settings, tokens.tenant, 4)
    assert await count_on(db, settings, tokens.tenant, "2026-03-06") == 4
