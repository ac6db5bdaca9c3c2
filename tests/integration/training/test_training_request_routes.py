"""Training on request over REST against real Postgres, and both workers' handlers applied to the records as the
consumers apply them: a ticket of category training_request becomes a request once, and its delivery resolves the
ticket once; redelivery changes nothing, and a ticket resolved by hand meanwhile is left alone."""

from datetime import timedelta
from itertools import count
from uuid import uuid4

import orjson
import pytest

from events.consumer import Outcome
from events.db import migrate_pool
from events.envelope import Context, Envelope, utcnow, wrap
from support import records
from support.apps import ok
from support.builders import opened, ticket_request
from support.suite import settings_class, suite_of
from tickets import worker as tickets_worker
from training import ticket_reactions
from training import worker as training_worker

OFFSETS = count()


@pytest.fixture
async def training(settings_for, db):
    """The training service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "training", broker=False) as running_suite:
        yield running_suite


async def ask(client, headers, **overrides) -> dict:
    body = {"topic": "Excel pivot tables", "preferred_times": ["Tuesday mornings"], "note": "Budget file", **overrides}
    return await ok(await client.post("/training-requests", json=body, headers=headers), 201)


async def listed(client, headers, **params) -> dict:
    return await ok(await client.get("/training-requests", params=params, headers=headers))


async def event_types(db, schema: str) -> list[str]:
    return [r["event_type"] for r in await db.fetch(f'SELECT event_type FROM "{schema}".events ORDER BY 1')]


async def test_staff_ask_for_themselves_and_follow_only_their_own_requests(training, tokens):
    client = training.training
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("staff", sub="bob")
    mine = await ask(client, alice)
    assert (mine["person_id"], mine["requested_by"], mine["status"], mine["ticket_id"]) == (
        "alice",
        "alice",
        "waiting",
        None,
    )
    assert (mine["preferred_times"], float(mine["age_days"]) < 0.01) == (["Tuesday mornings"], True)
    theirs = await ask(client, bob, topic="Teams meetings")
    assert [r["id"] for r in (await listed(client, alice))["items"]] == [mine["id"]]
    assert (await client.get(f"/training-requests/{theirs['id']}", headers=alice)).status_code == 404
    fetched = await client.get(f"/training-requests/{mine['id']}", headers=alice)
    assert (fetched.json(), fetched.headers["ETag"]) == (mine, '"1"')
    for_someone = await client.post("/training-requests", json={"topic": "VPN", "person_id": "bob"}, headers=alice)
    assert for_someone.status_code == 403 and "person_id" in for_someone.json()["detail"]
    asked = await ask(client, tokens.headers("technician", sub="tom"), person_id="carol", topic="Outlook rules")
    assert (asked["person_id"], asked["requested_by"]) == ("carol", "tom")
    everyone = await listed(client, tokens.headers("auditor"))
    assert (everyone["total"], [r["topic"] for r in everyone["items"]]) == (
        3,
        ["Excel pivot tables", "Teams meetings", "Outlook rules"],
    )  # oldest first
    assert (await listed(client, tokens.headers("manager"), person_id="bob"))["total"] == 1


async def test_a_request_is_scheduled_then_delivered_once_with_its_hours_and_note(training, tokens, db):
    client, tom, alice = training.training, tokens.headers("technician", sub="tom"), tokens.headers("staff")
    request = await ask(client, alice)
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    scheduled = await ok(
        await client.post(
            f"/training-requests/{request['id']}/schedule", json={"scheduled_for": when.isoformat()}, headers=tom
        )
    )
    assert (scheduled["status"], scheduled["trainer_id"], scheduled["scheduled_for"][:19]) == (
        "scheduled",
        "tom",
        when.isoformat()[:19],
    )
    body = {"hours": "1.5", "note": "Covered slicers and refresh"}
    delivered = await ok(
        await client.post(f"/training-requests/{request['id']}/deliver", json=body, headers={**tom, "If-Match": '"2"'})
    )
    assert (delivered["status"], delivered["hours"], delivered["closing_note"], delivered["version"]) == (
        "delivered",
        "1.50",
        "Covered slicers and refresh",
        4,
    )
    schema = training.settings["training"].schema
    row = await db.fetchrow(
        f'SELECT envelope FROM "{schema}".events WHERE event_type = $1', "training.training_delivered"
    )
    data = orjson.loads(row["envelope"])["data"]
    assert (data["kind"], data["request_id"], data["person_id"], data["hours"], data["trainer_id"]) == (
        "on_request",
        request["id"],
        "alice",
        "1.50",
        "tom",
    )
    assert data["delivery_id"] == delivered["delivery_id"] and data["ticket_id"] is None
    before = await event_types(db, schema)
    again = await client.post(f"/training-requests/{request['id']}/deliver", json=body, headers=tom)
    assert (again.status_code, again.json()["rule"]) == (409, "RequestAlreadyDelivered")
    cancel = await client.post(f"/training-requests/{request['id']}/cancel", json={"reason": "x"}, headers=alice)
    assert (cancel.status_code, cancel.json()["rule"]) == (409, "RequestAlreadyDelivered")
    assert await event_types(db, schema) == before
    done = await listed(client, alice, status="delivered")
    assert [r["id"] for r in done["items"]] == [request["id"]]
    assert (await listed(client, alice, status="waiting"))["total"] == 0


async def test_bad_deliveries_are_refused_by_field_and_nothing_is_written(training, tokens, db):
    client, tom = training.training, tokens.headers("technician")
    request = await ask(client, tokens.headers("staff"))
    schema = training.settings["training"].schema
    before = await event_types(db, schema)

    async def field_of(body: dict) -> str:
        response = await client.post(f"/training-requests/{request['id']}/deliver", json=body, headers=tom)
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]["field"]

    assert await field_of({"hours": "1", "at": (utcnow() + timedelta(hours=1)).isoformat()}) == "at"
    assert await field_of({"hours": "1", "at": (utcnow() - timedelta(days=1)).isoformat()}) == "at"  # before asked
    assert await field_of({"hours": "0"}) == "hours"
    assert await field_of({"hours": "1", "trainer": "tom"}) == "trainer"
    assert await event_types(db, schema) == before
    nothing = await client.post(f"/training-requests/{uuid4()}/deliver", json={"hours": "1"}, headers=tom)
    assert nothing.status_code == 404
    staff = await client.post(
        f"/training-requests/{request['id']}/deliver", json={"hours": "1"}, headers=tokens.headers("staff")
    )
    assert staff.status_code == 403


async def test_staff_cancel_their_own_request_and_a_cancelled_one_is_not_delivered(training, tokens):
    client, alice, tom = training.training, tokens.headers("staff", sub="alice"), tokens.headers("technician")
    request = await ask(client, alice)
    stranger = await client.post(
        f"/training-requests/{request['id']}/cancel", json={"reason": "no"}, headers=tokens.headers("staff", sub="bob")
    )
    assert stranger.status_code == 404
    cancelled = await ok(
        await client.post(
            f"/training-requests/{request['id']}/cancel", json={"reason": "Found a course"}, headers=alice
        )
    )
    assert (cancelled["status"], cancelled["closing_note"]) == ("cancelled", "Found a course")
    refused = await client.post(f"/training-requests/{request['id']}/deliver", json={"hours": "1"}, headers=tom)
    assert (refused.status_code, refused.json()["rule"]) == (409, "RequestAlreadyCancelled")


async def test_another_tenant_sees_nothing_and_changes_nothing(training, tokens):
    client = training.training
    request = await ask(client, tokens.headers("staff"))
    stranger = tokens.headers("manager", tenant="another-city")
    assert (await listed(client, stranger))["total"] == 0
    assert (await client.get(f"/training-requests/{request['id']}", headers=stranger)).status_code == 404
    delivering = await client.post(f"/training-requests/{request['id']}/deliver", json={"hours": "1"}, headers=stranger)
    assert delivering.status_code == 404
    assert (await client.get(f"/training-requests/{request['id']}", headers=tokens.headers("staff"))).json()[
        "status"
    ] == "waiting"


# --------------------------------------------------------------------------------------------- the saga's steps


async def to_training(pool, envelope: Envelope) -> Outcome:
    """The record as it comes off `tickets.events`, through the consumer's dedupe and the training.requests group."""
    return await records.deliver(pool, ticket_reactions.GROUP, ticket_reactions.projection, envelope, "tickets.events")


