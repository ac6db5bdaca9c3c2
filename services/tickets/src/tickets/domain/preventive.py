"""The preventive-maintenance schedule decider: its recurrence dates, and raising each occurrence once, in order."""

from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from events.base import Event
from events.contracts.work_orders import (
    PreventiveScheduleCreated,
    PreventiveScheduleRetired,
    PreventiveWorkOrderRaised,
    WorkOrderKind,
)
from events.decider import Decider
from events.errors import NotFound
from tickets.domain.calendar import BusinessCalendar, opening_on_or_after
from tickets.domain.errors import (
    OccurrenceAlreadyRaised,
    OccurrenceNotDue,
    OccurrenceOutOfOrder,
    ScheduleAlreadyExists,
    ScheduleRecurrenceInvalid,
    ScheduleRetired,
)
from tickets.domain.work_order import CreateWorkOrder, ScheduleWorkOrder


class ScheduleStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class PreventiveSchedule:
    status: ScheduleStatus = ScheduleStatus.NONE
    schedule_id: UUID | None = None
    title: str = ""
    description: str = ""
    device_id: UUID | None = None
    every_days: int | None = None
    day_of_month: int | None = None
    starts_on: date = date.min
    assignee_id: str | None = None
    last_raised: date | None = None
    retire_reason: str = ""


NO_SCHEDULE = PreventiveSchedule()


@dataclass(frozen=True)
class CreatePreventiveSchedule:
    at: datetime = field(kw_only=True)
    schedule_id: UUID
    title: str
    starts_on: date
    description: str = ""
    every_days: int | None = None
    day_of_month: int | None = None
    device_id: UUID | None = None
    assignee_id: str | None = None


@dataclass(frozen=True)
class RaiseOccurrence:
    schedule_id: UUID
    occurrence: date
    work_order_id: UUID
    at: datetime  # the caller's clock: nothing is raised before its date (UTC)


@dataclass(frozen=True)
class RetirePreventiveSchedule:
    at: datetime = field(kw_only=True)
    schedule_id: UUID
    reason: str = ""


Command = CreatePreventiveSchedule | RaiseOccurrence | RetirePreventiveSchedule


def _in_month(year: int, month: int, day_of_month: int) -> date:
    # "Monthly on the 31st" means the month's last day in April, not nothing and not the 1st of May.
    return date(year, month, min(day_of_month, monthrange(year, month)[1]))


def _monthly_on_or_after(day: date, day_of_month: int) -> date:
    candidate = _in_month(day.year, day.month, day_of_month)
    if candidate >= day:
        return candidate
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _in_month(year, month, day_of_month)


