"""Courses and sessions over REST against real Postgres: the catalogue, enrolment with a waitlist that moves up,
capacity, cancellation, attendance delivering hours, the caller's own training, refusals, tenants."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest

from support.apps import eventually
from support.suite import suite_of
from training.settings import Settings


@pytest.fixture
async def training(settings_for, db):
    """The training service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "training", broker=False) as running_suite:
        yield running_suite.training


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


async def add_course(training, tokens, **overrides) -> dict:
    body = {
        "title": f"Excel basics {uuid4().hex[:6]}",
        "technology": "Microsoft Excel",
        "topic": "spreadsheets",
        "duration_hours": "2.5",
        "audience": "all staff",
        **overrides,
    }
    return await created(await training.post("/courses", json=body, headers=tokens.headers("manager")))


async def schedule(training, tokens, course: dict, starts: datetime | None = None, **overrides) -> dict:
    starts = starts or in_days(7)
    body = {
        "course_id": course["id"],
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2, minutes=30)).isoformat(),
        "room": "City Hall 301",
        "capacity": 2,
        **overrides,
    }
    return await created(await training.post("/sessions", json=body, headers=tokens.headers("technician", sub="tom")))


async def enrol(training, tokens, session: dict, person: str, **body):
    return await training.post(
        f"/sessions/{session['id']}/enrolments", json=body or None, headers=tokens.headers("staff", sub=person)
    )


