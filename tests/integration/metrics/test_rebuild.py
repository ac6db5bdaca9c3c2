"""Rebuilding the projection by replay: a fresh copy swapped in, nothing lost or doubled, the live one serving."""

import asyncio
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from events import kafka
from events.db import migrate
from events.envelope import Context, wrap
from metrics import reporting
from metrics.main import MIGRATIONS
from metrics.projections import PROJECTION_MIGRATIONS
from metrics.projector import run_projector
from metrics.rebuild import rebuild
from metrics.settings import Settings
from support.apps import eventually, running
from support.builders import opened
from support.kafka import publish_raw

DAY = datetime(2026, 5, 4, 8, tzinfo=UTC)


def opened_json(tenant: str, n: int) -> bytes:
    ctx = Context(tenant=tenant, actor="alice", correlation_id=f"c-{n}", recorded_at=DAY + timedelta(minutes=n))
    return orjson.dumps(wrap(opened(at=ctx.recorded_at), stream_id=f"ticket-{n}", stream_version=1, ctx=ctx).document())


async def totals(db, schema: str, tenant: str) -> tuple[int, int]:
    audit = await db.fetchval(f'SELECT count(*) FROM "{schema}".audit_history WHERE tenant = $1', tenant)
    daily = await db.fetchval(
        f'SELECT coalesce(sum(tickets_opened), 0) FROM "{schema}".tickets_opened_daily WHERE tenant = $1', tenant)
    return audit, daily


@pytest.mark.timeout(120)
async def test_a_rebuild_replays_every_event_once_while_the_live_projector_keeps_going(settings_for, db, tokens):
    settings, tenant = settings_for(Settings), tokens.tenant
    settings = settings.model_copy(update={"reporting_schema": f"{settings.schema}_reporting"})
    await kafka.ensure_topics(settings, kafka.all_topics(settings))
    await migrate(db, settings.projection, PROJECTION_MIGRATIONS)
    await migrate(db, settings.schema, {"metrics": MIGRATIONS})
    views = await reporting.install(db, reporting.Schemas(settings.reporting_schema, settings.projection,
                                                          settings.schema))
    topic = settings.topic("tickets")
    await publish_raw(settings, topic, *[opened_json(tenant, n) for n in range(20)])
    async with running(run_projector(settings)):
        await eventually(lambda: _equals(db, settings.projection, tenant, 20), within=15)
        # A read model gone wrong: the rebuild must restore it from the topics alone.
        await db.execute(f'UPDATE "{settings.projection}".tickets_opened_daily SET tickets_opened = 999')
        more = publish_raw(settings, topic, *[opened_json(tenant, n) for n in range(20, 30)])
        applied, _ = await asyncio.gather(rebuild(settings, show_progress=False), more)
        assert applied >= 20
        await eventually(lambda: _equals(db, settings.projection, tenant, 30), within=15)
        await publish_raw(settings, topic, opened_json(tenant, 30))
        await eventually(lambda: _equals(db, settings.projection, tenant, 31), within=15)
    assert await totals(db, settings.projection, tenant) == (31, 31)
    leftovers = await db.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE $1",
                                  f"{settings.projection}_%")
    assert leftovers == 0
    assert await reporting_views(db, settings.reporting_schema) == len(views)  # made again over the new projection
    # The replay kept autovacuum off the tables it filled: the live projection has them back in its care.
    assert await db.fetch("SELECT relname, reloptions FROM pg_class WHERE relnamespace = $1::regnamespace"
                          " AND reloptions IS NOT NULL", settings.projection) == []  # fmt: skip


async def reporting_views(db, schema: str) -> int:
    return await db.fetchval("SELECT count(*) FROM information_schema.views WHERE table_schema = $1", schema)


async def _equals(db, schema, tenant, expected) -> bool:
    return await totals(db, schema, tenant) == (expected, expected)
