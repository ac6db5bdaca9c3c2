"""The preventive-schedule decider and its recurrence dates, given / when / then, without I/O."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import uuid4

import pytest

from events.contracts.work_orders import (
    PreventiveScheduleCreated,
    PreventiveScheduleRetired,
    PreventiveWorkOrderRaised,
    WorkOrderKind,
)
from events.errors import NotFound
from events.testing import given
from tickets.domain.calendar import BusinessCalendar
from tickets.domain.errors import (
    OccurrenceAlreadyRaised,
    OccurrenceNotDue,
    OccurrenceOutOfOrder,
    ScheduleAlreadyExists,
    ScheduleRecurrenceInvalid,
    ScheduleRetired,
)
from tickets.domain.preventive import (
    PREVENTIVE_SCHEDULE,
    CreatePreventiveSchedule,
    RaiseOccurrence,
    RetirePreventiveSchedule,
    ScheduleStatus,
    due_occurrences,
    next_due,
    work_order_commands,
)
from tickets.domain.work_order import CreateWorkOrder, ScheduleWorkOrder

ID, DEVICE = uuid4(), uuid4()
OFFICE = BusinessCalendar()  # the default desk calendar: Mon-Fri 08:30-16:30 America/Toronto
CREATED_AT = datetime(2025, 12, 18, 14, 0, tzinfo=UTC)


def on(day: date, hour: int = 6) -> datetime:
    """The scheduler's clock on `day` (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def created(**overrides) -> PreventiveScheduleCreated:
    fields = dict(schedule_id=ID, title="Clean server room filters", description="Both CRAC units", device_id=DEVICE,
                  every_days=7, starts_on=date(2026, 1, 5), at=CREATED_AT)
    return PreventiveScheduleCreated(**{**fields, **overrides})


def monthly(day: int, starts_on: date) -> PreventiveScheduleCreated:
    return created(every_days=None, day_of_month=day, starts_on=starts_on)


def raised(occurrence: date) -> PreventiveWorkOrderRaised:
    return PreventiveWorkOrderRaised(schedule_id=ID, occurrence=occurrence, work_order_id=uuid4(), at=on(occurrence))


def test_creating_a_schedule_records_its_recurrence_and_makes_it_active():
    command = CreatePreventiveSchedule(ID, "Clean server room filters", date(2026, 1, 5), "Both CRAC units",
                                       every_days=7, device_id=DEVICE, at=CREATED_AT)
    given(PREVENTIVE_SCHEDULE).then(command, created())
    schedule = given(PREVENTIVE_SCHEDULE, created()).state
    assert (schedule.status, next_due(schedule)) == (ScheduleStatus.ACTIVE, date(2026, 1, 5))


@pytest.mark.parametrize(("every_days", "day_of_month"), [(None, None), (7, 15)])
def test_a_schedule_recurs_either_every_n_days_or_monthly(every_days, day_of_month):
    command = CreatePreventiveSchedule(ID, "Filters", date(2026, 1, 5), every_days=every_days,
                                       day_of_month=day_of_month, at=CREATED_AT)
    given(PREVENTIVE_SCHEDULE).refuses(command, ScheduleRecurrenceInvalid,
                                       match="either every_days or on a day_of_month")


def test_a_schedule_cannot_be_created_twice():
    command = CreatePreventiveSchedule(ID, "Again", date(2026, 1, 5), every_days=1, at=CREATED_AT)
    given(PREVENTIVE_SCHEDULE, created()).refuses(command, ScheduleAlreadyExists, match="already exists")


def test_every_n_days_falls_on_starts_on_and_every_n_days_after():
    assert due_occurrences(given(PREVENTIVE_SCHEDULE, created()).state, date(2026, 1, 26)) == [
        date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def test_nothing_is_due_before_the_schedule_starts():
    assert due_occurrences(given(PREVENTIVE_SCHEDULE, created()).state, date(2026, 1, 4)) == []


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    schedule = given(PREVENTIVE_SCHEDULE, monthly(31, date(2026, 1, 1))).state
    assert due_occurrences(schedule, date(2026, 4, 30)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_a_monthly_schedule_starting_after_its_day_begins_the_next_month():
    schedule = given(PREVENTIVE_SCHEDULE, monthly(10, date(2026, 12, 15))).state
    assert next_due(schedule) == date(2027, 1, 10)


def test_missed_occurrences_after_the_last_raised_are_all_due_oldest_first():
    schedule = given(PREVENTIVE_SCHEDULE, created(), raised(date(2026, 1, 5))).state
    assert due_occurrences(schedule, date(2026, 1, 20)) == [date(2026, 1, 12), date(2026, 1, 19)]
    assert due_occurrences(schedule, date(2026, 1, 20), limit=1) == [date(2026, 1, 12)]


def test_raising_the_next_due_occurrence_records_its_work_order_and_moves_next_due_on():
    work_order_id = uuid4()
    event = PreventiveWorkOrderRaised(schedule_id=ID, occurrence=date(2026, 1, 5), work_order_id=work_order_id,
                                      at=on(date(2026, 1, 5)))
    given(PREVENTIVE_SCHEDULE, created()).then(
        RaiseOccurrence(ID, date(2026, 1, 5), work_order_id, on(date(2026, 1, 5))), event)
    assert next_due(given(PREVENTIVE_SCHEDULE, created(), event).state) == date(2026, 1, 12)


def test_an_occurrence_already_raised_is_refused():
    schedule = given(PREVENTIVE_SCHEDULE, created(), raised(date(2026, 1, 5)), raised(date(2026, 1, 12)))
    schedule.refuses(RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), on(date(2026, 1, 20))), OccurrenceAlreadyRaised,
                     match="each occurrence raises one work order")


