"""The projector against faults: a database outage is waited out, and whatever a topic carries is either
projected or dead-lettered as it came, while the records after it go on."""

import asyncio
from datetime import UTC, datetime

import orjson
import pytest

from events import kafka
from events.db import migrate
from events.envelope import Context, wrap
from metrics.projections import PROJECTION_MIGRATIONS
from metrics.projector import run_projector
from metrics.settings import Settings
from support.apps import eventually, running
from support.builders import opened
from support.kafka import publish_raw
from support.proxy import proxied

OUTAGE_SECONDS = 5


@pytest.fixture
async def projector_settings(settings_for, db):
    settings = settings_for(Settings, projector_attempts=2)
    await kafka.ensure_topics(settings, kafka.all_topics(settings))
    await migrate(db, settings.projection, PROJECTION_MIGRATIONS)  # so the test can read before the projector starts
    return settings


def ticket_opened(tenant: str, stream: str, day: int, **fields) -> bytes:
    when = datetime(2026, 4, day, 10, tzinfo=UTC)
    ctx = Context(tenant=tenant, actor="alice", correlation_id="corr-1", recorded_at=when)
    return orjson.dumps(wrap(opened(at=when, **fields), stream_id=stream, stream_version=1, ctx=ctx).document())


async def opened_on(db, settings, tenant: str, day: int) -> int:
    return await db.fetchval(
        f'SELECT coalesce(sum(tickets_opened), 0) FROM "{settings.projection}".tickets_opened_daily'
        " WHERE tenant = $1 AND day = $2", tenant, datetime(2026, 4, day).date())


async def dead_letters(db, settings) -> list:
    return await db.fetch(f'SELECT record_key, record_value, raw_key, raw_value, error FROM "{settings.projection}"'
                          ".dead_letters ORDER BY raw_value")


@pytest.mark.timeout(90)
async def test_the_projector_waits_out_a_five_second_database_outage_and_loses_nothing(projector_settings, db, tokens):
    tenant, topic = tokens.tenant, projector_settings.topic("tickets")
    async with proxied(projector_settings.database_url) as (proxy, through_proxy):
        settings = projector_settings.model_copy(update={"database_url": through_proxy})
        async with running(run_projector(settings)) as projector:
            await publish_raw(settings, topic, ticket_opened(tenant, "ticket-1", 1), key=b"ticket-1")
            assert await eventually(lambda: opened_on(db, settings, tenant, 1), within=20) == 1

            await proxy.cut()
            await publish_raw(settings, topic, ticket_opened(tenant, "ticket-2", 2), key=b"ticket-2")
            await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: nothing to wait for but time
            assert not projector.done()
            await proxy.restore()

            assert await eventually(lambda: opened_on(db, settings, tenant, 2), within=30) == 1
            assert not projector.done()
    assert await dead_letters(db, projector_settings) == []


@pytest.mark.timeout(60)
async def test_records_with_a_nul_or_that_cannot_be_parsed_are_dead_lettered_as_they_came_and_the_next_projected(
    projector_settings, db, tokens
):
    settings, tenant, topic = projector_settings, tokens.tenant, projector_settings.topic("tickets")
    nul_in_json = b'{"id": "\x00", "not": "a cloud event"}'
    nul_escaped = ticket_opened(tenant, "ticket-\x00", 3, subject="jam\x00")  # parses; Postgres takes no NUL
    not_utf8 = b"\xff\xfe\x00 binary"
    for key, value in ((b"k\x00ey", nul_in_json), (b"ticket-nul", nul_escaped), (b"bin", not_utf8)):
        await publish_raw(settings, topic, value, key=key)
    await publish_raw(settings, topic, ticket_opened(tenant, "ticket-4", 4), key=b"ticket-4")

    async with running(run_projector(settings)) as projector:
        assert await eventually(lambda: opened_on(db, settings, tenant, 4), within=20) == 1
        assert await eventually(lambda: _count(dead_letters(db, settings), 3), within=20)
        assert not projector.done()

    parked = await dead_letters(db, settings)
    assert sorted(bytes(r["raw_value"]) for r in parked) == sorted([nul_in_json, nul_escaped, not_utf8])
    assert sorted(bytes(r["raw_key"]) for r in parked) == sorted([b"k\x00ey", b"ticket-nul", b"bin"])
    assert all("\x00" not in r["record_value"] and "\x00" not in r["record_key"] for r in parked)
    assert {r["record_key"] for r in parked} >= {"k\ufffdey"}
    assert await opened_on(db, settings, tenant, 3) == 0


async def _count(rows, expected: int) -> bool:
    return len(await rows) == expected