def occurrence_on_or_after(s: PreventiveSchedule, day: date) -> date:
    """The schedule's first occurrence on or after `day` (never before it starts)."""
    day = max(day, s.starts_on)
    if s.every_days:
        steps = -(-(day - s.starts_on).days // s.every_days)
        return s.starts_on + timedelta(days=steps * s.every_days)
    return _monthly_on_or_after(day, s.day_of_month)


def next_due(s: PreventiveSchedule) -> date | None:
    """The first occurrence not yet raised; none once retired."""
    if s.status is not ScheduleStatus.ACTIVE:
        return None
    return occurrence_on_or_after(s, s.last_raised + timedelta(days=1) if s.last_raised else s.starts_on)


def due_occurrences(s: PreventiveSchedule, today: date, limit: int = 1000) -> list[date]:
    """Every occurrence due by `today` and not yet raised, oldest first: missed ones are caught up."""
    found, upcoming = [], next_due(s)
    while upcoming is not None and upcoming <= today and len(found) < limit:
        found.append(upcoming)
        upcoming = occurrence_on_or_after(s, upcoming + timedelta(days=1))
    return found


def _must_exist_and_be_active(state: PreventiveSchedule, command: Command) -> None:
    if state.status is ScheduleStatus.NONE:
        raise NotFound(f"no preventive schedule {command.schedule_id}")
    if state.status is ScheduleStatus.RETIRED:
        raise ScheduleRetired(f"preventive schedule {command.schedule_id} is retired: only active schedules change")


def _create(state: PreventiveSchedule, c: CreatePreventiveSchedule) -> list[Event]:
    if state.status is not ScheduleStatus.NONE:
        raise ScheduleAlreadyExists(f"preventive schedule {c.schedule_id} already exists")
    if (c.every_days is None) == (c.day_of_month is None):
        raise ScheduleRecurrenceInvalid("a preventive schedule recurs either every_days or on a day_of_month, not both")
    return [PreventiveScheduleCreated(
        schedule_id=c.schedule_id, title=c.title, description=c.description, device_id=c.device_id,
        every_days=c.every_days, day_of_month=c.day_of_month, starts_on=c.starts_on, assignee_id=c.assignee_id,
        at=c.at)]


def _raise(state: PreventiveSchedule, c: RaiseOccurrence) -> list[Event]:
    if state.last_raised is not None and c.occurrence <= state.last_raised:
        raise OccurrenceAlreadyRaised(f"occurrence {c.occurrence} of preventive schedule {c.schedule_id} was already"
                                      f" raised: each occurrence raises one work order")
    expected = next_due(state)
    if c.occurrence != expected:
        raise OccurrenceOutOfOrder(f"the next occurrence of preventive schedule {c.schedule_id} is {expected}:"
                                   f" occurrences are raised in order, on their dates")
    if c.occurrence > c.at.astimezone(UTC).date():
        raise OccurrenceNotDue(f"occurrence {c.occurrence} of preventive schedule {c.schedule_id} is not due until"
                               f" then: work orders are raised on or after their date")
    return [PreventiveWorkOrderRaised(schedule_id=c.schedule_id, occurrence=c.occurrence,
                                      work_order_id=c.work_order_id, at=c.at)]


def _retire(state: PreventiveSchedule, c: RetirePreventiveSchedule) -> list[Event]:
    return [PreventiveScheduleRetired(schedule_id=c.schedule_id, reason=c.reason, at=c.at)]


def _created(state: PreventiveSchedule, e: PreventiveScheduleCreated) -> PreventiveSchedule:
    return replace(state, status=ScheduleStatus.ACTIVE, **e.model_dump(exclude={"at"}))


def _raised(state: PreventiveSchedule, e: PreventiveWorkOrderRaised) -> PreventiveSchedule:
    return replace(state, last_raised=e.occurrence)


def _retired(state: PreventiveSchedule, e: PreventiveScheduleRetired) -> PreventiveSchedule:
    return replace(state, status=ScheduleStatus.RETIRED, retire_reason=e.reason)


PREVENTIVE_SCHEDULE = Decider(
    initial=NO_SCHEDULE,
    evolvers={PreventiveScheduleCreated: _created, PreventiveWorkOrderRaised: _raised,
              PreventiveScheduleRetired: _retired},
    deciders={CreatePreventiveSchedule: _create, RaiseOccurrence: _raise, RetirePreventiveSchedule: _retire},
    precondition=_must_exist_and_be_active,
    creates=(CreatePreventiveSchedule,),
)


def work_order_commands(s: PreventiveSchedule, raised: PreventiveWorkOrderRaised, calendar: BusinessCalendar) -> list:
    """The work order an occurrence raises: preventive, on the schedule's device, booked for its assignee if any,
    when the tenant's desk opens on the occurrence's date (or the next day it opens)."""
    create = CreateWorkOrder(work_order_id=raised.work_order_id, title=s.title, description=s.description,
                             kind=WorkOrderKind.PREVENTIVE, device_id=s.device_id, schedule_id=s.schedule_id,
                             occurrence=raised.occurrence, at=raised.at)
    if s.assignee_id is None:
        return [create]
    when = opening_on_or_after(calendar, raised.occurrence)
    return [create, ScheduleWorkOrder(raised.work_order_id, technician_id=s.assignee_id, scheduled_for=when,
                                      at=raised.at)]