@pytest.mark.parametrize("occurrence", [date(2026, 1, 19), date(2026, 1, 13)], ids=["skipping", "off-schedule"])
def test_occurrences_are_raised_in_order_on_their_dates(occurrence):
    schedule = given(PREVENTIVE_SCHEDULE, created(), raised(date(2026, 1, 5)))
    schedule.refuses(RaiseOccurrence(ID, occurrence, uuid4(), on(date(2026, 1, 20))), OccurrenceOutOfOrder,
                     match=r"next occurrence .* is 2026-01-12")


@pytest.mark.parametrize("now", [datetime(2026, 1, 4, tzinfo=UTC),
                                 datetime(2026, 1, 4, 23, 59, 59, 999999, tzinfo=UTC)],
                         ids=["the-day-before", "a-moment-before"])
def test_an_occurrence_is_not_raised_before_its_date(now):
    given(PREVENTIVE_SCHEDULE, created()).refuses(RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), now),
                                                  OccurrenceNotDue, match="raised on or after their date")


def test_an_occurrence_is_due_from_midnight_utc_on_its_date_whatever_the_callers_zone():
    toronto_evening = datetime(2026, 1, 4, 19, 0, tzinfo=timezone(timedelta(hours=-5)))  # 00:00Z on the 5th
    command = RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), toronto_evening)
    [event] = given(PREVENTIVE_SCHEDULE, created()).when(command)
    assert (event.occurrence, event.at) == (date(2026, 1, 5), datetime(2026, 1, 5, tzinfo=UTC))


def test_a_backlog_is_raised_in_one_decision():
    commands = [RaiseOccurrence(ID, d, uuid4(), on(date(2026, 1, 20))) for d in (date(2026, 1, 5), date(2026, 1, 12))]
    events = PREVENTIVE_SCHEDULE.decide_all(given(PREVENTIVE_SCHEDULE, created()).state, commands)
    assert [e.occurrence for e in events] == [date(2026, 1, 5), date(2026, 1, 12)]


def test_retiring_a_schedule_stops_it_being_due():
    event = PreventiveScheduleRetired(schedule_id=ID, reason="CRAC units replaced", at=on(date(2026, 2, 2)))
    given(PREVENTIVE_SCHEDULE, created()).then(
        RetirePreventiveSchedule(ID, "CRAC units replaced", at=on(date(2026, 2, 2))), event)
    schedule = given(PREVENTIVE_SCHEDULE, created(), event).state
    assert (schedule.status, next_due(schedule), due_occurrences(schedule, date(2027, 1, 1))) == (
        ScheduleStatus.RETIRED, None, [])


CHANGES = [RetirePreventiveSchedule(ID, at=on(date(2026, 1, 5))),
           RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), on(date(2026, 1, 5)))]


@pytest.mark.parametrize("command", CHANGES, ids=["retire", "raise"])
def test_a_retired_schedule_refuses_every_change(command):
    retired = PreventiveScheduleRetired(schedule_id=ID, at=on(date(2026, 1, 2)))
    given(PREVENTIVE_SCHEDULE, created(), retired).refuses(command, ScheduleRetired,
                                                           match="only active schedules change")


@pytest.mark.parametrize("command", CHANGES, ids=["retire", "raise"])
def test_an_unknown_schedule_is_not_found(command):
    given(PREVENTIVE_SCHEDULE).refuses(command, NotFound, match=str(ID))


def test_an_occurrence_raises_a_preventive_work_order_on_the_schedules_device():
    event = raised(date(2026, 1, 5))
    [create] = work_order_commands(given(PREVENTIVE_SCHEDULE, created()).state, event, OFFICE)
    assert create == CreateWorkOrder(event.work_order_id, "Clean server room filters", "Both CRAC units",
                                     WorkOrderKind.PREVENTIVE, device_id=DEVICE, schedule_id=ID,
                                     occurrence=date(2026, 1, 5), at=event.at)


def test_an_occurrence_of_an_assigned_schedule_is_booked_for_the_assignee_when_the_desk_opens_on_its_day():
    event = raised(date(2026, 1, 5))
    _, book = work_order_commands(given(PREVENTIVE_SCHEDULE, created(assignee_id="tom")).state, event, OFFICE)
    # Monday 5 January opens at 08:30 in Toronto (EST): 13:30Z, not midnight UTC.
    assert book == ScheduleWorkOrder(event.work_order_id, "tom", datetime(2026, 1, 5, 13, 30, tzinfo=UTC),
                                     at=event.at)


def test_an_occurrence_on_a_closed_day_is_booked_when_the_desk_next_opens_in_the_tenants_zone():
    event = raised(date(2026, 1, 10))  # a Saturday
    schedule = given(PREVENTIVE_SCHEDULE, created(assignee_id="tom", starts_on=date(2026, 1, 10))).state
    berlin = BusinessCalendar(timezone="Europe/Berlin", hours={d: ((time(7), time(15)),) for d in range(5)})
    _, book = work_order_commands(schedule, event, berlin)
    assert book.scheduled_for == datetime(2026, 1, 12, 6, tzinfo=UTC)  # Monday 07:00 CET
