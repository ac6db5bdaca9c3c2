"""The preventive-schedule decider and its recurrence dates, given / when / then, without I/O."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from events.contracts.work_orders import (
    PreventiveScheduleCreated,
    PreventiveScheduleRetired,
    PreventiveWorkOrderRaised,
    WorkOrderKind,
)
from tickets.domain.errors import NotFound
from tickets.domain.preventive import (
    NO_SCHEDULE,
    CreatePreventiveSchedule,
    OccurrenceAlreadyRaised,
    OccurrenceNotDue,
    OccurrenceOutOfOrder,
    RaiseOccurrence,
    RetirePreventiveSchedule,
    ScheduleAlreadyExists,
    ScheduleRecurrenceInvalid,
    ScheduleRetired,
    ScheduleStatus,
    decide,
    decide_all,
    due_occurrences,
    fold,
    next_due,
    work_order_commands,
)
from tickets.domain.work_order import CreateWorkOrder, ScheduleWorkOrder

ID, DEVICE = uuid4(), uuid4()


def created(**overrides) -> PreventiveScheduleCreated:
    fields = dict(schedule_id=ID, title="Clean server room filters", description="Both CRAC units", device_id=DEVICE,
                  every_days=7, starts_on=date(2026, 1, 5))
    return PreventiveScheduleCreated(**{**fields, **overrides})


def monthly(day: int, starts_on: date) -> PreventiveScheduleCreated:
    return created(every_days=None, day_of_month=day, starts_on=starts_on)


def raised(occurrence: date) -> PreventiveWorkOrderRaised:
    return PreventiveWorkOrderRaised(schedule_id=ID, occurrence=occurrence, work_order_id=uuid4())


def given(*events):
    return fold(list(events))


def test_creating_a_schedule_records_its_recurrence_and_makes_it_active():
    command = CreatePreventiveSchedule(ID, "Clean server room filters", date(2026, 1, 5), "Both CRAC units",
                                       every_days=7, device_id=DEVICE)
    [event] = decide(NO_SCHEDULE, command)
    assert event == created()
    schedule = given(event)
    assert (schedule.status, next_due(schedule)) == (ScheduleStatus.ACTIVE, date(2026, 1, 5))


@pytest.mark.parametrize(("every_days", "day_of_month"), [(None, None), (7, 15)])
def test_a_schedule_recurs_either_every_n_days_or_monthly(every_days, day_of_month):
    command = CreatePreventiveSchedule(ID, "Filters", date(2026, 1, 5), every_days=every_days,
                                       day_of_month=day_of_month)
    with pytest.raises(ScheduleRecurrenceInvalid, match="either every_days or on a day_of_month"):
        decide(NO_SCHEDULE, command)


def test_a_schedule_cannot_be_created_twice():
    with pytest.raises(ScheduleAlreadyExists, match="already exists"):
        decide(given(created()), CreatePreventiveSchedule(ID, "Again", date(2026, 1, 5), every_days=1))


def test_every_n_days_falls_on_starts_on_and_every_n_days_after():
    assert due_occurrences(given(created()), date(2026, 1, 26)) == [
        date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def test_nothing_is_due_before_the_schedule_starts():
    assert due_occurrences(given(created()), date(2026, 1, 4)) == []


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    schedule = given(monthly(31, date(2026, 1, 1)))
    assert due_occurrences(schedule, date(2026, 4, 30)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_a_monthly_schedule_starting_after_its_day_begins_the_next_month():
    schedule = given(monthly(10, date(2026, 12, 15)))
    assert next_due(schedule) == date(2027, 1, 10)


def test_missed_occurrences_after_the_last_raised_are_all_due_oldest_first():
    schedule = given(created(), raised(date(2026, 1, 5)))
    assert due_occurrences(schedule, date(2026, 1, 20)) == [date(2026, 1, 12), date(2026, 1, 19)]
    assert due_occurrences(schedule, date(2026, 1, 20), limit=1) == [date(2026, 1, 12)]


def test_raising_the_next_due_occurrence_records_its_work_order_and_moves_next_due_on():
    work_order_id = uuid4()
    [event] = decide(given(created()), RaiseOccurrence(ID, date(2026, 1, 5), work_order_id, date(2026, 1, 5)))
    assert event == PreventiveWorkOrderRaised(schedule_id=ID, occurrence=date(2026, 1, 5), work_order_id=work_order_id)
    assert next_due(given(created(), event)) == date(2026, 1, 12)


def test_an_occurrence_already_raised_is_refused():
    schedule = given(created(), raised(date(2026, 1, 5)), raised(date(2026, 1, 12)))
    with pytest.raises(OccurrenceAlreadyRaised, match="each occurrence raises one work order"):
        decide(schedule, RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), date(2026, 1, 20)))


@pytest.mark.parametrize("occurrence", [date(2026, 1, 19), date(2026, 1, 13)], ids=["skipping", "off-schedule"])
def test_occurrences_are_raised_in_order_on_their_dates(occurrence):
    schedule = given(created(), raised(date(2026, 1, 5)))
    with pytest.raises(OccurrenceOutOfOrder, match=r"next occurrence .* is 2026-01-12"):
        decide(schedule, RaiseOccurrence(ID, occurrence, uuid4(), date(2026, 1, 20)))


def test_an_occurrence_is_not_raised_before_its_date():
    with pytest.raises(OccurrenceNotDue, match="raised on or after their date"):
        decide(given(created()), RaiseOccurrence(ID, date(2026, 1, 5), uuid4(), date(2026, 1, 4)))


def test_a_backlog_is_raised_in_one_decision():
    commands = [RaiseOccurrence(ID, d, uuid4(), date(2026, 1, 20)) for d in (date(2026, 1, 5), date(2026, 1, 12))]
    events = decide_all(given(created()), commands)
    assert [e.occurrence for e in events] == [date(2026, 1, 5), date(2026, 1, 12)]


def test_retiring_a_schedule_stops_it_being_due():
    [event] = decide(given(created()), RetirePreventiveSchedule(ID, "CRAC units replaced"))
    assert event == PreventiveScheduleRetired(schedule_id=ID, reason="CRAC units replaced")
    schedule = given(created(), event)
    assert (schedule.status, next_due(schedule), due_occurrences(schedule, date(2027, 1, 1))) == (
        ScheduleStatus.RETIRED, None, [])


@pytest.mark.parametrize("command", [RetirePreventiveSchedule(ID), RaiseOccurrence(ID, date(2026, 1, 5), uuid4(),
                                                                                   date(2026, 1, 5))],
                         ids=["retire", "raise"])
def test_a_retired_schedule_refuses_every_change(command):
    with pytest.raises(ScheduleRetired, match="only active schedules change"):
        decide(given(created(), PreventiveScheduleRetired(schedule_id=ID)), command)


@pytest.mark.parametrize("command", [RetirePreventiveSchedule(ID), RaiseOccurrence(ID, date(2026, 1, 5), uuid4(),
                                                                                   date(2026, 1, 5))],
                         ids=["retire", "raise"])
def test_an_unknown_schedule_is_not_found(command):
    with pytest.raises(NotFound, match=str(ID)):
        decide(NO_SCHEDULE, command)


def test_an_occurrence_raises_a_preventive_work_order_on_the_schedules_device():
    event = raised(date(2026, 1, 5))
    [create] = work_order_commands(given(created()), event)
    assert create == CreateWorkOrder(event.work_order_id, "Clean server room filters", "Both CRAC units",
                                     WorkOrderKind.PREVENTIVE, device_id=DEVICE, schedule_id=ID,
                                     occurrence=date(2026, 1, 5))


def test_an_occurrence_of_an_assigned_schedule_is_booked_for_the_assignee_on_its_day():
    event = raised(date(2026, 1, 5))
    _, book = work_order_commands(given(created(assignee_id="tom")), event)
    assert book == ScheduleWorkOrder(event.work_order_id, "tom", datetime(2026, 1, 5, tzinfo=UTC))
