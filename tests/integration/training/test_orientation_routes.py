"""Orientation over REST and through the training worker's handler, against real Postgres: owed from a provisioned
account (once per person, however often told), owed by hand, overdue, completed with its hours, the policy."""

from datetime import UTC, date, datetime, timedelta
from itertools import count
from uuid import uuid4

import pytest

from events.consumer import Outcome
from events.contracts.accounts import AccountProvisioned
from events.db import migrate_pool
from events.envelope import Context, Envelope, wrap
from support import records
from support.suite import suite_of
from training import worker
from training.settings import Settings

OFFSETS = count()
MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in Toronto; ten business days on is Monday 2026-03-16


@pytest.fixture
async def training(settings_for, db):
    """The training service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "training", broker=False) as running_suite:
        yield running_suite.training


@pytest.fixture
async def consumer(pool_for, settings_for, training):
    """The worker's pool: the service's schema with the consumer's tables, as `python -m training.worker` does."""
    pool = await pool_for("training")
    await migrate_pool(pool, settings_for(Settings).schema, worker.MIGRATIONS)
    return pool


def provisioned(person_id: str, at: datetime = MONDAY) -> AccountProvisioned:
    return AccountProvisioned(
        at=at,
        account_id=uuid4(),
        username=f"{person_id}.city",
        person_id=person_id,
        email=f"{person_id}@city.example",
        groups=["staff"],
    )


def envelope_of(event, tenant: str) -> Envelope:
    ctx = Context(tenant=tenant, actor="tom", correlation_id="req-account-1")
    return wrap(event, stream_id=str(uuid4()), stream_version=1, ctx=ctx)


async def deliver(pool, envelope: Envelope) -> Outcome:
    """The record as it comes off `assets.events`, through the consumer's dedupe and the worker's projection."""
    return await records.deliver(pool, worker.GROUP, worker.projection, envelope, "assets.events")


async def orientations(training, headers, **params) -> dict:
    response = await training.get("/orientations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def owe(training, headers, person_id: str, **body):
    return await training.post("/orientations", json={"person_id": person_id, **body}, headers=headers)


async def test_a_provisioned_account_owes_its_holder_an_orientation_due_in_ten_business_days(
    training, consumer, tokens
):
    account = provisioned("ana")
    told = envelope_of(account, tokens.tenant)
    assert await deliver(consumer, told) is Outcome.APPLIED

    page = await orientations(training, tokens.headers("auditor"), status="overdue")
    [owed] = page["items"]
    assert (page["total"], owed["person_id"], owed["username"], owed["account_id"]) == (
        1,
        "ana",
        "ana.city",
        str(account.account_id),
    )
    assert (owed["due_on"], owed["status"], datetime.fromisoformat(owed["owed_at"])) == (
        "2026-03-16",
        "overdue",
        MONDAY,
    )
    stored = await consumer.fetchrow("SELECT event_type, envelope FROM events WHERE stream_id = $1", owed["id"])
    assert stored["event_type"] == "training.orientation_owed"
    assert (stored["envelope"]["causationid"], stored["envelope"]["correlationid"]) == (str(told.id), "req-account-1")


async def test_a_redelivery_or_a_second_account_owes_nothing_new(training, consumer, tokens):
    told = envelope_of(provisioned("ana"), tokens.tenant)
    assert await deliver(consumer, told) is Outcome.APPLIED
    before = await consumer.fetchval("SELECT count(*) FROM events")

    assert await deliver(consumer, told) is Outcome.DUPLICATE
    # The same account in another envelope (a store published again), and the person's second account.
    assert await deliver(consumer, envelope_of(told.event(), tokens.tenant)) is Outcome.APPLIED
    assert (
        await deliver(consumer, envelope_of(provisioned("ana", MONDAY + timedelta(days=30)), tokens.tenant))
        is Outcome.APPLIED
    )

    assert await consumer.fetchval("SELECT count(*) FROM events") == before
    assert (await orientations(training, tokens.headers("manager")))["total"] == 1
    assert await consumer.fetchval("SELECT count(*) FROM dead_letters") == 0


async def test_each_tenant_owes_its_own_people_and_sees_only_them(training, consumer, tokens):
    assert await deliver(consumer, envelope_of(provisioned("ana"), tokens.tenant)) is Outcome.APPLIED
    assert await deliver(consumer, envelope_of(provisioned("ana"), "another-city")) is Outcome.APPLIED

    ours = (await orientations(training, tokens.headers("manager")))["items"]
    theirs = (await orientations(training, tokens.headers("manager", tenant="another-city")))["items"]
    assert len(ours) == len(theirs) == 1 and ours[0]["id"] != theirs[0]["id"]
    other = await training.get(f"/orientations/{theirs[0]['id']}", headers=tokens.headers("manager"))
    assert other.status_code == 404
    done = await training.post(
        f"/orientations/{theirs[0]['id']}/complete", json={"hours": "1"}, headers=tokens.headers("technician")
    )
    assert done.status_code == 404


async def test_orientations_are_listed_as_owed_overdue_or_completed(training, tokens):
    tom = tokens.headers("technician", sub="tom")
    late = (await owe(training, tom, "ana", owed_at=MONDAY.isoformat())).json()
    soon = (await owe(training, tom, "ben")).json()
    done = (await owe(training, tom, "cy")).json()
    completed = await training.post(f"/orientations/{done['id']}/complete", json={"hours": "1.5"}, headers=tom)
    assert completed.status_code == 200, completed.text

    async def listed(status: str) -> list[str]:
        return [o["person_id"] for o in (await orientations(training, tom, status=status))["items"]]

    assert (await listed("overdue"), await listed("owed"), await listed("completed")) == (["ana"], ["ben"], ["cy"])
    assert (late["status"], soon["status"]) == ("overdue", "owed")
    assert date.fromisoformat(soon["due_on"]) > datetime.now(UTC).date()
    everyone = await orientations(training, tom, limit=2)
    assert (everyone["total"], len(everyone["items"])) == (3, 2)


async def test_completing_an_orientation_delivers_training_with_its_hours_once(training, tokens, db, settings_for):
    tom, ana = tokens.headers("technician", sub="tom"), tokens.headers("staff", sub="ana")
    owed = await owe(training, tom, "ana")
    assert owed.status_code == 201 and owed.headers["Location"] == f"/orientations/{owed.json()['id']}"
    again = await owe(training, tom, "ana")
    assert (again.status_code, again.json()["rule"]) == (409, "OrientationAlreadyOwed")

    done = await training.post(f"/orientations/{owed.json()['id']}/complete", json={"hours": "1.50"}, headers=tom)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["within_due"], done.json()["hours"], done.json()["trainer_id"]) == (
        "completed",
        True,
        "1.50",
        "tom",
    )
    twice = await training.post(f"/orientations/{owed.json()['id']}/complete", json={"hours": "1"}, headers=tom)
    assert (twice.status_code, twice.json()["rule"]) == (409, "OrientationAlreadyCompleted")

    mine = (await training.get("/me/training", headers=ana)).json()
    assert (mine["orientation"]["status"], mine["hours_total"]) == ("completed", "1.50")
    [delivery] = mine["deliveries"]
    assert (delivery["kind"], delivery["topic"], delivery["orientation_id"]) == (
        "orientation",
        "orientation",
        owed.json()["id"],
    )
    schema = settings_for(Settings).schema
    types = await db.fetch(
        f'SELECT event_type FROM "{schema}".events WHERE stream_id = $1 ORDER BY stream_version', owed.json()["id"]
    )
    assert [t["event_type"] for t in types] == [
        "training.orientation_owed",
        "training.orientation_completed",
        "training.training_delivered",
    ]


