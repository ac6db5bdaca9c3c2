"""The orientation, training policy and course deciders, given / when / then, without I/O; due dates in business
days of the tenant's time zone."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from events.contracts.training import (
    CourseAdded,
    OrientationCompleted,
    OrientationOwed,
    TrainingDelivered,
    TrainingPolicyChanged,
)
from events.errors import NotFound, Unprocessable
from events.testing import given
from training.domain.course import COURSE, AddCourse
from training.domain.orientation import ORIENTATION, CompleteOrientation, OweOrientation, orientation_id_for
from training.domain.policy import DEFAULT_POLICY, TRAINING_POLICY, SetTrainingPolicy, TrainingPolicy
from training.domain.training_errors import CourseAlreadyAdded, OrientationAlreadyCompleted, OrientationAlreadyOwed

MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in Toronto
ORIENTATION_ID, ACCOUNT_ID, DELIVERY_ID = orientation_id_for("city", "ana"), uuid4(), uuid4()
OWED = OrientationOwed(
    at=MONDAY,
    orientation_id=ORIENTATION_ID,
    person_id="ana",
    due_on=date(2026, 3, 16),
    account_id=ACCOUNT_ID,
    username="ana.silva",
)


def owe(**overrides) -> OweOrientation:
    fields = dict(
        orientation_id=ORIENTATION_ID,
        person_id="ana",
        due_on=date(2026, 3, 16),
        at=MONDAY,
        account_id=ACCOUNT_ID,
        username="ana.silva",
    )
    return OweOrientation(**{**fields, **overrides})


def complete(on: date, hours="1.50") -> CompleteOrientation:
    at = datetime.combine(on, MONDAY.timetz())
    return CompleteOrientation(delivery_id=DELIVERY_ID, hours=Decimal(hours), trainer_id="tom", completed_on=on, at=at)


def test_the_due_date_is_the_nth_business_day_after_the_day_it_was_owed():
    assert DEFAULT_POLICY.due_on(MONDAY) == date(2026, 3, 16)  # ten business days: two weeks on
    three = TrainingPolicy(orientation_due_business_days=3)
    assert three.due_on(datetime(2026, 3, 6, 15, 0, tzinfo=UTC)) == date(2026, 3, 11)  # a Friday: Mon, Tue, Wed
    assert three.due_on(datetime(2026, 3, 7, 15, 0, tzinfo=UTC)) == date(2026, 3, 11)  # a Saturday counts from Monday


def test_holidays_are_no_business_days():
    easter = TrainingPolicy(orientation_due_business_days=3, holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    assert easter.due_on(datetime(2026, 4, 2, 15, 0, tzinfo=UTC)) == date(2026, 4, 9)


def test_the_day_owed_is_the_tenants_local_day():
    late_evening = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # Monday 22:30 in Toronto, Tuesday in UTC
    one_day = TrainingPolicy(orientation_due_business_days=1)
    assert one_day.due_on(late_evening) == date(2026, 3, 3)
    assert TrainingPolicy(1, "Europe/Paris").due_on(late_evening) == date(2026, 3, 4)


def test_a_policy_names_a_real_time_zone():
    given(TRAINING_POLICY).then(
        SetTrainingPolicy(TrainingPolicy(5, "America/Vancouver", frozenset({date(2026, 7, 1)})), MONDAY),
        TrainingPolicyChanged(
            at=MONDAY, orientation_due_business_days=5, timezone="America/Vancouver", holidays=[date(2026, 7, 1)]
        ),
    )
    nowhere = SetTrainingPolicy(TrainingPolicy(5, "Mars/Olympus"), MONDAY)
    refusal = given(TRAINING_POLICY).refuses(nowhere, Unprocessable)
    assert refusal.field == "timezone"


def test_a_person_is_owed_one_orientation():
    given(ORIENTATION).then(owe(), OWED)
    second_account = owe(account_id=uuid4(), username="ana.s2")
    given(ORIENTATION, OWED).refuses(second_account, OrientationAlreadyOwed, "due 2026-03-16")
    assert orientation_id_for("city", "ana") != orientation_id_for("other-city", "ana")


def test_completing_records_the_delivery_with_its_hours_and_whether_it_was_on_time():
    on_time = OrientationCompleted(
        at=complete(date(2026, 3, 16)).at,
        orientation_id=ORIENTATION_ID,
        person_id="ana",
        due_on=date(2026, 3, 16),
        within_due=True,
        hours=Decimal("1.50"),
        delivery_id=DELIVERY_ID,
        trainer_id="tom",
    )
    delivered = TrainingDelivered(
        at=on_time.at,
        delivery_id=DELIVERY_ID,
        person_id="ana",
        hours=Decimal("1.50"),
        kind="orientation",
        topic="orientation",
        orientation_id=ORIENTATION_ID,
        trainer_id="tom",
    )
    given(ORIENTATION, OWED).then(complete(date(2026, 3, 16)), on_time, delivered)
    [late, _] = given(ORIENTATION, OWED).when(complete(date(2026, 3, 17)))
    assert late.within_due is False


def test_an_orientation_is_completed_once_and_only_once_owed():
    done = given(ORIENTATION, OWED).when(complete(date(2026, 3, 5)))
    given(ORIENTATION, OWED, *done).refuses(complete(date(2026, 3, 6)), OrientationAlreadyCompleted)
    given(ORIENTATION).refuses(complete(date(2026, 3, 6)), NotFound)


def test_a_course_is_added_once():
    course_id = uuid4()
    command = AddCourse(
        course_id=course_id,
        title="Teams for meetings",
        technology="Microsoft Teams",
        topic="collaboration",
        duration_hours=Decimal("2"),
        at=MONDAY,
        new_technology=True,
    )
    added = CourseAdded(
        at=MONDAY,
        course_id=course_id,
        title="Teams for meetings",
        technology="Microsoft Teams",
        topic="collaboration",
        duration_hours=Decimal("2"),
        new_technology=True,
    )
    given(COURSE).then(command, added)
    given(COURSE, added).refuses(command, CourseAlreadyAdded)