async def to_tickets(pool, envelope: Envelope) -> Outcome:
    """The record as it comes off `training.events`, through the tickets worker's dedupe and projection."""
    return await records.deliver(pool, tickets_worker.GROUP, tickets_worker.projection, envelope, "training.events")


def rewrapped(envelope: Envelope) -> Envelope:
    """The same event in another envelope (a store published again with new ids)."""
    ctx = Context(tenant=envelope.tenant, actor=envelope.actor, correlation_id=envelope.correlationid)
    return wrap(envelope.event(), stream_id=envelope.subject, stream_version=envelope.streamversion, ctx=ctx)


async def stored(pool, event_type: str) -> list[Envelope]:
    rows = await pool.fetch("SELECT envelope FROM events WHERE event_type = $1 ORDER BY global_position", event_type)
    return [Envelope.from_document(row["envelope"]) for row in rows]


@pytest.fixture
async def desk_and_training(settings_for, db, pool_for):
    """Tickets and training with their relays off, and each worker's pool (its schema with the consumer's tables)."""
    async with suite_of(settings_for, "tickets", "training", broker=False) as suite:
        pools = {}
        for service, migrations in (("tickets", tickets_worker.MIGRATIONS), ("training", training_worker.MIGRATIONS)):
            pools[service] = await pool_for(service)
            await migrate_pool(pools[service], settings_for(settings_class(service)).schema, migrations)
        yield suite, pools


