"""Faults across the spine: the broker going away and the projector being killed lose and duplicate nothing."""

import os
import signal

import pytest

from devstack import free_port, start_broker
from metrics.main import create_app as metrics_app
from metrics.projector import run_projector
from metrics.settings import Settings as MetricsSettings
from support.apps import eventually, running, serving
from support.builders import ticket_request
from tickets.main import create_app as tickets_app
from tickets.settings import Settings as TicketsSettings


async def open_tickets(client, tokens, count: int) -> list[str]:
    ids = []
    for n in range(count):
        response = await client.post("/tickets", json=ticket_request(subject=f"T{n}"), headers=tokens.headers("staff"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def relay_holds_a_batch(db) -> bool:
    """The relay holds its per-batch advisory lock only while a batch is on its way to the broker."""
    return await db.fetchval("SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted")


async def projected(db, settings: MetricsSettings, tenant: str) -> tuple[int, int]:
    """(audit rows, tickets counted) for the tenant."""
    schema = settings.projection
    audit = await db.fetchval(f'SELECT count(*) FROM "{schema}".audit_history WHERE tenant = $1', tenant)
    counted = await db.fetchval(
        f'SELECT coalesce(sum(tickets_opened), 0) FROM "{schema}".tickets_opened_daily WHERE tenant = $1', tenant)
    return audit, counted


async def settle(db, settings, tenant, expected: int, within: float = 20) -> None:
    async def done():
        try:
            return await projected(db, settings, tenant) == (expected, expected)
        except Exception:  # the projection's tables may not exist yet
            return False

    await eventually(done, within=within)


@pytest.mark.timeout(120)
async def test_with_the_broker_stopped_tickets_are_still_opened_and_each_reaches_the_projection_once(
    settings_for, db, tokens
):
    # Stopped, not killed: the embedded broker keeps its log only in memory, while a real Kafka
    # keeps it on disk across a restart, which is what the outbox relies on.
    with start_broker(port=free_port()) as broker:
        bootstrap = {"kafka_bootstrap_servers": broker.bootstrap_servers}
        tickets_settings = settings_for(TicketsSettings, **bootstrap)
        metrics_settings = settings_for(MetricsSettings, **bootstrap)
        async with serving(tickets_app(tickets_settings)) as tickets, running(run_projector(metrics_settings)):
            await open_tickets(tickets, tokens, 1)
            await settle(db, metrics_settings, tokens.tenant, 1)
            os.kill(broker.pid, signal.SIGSTOP)
            try:
                await open_tickets(tickets, tokens, 5)
                await eventually(lambda: relay_holds_a_batch(db))  # it took them, and waits on the silent broker
                waiting = f'SELECT count(*) FROM "{tickets_settings.schema}".events WHERE published_at IS NULL'
                assert await db.fetchval(waiting) == 5
            finally:
                os.kill(broker.pid, signal.SIGCONT)
            await settle(db, metrics_settings, tokens.tenant, 6, within=60)


@pytest.mark.timeout(120)
async def test_a_projector_killed_and_restarted_projects_every_event_exactly_once(settings_for, db, tokens):
    tickets_settings, metrics_settings = settings_for(TicketsSettings), settings_for(MetricsSettings)
    async with serving(tickets_app(tickets_settings)) as tickets:
        async with running(run_projector(metrics_settings)):
            await open_tickets(tickets, tokens, 3)
            await settle(db, metrics_settings, tokens.tenant, 3)
        await open_tickets(tickets, tokens, 3)
        async with running(run_projector(metrics_settings)):
            await settle(db, metrics_settings, tokens.tenant, 6)


async def test_the_metrics_api_serves_while_the_projector_is_down(settings_for, db, tokens):
    async with serving(metrics_app(settings_for(MetricsSettings))) as metrics:
        response = await metrics.get("/kpis/tickets-opened", params={"from": "2026-01-01", "to": "2026-01-03"},
                                     headers=tokens.headers("reporting"))
    assert response.status_code == 200
    assert [d["tickets_opened"] for d in response.json()["days"]] == [0, 0, 0]
