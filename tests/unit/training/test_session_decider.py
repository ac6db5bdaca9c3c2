"""The session decider, given / when / then, without I/O: places, the waitlist in line, capacity, cancellation,
attendance and the deliveries it makes, and every refusal."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from events.contracts.training import (
    AttendanceRecorded,
    EnrolmentAccepted,
    EnrolmentPromoted,
    EnrolmentWaitlisted,
    EnrolmentWithdrawn,
    SessionCancelled,
    SessionCapacityChanged,
    SessionScheduled,
    TrainingDelivered,
)
from events.errors import NotFound, Unprocessable
from events.testing import given
from training.domain.session import MAX_WAITLIST, SESSION, delivery_id_for
from training.domain.session_commands import (
    CancelSession,
    ChangeCapacity,
    Enrol,
    RecordAttendance,
    ScheduleSession,
    Withdraw,
)
from training.domain.training_errors import (
    AlreadyEnrolled,
    AttendanceAlreadyRecorded,
    CapacityBelowEnrolled,
    NotEnrolled,
    SessionAlreadyHeld,
    SessionAlreadyScheduled,
    SessionAlreadyStarted,
    SessionIsCancelled,
    SessionNotStarted,
    WaitlistFull,
)

SESSION_ID, COURSE_ID = uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARTS = MONDAY + timedelta(days=7)
ENDS = STARTS + timedelta(hours=2, minutes=30)
BEFORE, DURING = MONDAY + timedelta(days=1), STARTS + timedelta(minutes=5)

SCHEDULED = SessionScheduled(
    at=MONDAY,
    session_id=SESSION_ID,
    course_id=COURSE_ID,
    title="Excel basics",
    topic="spreadsheets",
    starts_at=STARTS,
    ends_at=ENDS,
    room="City Hall 301",
    trainer_id="tom",
    capacity=2,
)


def schedule(**overrides) -> ScheduleSession:
    fields = dict(
        session_id=SESSION_ID,
        course_id=COURSE_ID,
        title="Excel basics",
        topic="spreadsheets",
        starts_at=STARTS,
        ends_at=ENDS,
        trainer_id="tom",
        capacity=2,
        at=MONDAY,
        room="City Hall 301",
    )
    return ScheduleSession(**{**fields, **overrides})


def accepted(person: str, by: str | None = None) -> EnrolmentAccepted:
    return EnrolmentAccepted(at=BEFORE, session_id=SESSION_ID, person_id=person, enrolled_by=by or person)


def waitlisted(person: str, position: int) -> EnrolmentWaitlisted:
    return EnrolmentWaitlisted(
        at=BEFORE, session_id=SESSION_ID, person_id=person, position=position, enrolled_by=person
    )


def promoted(person: str) -> EnrolmentPromoted:
    return EnrolmentPromoted(at=BEFORE, session_id=SESSION_ID, person_id=person)


def enrol(person: str, at=BEFORE) -> Enrol:
    return Enrol(person_id=person, enrolled_by=person, at=at)


def withdraw(person: str, at=BEFORE) -> Withdraw:
    return Withdraw(person_id=person, withdrawn_by=person, at=at)


def withdrawn(person: str, from_waitlist: bool) -> EnrolmentWithdrawn:
    return EnrolmentWithdrawn(
        at=BEFORE, session_id=SESSION_ID, person_id=person, from_waitlist=from_waitlist, withdrawn_by=person
    )


FULL = (SCHEDULED, accepted("ana"), accepted("ben"))
WITH_LINE = (*FULL, waitlisted("cy", 1), waitlisted("dee", 2))


def delivered(person: str) -> TrainingDelivered:
    return TrainingDelivered(
        at=STARTS,
        delivery_id=delivery_id_for(SESSION_ID, person),
        person_id=person,
        hours=Decimal("2.50"),
        kind="session",
        topic="spreadsheets",
        course_id=COURSE_ID,
        session_id=SESSION_ID,
        trainer_id="tom",
    )


def test_a_session_is_scheduled_once_in_a_room_or_online():
    given(SESSION).then(schedule(), SCHEDULED)
    given(SESSION, SCHEDULED).refuses(schedule(), SessionAlreadyScheduled)
    online = given(SESSION).when(schedule(room="", online_link="https://meet.example/excel"))
    assert online[0].online_link == "https://meet.example/excel"


def test_a_session_needs_a_room_or_a_link_and_a_sensible_length():
    assert given(SESSION).refuses(schedule(room=""), Unprocessable).field == "room"
    assert given(SESSION).refuses(schedule(ends_at=STARTS), Unprocessable).field == "ends_at"
    assert given(SESSION).refuses(schedule(ends_at=STARTS + timedelta(hours=13)), Unprocessable).field == "ends_at"


def test_enrolment_takes_a_place_while_there_is_one_then_the_waitlist_in_order():
    given(SESSION, SCHEDULED).then(enrol("ana"), accepted("ana"))
    given(SESSION, SCHEDULED, accepted("ana")).then(enrol("ben"), accepted("ben"))
    given(SESSION, *FULL).then(enrol("cy"), waitlisted("cy", 1))
    given(SESSION, *FULL, waitlisted("cy", 1)).then(enrol("dee"), waitlisted("dee", 2))
    state = given(SESSION, *WITH_LINE).state
    assert (state.enrolled, state.waitlist) == (("ana", "ben"), ("cy", "dee"))


def test_a_technician_enrols_a_named_person_and_is_recorded_as_who_asked():
    command = Enrol(person_id="ana", enrolled_by="tom", at=BEFORE)
    given(SESSION, SCHEDULED).then(command, accepted("ana", by="tom"))


def test_a_person_holds_one_place_or_one_place_in_line():
    given(SESSION, *FULL).refuses(enrol("ana"), AlreadyEnrolled, "already has a place")
    given(SESSION, *WITH_LINE).refuses(enrol("dee"), AlreadyEnrolled, "number 2 on the waitlist")


def test_a_withdrawal_frees_the_place_for_the_first_in_line():
    given(SESSION, *WITH_LINE).then(withdraw("ana"), withdrawn("ana", False), promoted("cy"))
    after = given(SESSION, *WITH_LINE, withdrawn("ana", False), promoted("cy")).state
    assert (after.enrolled, after.waitlist) == (("ben", "cy"), ("dee",))


def test_a_withdrawal_from_the_line_promotes_nobody_and_with_nobody_waiting_the_place_stays_free():
    given(SESSION, *WITH_LINE).then(withdraw("cy"), withdrawn("cy", True))
    given(SESSION, *FULL).then(withdraw("ben"), withdrawn("ben", False))
    after = given(SESSION, *WITH_LINE, withdrawn("cy", True)).state
    assert after.waitlist == ("dee",)


def test_only_a_person_enrolled_or_waiting_withdraws():
    given(SESSION, *FULL).refuses(withdraw("zoe"), NotEnrolled)
    given(SESSION, *FULL, withdrawn("ana", False)).refuses(withdraw("ana"), NotEnrolled)


def test_a_withdrawn_person_may_enrol_again_and_goes_to_the_back():
    history = (*WITH_LINE, withdrawn("ana", False), promoted("cy"))
    given(SESSION, *history).then(enrol("ana"), waitlisted("ana", 2))


def test_nothing_is_enrolled_or_withdrawn_once_the_session_started():
    given(SESSION, SCHEDULED).refuses(enrol("ana", at=STARTS), SessionAlreadyStarted)
    given(SESSION, *FULL).refuses(withdraw("ana", at=DURING), SessionAlreadyStarted)
    given(SESSION, *FULL).refuses(ChangeCapacity(capacity=5, at=DURING), SessionAlreadyStarted)


def test_more_capacity_promotes_those_in_line_and_capacity_never_falls_below_the_enrolled():
    changed = SessionCapacityChanged(at=BEFORE, session_id=SESSION_ID, capacity=3)
    given(SESSION, *WITH_LINE).then(ChangeCapacity(capacity=3, at=BEFORE), changed, promoted("cy"))
    given(SESSION, *WITH_LINE).refuses(ChangeCapacity(capacity=1, at=BEFORE), CapacityBelowEnrolled, "2 people")
    to_five = given(SESSION, *WITH_LINE).when(ChangeCapacity(capacity=5, at=BEFORE))
    assert [e.person_id for e in to_five[1:]] == ["cy", "dee"]


def test_a_cancelled_session_names_everyone_to_tell_and_takes_nothing_more():
    cancel = CancelSession(reason="Trainer ill", at=BEFORE)
    cancelled = SessionCancelled(
        at=BEFORE,
        session_id=SESSION_ID,
        course_id=COURSE_ID,
        title="Excel basics",
        starts_at=STARTS,
        reason="Trainer ill",
        enrolled=["ana", "ben"],
        waitlisted=["cy", "dee"],
    )
    given(SESSION, *WITH_LINE).then(cancel, cancelled)
    for command in (
        enrol("zoe"),
        withdraw("ana"),
        cancel,
        RecordAttendance(attendees=("ana",), at=DURING),
        ChangeCapacity(capacity=9, at=BEFORE),
    ):
        given(SESSION, *WITH_LINE, cancelled).refuses(command, SessionIsCancelled)


def test_attendance_delivers_the_sessions_hours_to_each_attendee_and_counts_the_rest_as_no_shows():
    recorded = AttendanceRecorded(
        at=DURING,
        session_id=SESSION_ID,
        course_id=COURSE_ID,
        hours=Decimal("2.50"),
        attendees=["ana"],
        no_shows=["ben"],
    )
    given(SESSION, *WITH_LINE).then(RecordAttendance(attendees=("ana",), at=DURING), recorded, delivered("ana"))


def test_an_attendee_who_did_not_enrol_is_trained_all_the_same():
    decided = given(SESSION, *FULL).when(RecordAttendance(attendees=("ana", "ben", "walk-in"), at=DURING))
    assert decided[0].no_shows == []
    assert [e.person_id for e in decided[1:]] == ["ana", "ben", "walk-in"]


def test_no_shows_named_must_be_enrolled_and_not_also_attendees():
    both = RecordAttendance(attendees=("ana",), no_shows=("ana",), at=DURING)
    assert given(SESSION, *FULL).refuses(both, Unprocessable).field == "no_shows"
    stranger = RecordAttendance(attendees=("ana",), no_shows=("zoe",), at=DURING)
    assert given(SESSION, *FULL).refuses(stranger, Unprocessable).field == "no_shows"


def test_attendance_waits_for_the_start_and_is_recorded_once():
    given(SESSION, *FULL).refuses(RecordAttendance(attendees=("ana",), at=BEFORE), SessionNotStarted)
    done = given(SESSION, *FULL).when(RecordAttendance(attendees=("ana",), at=DURING))
    again = RecordAttendance(attendees=("ben",), at=DURING)
    given(SESSION, *FULL, *done).refuses(again, AttendanceAlreadyRecorded)
    given(SESSION, *FULL, *done).refuses(CancelSession(reason="late", at=DURING), SessionAlreadyHeld)


@pytest.mark.parametrize("command", [enrol("ana"), withdraw("ana"), CancelSession(reason="x", at=BEFORE)])
def test_a_session_never_scheduled_does_not_exist(command):
    given(SESSION).refuses(command, NotFound)


def test_the_waitlist_is_bounded():
    line = [waitlisted(f"p{i}", i) for i in range(1, MAX_WAITLIST + 1)]
    given(SESSION, *FULL, *line).refuses(enrol("zoe"), WaitlistFull, "schedule another")
    given(SESSION, *FULL, *line[:-1]).then(enrol("zoe"), waitlisted("zoe", MAX_WAITLIST))