async def detail(training, headers, session: dict) -> dict:
    response = await training.get(f"/sessions/{session['id']}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def event_types(db, settings_for, stream_id: str) -> list[str]:
    rows = await db.fetch(
        f'SELECT event_type FROM "{settings_for(Settings).schema}".events WHERE stream_id = $1 ORDER BY stream_version',
        stream_id,
    )
    return [r["event_type"] for r in rows]


async def test_a_full_session_puts_people_on_its_waitlist_in_order_and_a_withdrawal_moves_the_first_up(
    training, tokens
):
    session = await schedule(training, tokens, await add_course(training, tokens))
    answers = [(await created(await enrol(training, tokens, session, p))) for p in ("ana", "ben", "cy", "dee")]
    assert [(a["status"], a["position"]) for a in answers] == [
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert (answers[-1]["session"]["enrolled"], answers[-1]["session"]["waitlisted"]) == (2, 2)
    tom = tokens.headers("technician", sub="tom")
    assert (await detail(training, tom, session))["people"]["waitlist"] == ["cy", "dee"]

    left = await training.post(
        f"/sessions/{session['id']}/withdrawals",
        json={"reason": "on leave"},
        headers=tokens.headers("staff", sub="ana"),
    )
    assert (left.status_code, left.json()["enrolled"], left.json()["waitlisted"]) == (200, 2, 1)
    people = (await detail(training, tom, session))["people"]
    assert (people["enrolled"], people["waitlist"]) == (["ben", "cy"], ["dee"])
    dee = await detail(training, tokens.headers("staff", sub="dee"), session)
    assert (dee["people"], dee["me"]) == (None, {"status": "waitlisted", "position": 1})  # staff see no names
    cy = (await training.get("/me/training", headers=tokens.headers("staff", sub="cy"))).json()
    assert [(e["session_id"], e["status"]) for e in cy["enrolments"]] == [(session["id"], "enrolled")]


async def test_more_capacity_moves_people_up_and_less_than_the_enrolled_is_refused(training, tokens):
    session = await schedule(training, tokens, await add_course(training, tokens))
    for person in ("ana", "ben", "cy"):
        await created(await enrol(training, tokens, session, person))
    tom = tokens.headers("technician")
    fewer = await training.post(f"/sessions/{session['id']}/capacity", json={"capacity": 1}, headers=tom)
    assert (fewer.status_code, fewer.json()["rule"]) == (409, "CapacityBelowEnrolled")
    more = await training.post(f"/sessions/{session['id']}/capacity", json={"capacity": 4}, headers=tom)
    assert (more.json()["capacity"], more.json()["enrolled"], more.json()["places_free"]) == (4, 3, 1)


async def test_refusals_name_the_rule_and_write_nothing(training, tokens, db, settings_for):
    session = await schedule(training, tokens, await add_course(training, tokens), capacity=1)
    await created(await enrol(training, tokens, session, "ana"))
    await created(await enrol(training, tokens, session, "ben"))
    before = await event_types(db, settings_for, session["id"])

    twice = await enrol(training, tokens, session, "ben")
    assert (twice.status_code, twice.json()["rule"]) == (409, "AlreadyEnrolled")
    stranger = await training.post(f"/sessions/{session['id']}/withdrawals", headers=tokens.headers("staff", sub="zoe"))
    assert (stranger.status_code, stranger.json()["rule"]) == (409, "NotEnrolled")
    early = await training.post(
        f"/sessions/{session['id']}/attendance", json={"attendees": ["ana"]}, headers=tokens.headers("technician")
    )
    assert (early.status_code, early.json()["rule"]) == (409, "SessionNotStarted")
    for_another = await enrol(training, tokens, session, "ana", person_id="cy")
    assert for_another.status_code == 403  # staff enrol themselves only
    assert await event_types(db, settings_for, session["id"]) == before

    by_desk = await training.post(
        f"/sessions/{session['id']}/enrolments",
        json={"person_id": "cy"},
        headers=tokens.headers("technician", sub="tom"),
    )
    assert (by_desk.status_code, by_desk.json()["person_id"], by_desk.json()["position"]) == (201, "cy", 2)


async def test_a_session_already_started_takes_no_enrolment(training, tokens):
    session = await schedule(training, tokens, await add_course(training, tokens), starts=in_days(-1))
    late = await enrol(training, tokens, session, "ana")
    assert (late.status_code, late.json()["rule"]) == (409, "SessionAlreadyStarted")


async def test_a_cancelled_session_names_the_people_to_tell_and_takes_nothing_more(training, tokens, db, settings_for):
    course = await add_course(training, tokens)
    session = await schedule(training, tokens, course, capacity=1)
    for person in ("ana", "ben"):
        await created(await enrol(training, tokens, session, person))
    tom = tokens.headers("technician")
    cancelled = await training.post(f"/sessions/{session['id']}/cancel", json={"reason": "Trainer ill"}, headers=tom)
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        200,
        "cancelled",
        "Trainer ill",
    )
    notice = orjson.loads(
        await db.fetchval(
            f'SELECT envelope FROM "{settings_for(Settings).schema}".events'
            " WHERE stream_id = $1 AND event_type = 'training.session_cancelled'",
            session["id"],
        )
    )
    assert (notice["data"]["enrolled"], notice["data"]["waitlisted"]) == (["ana"], ["ben"])

    for path, body in (
        ("enrolments", None),
        ("cancel", {"reason": "again"}),
        ("attendance", {"attendees": ["ana"]}),
        ("capacity", {"capacity": 5}),
    ):
        refused = await training.post(f"/sessions/{session['id']}/{path}", json=body, headers=tom)
        assert (refused.status_code, refused.json()["rule"]) == (409, "SessionIsCancelled"), path
    listed = await training.get("/sessions", params={"course_id": course["id"]}, headers=tokens.headers("staff"))
    assert [s["status"] for s in listed.json()["items"]] == ["cancelled"]
    hidden = await training.get(
        "/sessions", params={"course_id": course["id"], "include_cancelled": "false"}, headers=tokens.headers("staff")
    )
    assert hidden.json()["total"] == 0


async def test_attendance_after_the_start_delivers_the_sessions_hours_to_each_attendee_once(
    training, tokens, db, settings_for
):
    session = await schedule(training, tokens, await add_course(training, tokens), starts=in_days(3 / 86_400))
    for person in ("ana", "ben"):
        await created(await enrol(training, tokens, session, person))
    tom = tokens.headers("technician")

    async def recorded():
        response = await training.post(
            f"/sessions/{session['id']}/attendance",
            json={"attendees": ["ana", "walk-in"], "no_shows": ["ben"]},
            headers=tom,
        )
        assert response.status_code in (200, 409), response.text
        return response if response.status_code == 200 else None

    held = (await eventually(recorded, within=10.0, interval=0.2)).json()  # refused until the session starts
    assert (held["status"], held["attended"], held["no_shows"], held["hours"]) == ("held", 2, 1, "2.50")
    again = await training.post(f"/sessions/{session['id']}/attendance", json={"attendees": ["ben"]}, headers=tom)
    assert (again.status_code, again.json()["rule"]) == (409, "AttendanceAlreadyRecorded")

    ana = (await training.get("/me/training", headers=tokens.headers("staff", sub="ana"))).json()
    assert (ana["hours_total"], [(d["kind"], d["topic"], d["session_id"]) for d in ana["deliveries"]]) == (
        "2.50",
        [("session", "spreadsheets", session["id"])],
    )
    assert ana["enrolments"][0]["status"] == "attended"
    ben = (await training.get("/me/training", headers=tokens.headers("staff", sub="ben"))).json()
    assert (ben["hours_total"], ben["enrolments"][0]["status"]) == ("0", "no_show")
    people = (await detail(training, tokens.headers("auditor"), session))["people"]
    assert (people["attendees"], people["no_shows"]) == (["ana", "walk-in"], ["ben"])
    types = await event_types(db, settings_for, session["id"])
    assert types.count("training.training_delivered") == 2


async def test_the_catalogue_is_filtered_by_technology_topic_and_new_technology(training, tokens):
    await add_course(
        training,
        tokens,
        title="Teams meetings",
        technology="Microsoft Teams",
        topic="collaboration",
        new_technology=True,
    )
    await add_course(training, tokens, title="Excel pivots", technology="Microsoft Excel")
    staff = tokens.headers("staff")

    async def titles(**params) -> list[str]:
        response = await training.get("/courses", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [c["title"] for c in response.json()["items"]]

    assert await titles() == ["Excel pivots", "Teams meetings"]
    assert await titles(technology="microsoft teams") == ["Teams meetings"]
    assert await titles(new_technology="true") == ["Teams meetings"]
    assert await titles(topic="spreadsheets", new_technology="false") == ["Excel pivots"]
    twice = await training.post(
        "/courses",
        json={"title": "excel PIVOTS", "technology": "Excel", "topic": "x", "duration_hours": "1"},
        headers=tokens.headers("manager"),
    )
    assert (twice.status_code, twice.json()["rule"]) == (409, "CourseAlreadyListed")
    assert (await training.get("/courses", headers=tokens.headers("staff", tenant="another-city"))).json()["total"] == 0


async def test_bad_sessions_are_refused_naming_the_field(training, tokens):
    course = await add_course(training, tokens)
    starts = in_days(7)
    cases = [
        ({"ends_at": (starts - timedelta(hours=1)).isoformat()}, "ends_at"),
        ({"room": ""}, "room"),
        ({"course_id": str(uuid4())}, "course_id"),
        ({"starts_at": "2026-05-04T09:00:00"}, "starts_at"),
        ({"capacity": 0}, "capacity"),
        ({"online_link": "javascript:alert(1)"}, "online_link"),
    ]
    for overrides, field in cases:
        body = {
            "course_id": course["id"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "room": "301",
            "capacity": 5,
            **overrides,
        }
        refused = await training.post("/sessions", json=body, headers=tokens.headers("technician"))
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, field), overrides


async def test_sessions_are_listed_soonest_first_and_another_tenant_sees_none(training, tokens):
    course = await add_course(training, tokens)
    later = await schedule(training, tokens, course, starts=in_days(14))
    sooner = await schedule(training, tokens, course, starts=in_days(2), room="", online_link="https://meet.example/x")
    await schedule(training, tokens, course, starts=in_days(-2))  # past: not upcoming
    listed = await training.get("/sessions", params={"course_id": course["id"]}, headers=tokens.headers("staff"))
    assert [s["id"] for s in listed.json()["items"]] == [sooner["id"], later["id"]]
    elsewhere = tokens.headers("staff", tenant="another-city", sub="ana")
    assert (await training.get("/sessions", headers=elsewhere)).json()["total"] == 0
    assert (await training.get(f"/sessions/{sooner['id']}", headers=elsewhere)).status_code == 404
    assert (await training.post(f"/sessions/{sooner['id']}/enrolments", headers=elsewhere)).status_code == 404


async def test_enrolment_honours_if_match_and_idempotency_keys(training, tokens):
    session = await schedule(training, tokens, await add_course(training, tokens))
    ana = tokens.headers("staff", sub="ana")
    stale = await training.post(f"/sessions/{session['id']}/enrolments", headers={**ana, "If-Match": '"7"'})
    assert stale.status_code == 412
    keyed = {**ana, "Idempotency-Key": "enrol-ana-1"}
    first = await training.post(f"/sessions/{session['id']}/enrolments", headers=keyed)
    replay = await training.post(f"/sessions/{session['id']}/enrolments", headers=keyed)
    assert (first.status_code, replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert (await detail(training, tokens.headers("manager"), session))["enrolled"] == 1
