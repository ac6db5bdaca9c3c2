"""What a service tells operators: /readyz not ready while the relay is down or an event waits too long, and
/metrics with the outbox backlog, the relay's work and the schedulers' passes."""

import pytest

from events.db import lock_key
from support.apps import eventually, serving
from support.builders import ticket_request
from tickets.main import create_app as tickets_app
from tickets.settings import Settings as TicketsSettings


async def readiness(client) -> tuple[int, dict]:
    response = await client.get("/readyz")
    return response.status_code, response.json()


@pytest.mark.timeout(60)
async def test_readyz_is_503_while_the_relay_cannot_reach_the_broker(settings_for, db):
    settings = settings_for(TicketsSettings, kafka_bootstrap_servers="127.0.0.1:1")
    async with serving(tickets_app(settings)) as tickets:

        async def not_ready():
            status, body = await readiness(tickets)
            return status == 503 and "relay: not running" in body["detail"]

        assert await eventually(not_ready, within=20)


@pytest.mark.timeout(60)
async def test_readyz_is_503_while_an_event_waits_longer_than_the_bound_and_ready_once_it_is_published(
    settings_for, db, tokens
):
    settings = settings_for(TicketsSettings, outbox_max_age_seconds=1.0)
    async with serving(tickets_app(settings)) as tickets:
        assert await eventually(lambda: _ready(tickets), within=20)
        async with db.transaction():
            # Held by the test, the relay's lock keeps the relay (still running) from publishing anything.
            await db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", lock_key("relay", settings.schema))
            opened = await tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))
            assert opened.status_code == 201, opened.text

            async def stale():
                status, body = await readiness(tickets)
                return status == 503 and "the oldest unpublished event has waited" in body["detail"]

            assert await eventually(stale, within=10)
            assert (await readiness(tickets))[1]["relay"]["running"] is True
        assert await eventually(lambda: _ready(tickets), within=10)


async def _ready(client) -> bool:
    return (await readiness(client))[0] == 200


@pytest.mark.timeout(60)
async def test_metrics_show_the_outbox_backlog_the_relay_and_the_schedulers(settings_for, db, tokens):
    settings = settings_for(TicketsSettings)
    async with serving(tickets_app(settings)) as tickets:
        opened = await tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))
        assert opened.status_code == 201, opened.text

        async def exposed():
            text = (await tickets.get("/metrics")).text
            return all(f"{name}{{" in text for name in (
                "outbox_unpublished_events", "outbox_oldest_unpublished_age_seconds", "outbox_parked_events",
                "relay_events_published_total", "job_passes_total", "job_last_done_timestamp_seconds"))

        assert await eventually(exposed, within=20)