async def test_a_training_ticket_becomes_one_request_and_its_delivery_resolves_the_ticket_once(
    desk_and_training, tokens
):
    suite, pools = desk_and_training
    staff, tom = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="tom")
    body = ticket_request(category="training_request", subject="Teach me Power BI", description="New dashboards")
    ticket = await ok(await suite.tickets.post("/tickets", json=body, headers=staff), 201)
    [opened_envelope] = await stored(pools["tickets"], "tickets.ticket_opened")

    assert await to_training(pools["training"], opened_envelope) is Outcome.APPLIED
    assert await to_training(pools["training"], opened_envelope) is Outcome.DUPLICATE
    assert await to_training(pools["training"], rewrapped(opened_envelope)) is Outcome.APPLIED  # refused quietly
    [request] = (await listed(suite.training, staff))["items"]
    assert (request["ticket_id"], request["topic"], request["note"], request["status"]) == (
        ticket["id"],
        "Teach me Power BI",
        "New dashboards",
        "waiting",
    )
    assert len(await stored(pools["training"], "training.training_requested")) == 1

    await ok(await suite.training.post(f"/training-requests/{request['id']}/deliver", json={"hours": "2"}, headers=tom))
    [delivered] = await stored(pools["training"], "training.training_delivered")
    assert delivered.data["ticket_id"] == ticket["id"]
    assert await to_tickets(pools["tickets"], delivered) is Outcome.APPLIED
    assert await to_tickets(pools["tickets"], delivered) is Outcome.DUPLICATE
    assert await to_tickets(pools["tickets"], rewrapped(delivered)) is Outcome.APPLIED  # already resolved: skipped

    resolved = await ok(await suite.tickets.get(f"/tickets/{ticket['id']}", headers=staff))
    resolutions = [e for e in resolved["history"] if e["type"] == "tickets.ticket_resolved"]
    assert (resolved["status"], resolved["resolution_code"], len(resolutions)) == ("resolved", "user_guidance", 1)
    assert "Teach me Power BI, 2.00 h with tom" in resolutions[0]["data"]["note"]
    assert resolutions[0]["actor"] == "tom" and resolutions[0]["data"]["technician_id"] == "tom"
    assert {clock["state"] for clock in resolved["clocks"].values()} <= {"met", "breached"}  # stopped
    assert await pools["tickets"].fetchval("SELECT count(*) FROM dead_letters") == 0


async def test_a_ticket_resolved_by_hand_meanwhile_is_left_alone(desk_and_training, tokens):
    suite, pools = desk_and_training
    staff, tom = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="tom")
    ticket = await ok(
        await suite.tickets.post("/tickets", json=ticket_request(category="training_request"), headers=staff), 201
    )
    [opened_envelope] = await stored(pools["tickets"], "tickets.ticket_opened")
    assert await to_training(pools["training"], opened_envelope) is Outcome.APPLIED
    by_hand = {"resolution_code": "solved", "note": "Showed her at her desk"}
    await ok(await suite.tickets.post(f"/tickets/{ticket['id']}/resolve", json=by_hand, headers=tom))
    [request] = (await listed(suite.training, staff))["items"]
    await ok(await suite.training.post(f"/training-requests/{request['id']}/deliver", json={"hours": "1"}, headers=tom))
    [delivered] = await stored(pools["training"], "training.training_delivered")
    before = await pools["tickets"].fetchval("SELECT count(*) FROM events")

    assert await to_tickets(pools["tickets"], delivered) is Outcome.APPLIED

    assert await pools["tickets"].fetchval("SELECT count(*) FROM events") == before
    resolved = await ok(await suite.tickets.get(f"/tickets/{ticket['id']}", headers=staff))
    [resolution] = [e for e in resolved["history"] if e["type"] == "tickets.ticket_resolved"]
    assert (resolved["status"], resolution["data"]["note"]) == ("resolved", "Showed her at her desk")


async def test_tickets_of_other_categories_make_no_request_and_requests_without_a_ticket_resolve_nothing(
    desk_and_training, tokens
):
    suite, pools = desk_and_training
    staff, tom = tokens.headers("staff", sub="alice"), tokens.headers("technician")
    hardware = wrap(opened(requester_id="alice"), stream_id=str(uuid4()), stream_version=1,
                    ctx=Context(tenant=tokens.tenant, actor="alice", correlation_id="req-1"))  # fmt: skip
    assert await to_training(pools["training"], hardware) is Outcome.APPLIED
    assert (await listed(suite.training, staff))["total"] == 0
    request = await ask(suite.training, staff)
    await ok(await suite.training.post(f"/training-requests/{request['id']}/deliver", json={"hours": "1"}, headers=tom))
    [delivered] = await stored(pools["training"], "training.training_delivered")
    before = await pools["tickets"].fetchval("SELECT count(*) FROM events")
    assert await to_tickets(pools["tickets"], delivered) is Outcome.APPLIED
    assert await pools["tickets"].fetchval("SELECT count(*) FROM events") == before