async def test_an_orientation_given_after_its_due_date_is_recorded_as_late(training, tokens):
    tom = tokens.headers("technician")
    owed = (await owe(training, tom, "ana", owed_at=MONDAY.isoformat())).json()
    done = await training.post(
        f"/orientations/{owed['id']}/complete",
        json={"hours": "2", "completed_at": "2026-03-17T15:00:00Z", "trainer_id": "lea"},
        headers=tom,
    )
    assert (done.json()["within_due"], done.json()["trainer_id"], done.json()["status"]) == (False, "lea", "completed")


async def test_bad_input_is_refused_naming_the_field(training, tokens):
    tom = tokens.headers("technician")
    missing = await training.post("/orientations", json={}, headers=tom)
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "person_id")
    ahead = await owe(training, tom, "ana", owed_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    assert (ahead.status_code, ahead.json()["errors"][0]["field"]) == (422, "owed_at")
    owed = (await owe(training, tom, "ana")).json()
    for body, field in (
        ({"hours": "0"}, "hours"),
        ({"hours": "1.234"}, "hours"),
        ({}, "hours"),
        ({"hours": "1", "completed_at": "2999-01-01T00:00:00Z"}, "completed_at"),
    ):
        refused = await training.post(f"/orientations/{owed['id']}/complete", json=body, headers=tom)
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, field), body
    wrong = await training.get("/orientations", params={"status": "late"}, headers=tom)
    assert wrong.status_code == 422


async def test_the_training_policy_sets_the_due_days_and_holidays_for_orientations_owed_after(training, tokens):
    manager = tokens.headers("manager")
    default = await training.get("/training-policy", headers=tokens.headers("staff"))
    assert (default.json()["orientation_due_business_days"], default.headers["ETag"]) == (10, '"0"')
    policy = {"orientation_due_business_days": 3, "timezone": "America/Toronto", "holidays": ["2026-03-04"]}
    changed = await training.put("/training-policy", json=policy, headers={**manager, "If-Match": '"0"'})
    assert (changed.status_code, changed.headers["ETag"], changed.json()["holidays"]) == (200, '"1"', ["2026-03-04"])
    stale = await training.put("/training-policy", json=policy, headers={**manager, "If-Match": '"0"'})
    assert stale.status_code == 412
    bad = await training.put("/training-policy", json={"timezone": "Mars/Olympus"}, headers=manager)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "timezone")

    owed = (await owe(training, tokens.headers("technician"), "ana", owed_at=MONDAY.isoformat())).json()
    assert owed["due_on"] == "2026-03-06"  # Tuesday, Thursday (Wednesday is a holiday), Friday
    elsewhere = await training.get("/training-policy", headers=tokens.headers("manager", tenant="another-city"))
    assert elsewhere.json()["orientation_due_business_days"] == 10
