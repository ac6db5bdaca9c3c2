"""The training saga over Kafka: a staff ticket of category training_request becomes a training request, and its
delivery resolves the ticket once, with a note, its SLA clocks stopped; the same records delivered again change
nothing."""

from itertools import count

import pytest

from events.consumer import Outcome
from events.db import migrate_pool
from events.envelope import Context, Envelope, wrap
from support import records
from support.apps import eventually, ok, running
from support.builders import ticket_request
from support.suite import suite_of
from tickets import worker as tickets_worker
from training import ticket_reactions
from training import worker as training_worker

OFFSETS = count(1_000_000)


@pytest.fixture
async def desk_and_training(settings_for, db):
    """Tickets and training with their relays, the training worker over `tickets.events` and the tickets worker
    over `training.events`."""
    async with (
        suite_of(settings_for, "tickets", "training") as suite,
        running(training_worker.run(suite.settings["training"])),
        running(tickets_worker.run(suite.settings["tickets"])),
    ):
        yield suite


async def worker_pool(pool_for, suite, service: str, migrations):
    """The service's schema as its worker has it: the store, the read models and the consumer's dedupe."""
    pool = await pool_for(service)
    await migrate_pool(pool, suite.settings[service].schema, migrations)
    return pool


async def stored(pool, event_type: str) -> list[Envelope]:
    rows = await pool.fetch("SELECT envelope FROM events WHERE event_type = $1 ORDER BY global_position", event_type)
    return [Envelope.from_document(row["envelope"]) for row in rows]


async def apply_again(pool, group: str, projection, envelope: Envelope, topic: str) -> Outcome:
    """The record as it comes off `topic` once more, through the group's dedupe and its worker's handler."""
    return await records.deliver(pool, group, projection, envelope, topic)


async def event_count(*pools) -> list[int]:
    return [await pool.fetchval("SELECT count(*) FROM events") for pool in pools]


def rewrapped(envelope: Envelope) -> Envelope:
    """The same event in another envelope, as a store published again with new ids would send it."""
    ctx = Context(tenant=envelope.tenant, actor=envelope.actor, correlation_id=envelope.correlationid)
    return wrap(envelope.event(), stream_id=envelope.subject, stream_version=envelope.streamversion, ctx=ctx)


@pytest.mark.timeout(120)
async def test_a_training_ticket_is_resolved_once_when_its_training_is_delivered(desk_and_training, tokens, pool_for):
    suite = desk_and_training
    alice, tom = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="tom")
    body = ticket_request(category="training_request", subject="Teach me the permits portal", description="New job")
    ticket = await ok(await suite.tickets.post("/tickets", json=body, headers=alice), 201)

    async def request_made():
        return (await ok(await suite.training.get("/training-requests", headers=alice)))["items"]

    [request] = await eventually(request_made, within=30, interval=0.2)
    assert (request["ticket_id"], request["topic"], request["person_id"], request["status"]) == (
        ticket["id"],
        "Teach me the permits portal",
        "alice",
        "waiting",
    )
    delivery = {"hours": "1.5", "note": "Walked through permit renewals"}
    await ok(await suite.training.post(f"/training-requests/{request['id']}/deliver", json=delivery, headers=tom))

    async def ticket_resolved():
        found = await ok(await suite.tickets.get(f"/tickets/{ticket['id']}", headers=alice))
        return found if found["status"] == "resolved" else None

    resolved = await eventually(ticket_resolved, within=30, interval=0.2)
    [resolution] = [e for e in resolved["history"] if e["type"] == "tickets.ticket_resolved"]
    assert resolution["data"]["note"].startswith("Training delivered on request: Teach me the permits portal, 1.50 h")
    assert (resolved["resolution_code"], resolution["actor"]) == ("user_guidance", "tom")
    assert {clock["state"] for clock in resolved["clocks"].values()} == {"met"}  # stopped at the resolution

    # The same records again, through each worker's own handler: the dedupe, then the rules, change nothing.
    desk = await worker_pool(pool_for, suite, "tickets", tickets_worker.MIGRATIONS)
    trainers = await worker_pool(pool_for, suite, "training", training_worker.MIGRATIONS)
    [opened] = await stored(desk, "tickets.ticket_opened")
    [delivered] = await stored(trainers, "training.training_delivered")
    before = await event_count(desk, trainers)
    for envelope, outcome in ((opened, Outcome.DUPLICATE), (rewrapped(opened), Outcome.APPLIED)):
        applied = await apply_again(
            trainers, ticket_reactions.GROUP, ticket_reactions.projection, envelope, "tickets.events"
        )
        assert applied is outcome
    for envelope, outcome in ((delivered, Outcome.DUPLICATE), (rewrapped(delivered), Outcome.APPLIED)):
        applied = await apply_again(desk, tickets_worker.GROUP, tickets_worker.projection, envelope, "training.events")
        assert applied is outcome
    assert await event_count(desk, trainers) == before
    assert len((await ok(await suite.training.get("/training-requests", headers=alice)))["items"]) == 1
    now = await ok(await suite.tickets.get(f"/tickets/{ticket['id']}", headers=alice))
    assert [e["type"] for e in now["history"]].count("tickets.ticket_resolved") == 1
    assert await desk.fetchval("SELECT count(*) FROM dead_letters") == 0
    assert await trainers.fetchval("SELECT count(*) FROM dead_letters") == 0
