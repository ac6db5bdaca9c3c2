"""A ticket's SLA clocks under a policy: their views, the warning and breach marks due, the next moments to look."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from events.base import Event
from events.contracts.tickets import SlaBreached, SlaClock, SlaWarningReached
from tickets.domain.calendar import BusinessCalendar
from tickets.domain.policy import DeskPolicy
from tickets.domain.sla import ClockView, Timeline, clock_view, crossing_at
from tickets.domain.ticket_state import FINISHED, Status, Ticket

WARNING_RATIO = 0.75


def _ended_at(t: Ticket) -> datetime | None:
    return t.closed_at if t.status is Status.CANCELLED else None


def timelines(t: Ticket) -> dict[SlaClock, Timeline]:
    """The response clock runs to the first response; the resolution clock, paused while pending, to resolution."""
    return {
        SlaClock.RESPONSE: Timeline(t.opened_at, t.responded_at or t.resolved_at or _ended_at(t), ()),
        SlaClock.RESOLUTION: Timeline(t.opened_at, t.resolved_at or _ended_at(t), (*t.pauses, *t.unresolved_spans)),
    }


def targets(t: Ticket, policy: DeskPolicy) -> dict[SlaClock, float]:
    target = policy.target(t.priority, t.category)
    return {SlaClock.RESPONSE: target.response_minutes * 60.0, SlaClock.RESOLUTION: target.resolution_minutes * 60.0}


def clocks(t: Ticket, policy: DeskPolicy, now: datetime) -> dict[SlaClock, ClockView]:
    if t.opened_at is None:  # recorded before SLA clocks existed
        return {}
    seconds = targets(t, policy)
    return {clock: clock_view(policy.calendar, seconds[clock], line, now, WARNING_RATIO)
            for clock, line in timelines(t).items()}


def due_marks(t: Ticket, policy: DeskPolicy, now: datetime) -> list[Event]:
    """Warnings and breaches reached by `now` and not yet recorded, each stamped with the moment it was reached."""
    if t.opened_at is None:
        return []
    marks: list[Event] = []
    seconds, lines = targets(t, policy), timelines(t)
    for clock, line in lines.items():
        marks += _marks_for(t, policy.calendar, clock, line, seconds[clock], now)
    return sorted(marks, key=lambda mark: mark.at)


def _marks_for(t: Ticket, calendar: BusinessCalendar, clock: SlaClock, line: Timeline, target: float,
               now: datetime) -> list[Event]:
    found: list[Event] = []
    warned = crossing_at(calendar, line, target * WARNING_RATIO)
    if (clock, "warning") not in t.sla_marks and warned is not None and warned <= now:
        found.append(SlaWarningReached(clock=clock, target_seconds=target, at=warned))
    breached = crossing_at(calendar, line, target)
    if (clock, "breach") not in t.sla_marks and breached is not None and breached <= now:
        found.append(SlaBreached(clock=clock, target_seconds=target, at=breached))
    return found


def next_check_at(t: Ticket, views: dict[SlaClock, ClockView]) -> datetime | None:
    """The next moment a mark falls due while the clocks (`views`, as `clocks` gives them) run as they do."""
    if t.status in FINISHED:
        return None
    upcoming = []
    for clock, view in views.items():
        if (clock, "warning") not in t.sla_marks and view.warning_at:
            upcoming.append(view.warning_at)
        if (clock, "breach") not in t.sla_marks and view.breaches_at:
            upcoming.append(view.breaches_at)
    return min(upcoming, default=None)


def auto_close_at(t: Ticket, policy: DeskPolicy) -> datetime | None:
    """A resolved ticket closes by itself this many business days after resolution, at the same local time."""
    if t.status is not Status.RESOLVED or t.resolved_at is None:
        return None
    return add_business_days(policy.calendar, t.resolved_at, policy.auto_close_business_days)


def add_business_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    zone = ZoneInfo(calendar.timezone)
    local = start.astimezone(zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += bool(calendar.hours.get(day.weekday())) and day not in calendar.holidays
    return datetime.combine(day, local.time(), zone).astimezone(start.tzinfo)
