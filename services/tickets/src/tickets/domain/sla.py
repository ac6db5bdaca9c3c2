"""SLA clocks: business time counted along a ticket's timeline against a target, with warning and breach instants."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tickets.domain.calendar import ZERO, BusinessCalendar, add_business_time, business_time

Pause = tuple[datetime, datetime | None]


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Timeline:
    """What happened to one clock: started, maybe stopped (target met), paused while pending on the requester.

    Pauses need not be sorted and may overlap each other or closed hours; parts before started_at or after
    stopped_at are ignored, an open pause (end None) lasts until stopped_at or `now`, a pause ending before it
    starts is ignored, and a stop before the start counts nothing.
    """

    started_at: datetime
    stopped_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pauses", tuple((start, end) for start, end in self.pauses))
        instants = [self.started_at, self.stopped_at, *(at for pause in self.pauses for at in pause)]
        for instant in instants:
            if instant is not None and instant.utcoffset() is None:
                raise ValueError(f"timeline: {instant!r} must be a timezone-aware datetime")


@dataclass(frozen=True)
class ClockView:
    """A clock as of `now`: business seconds counted and paused, its state, and the instants a scheduler wakes at.

    A running clock is `due_at` the first instant its whole target has been counted (the deadline a desk reads,
    a closing time when the target runs out with the day) and `breaches_at` the instant counting first goes past
    it (the next opening, then): the two differ only when the target runs out as counting stops.
    """

    target_seconds: float
    elapsed_seconds: float
    paused_seconds: float
    state: ClockState
    due_at: datetime | None
    warning_at: datetime | None
    breached_at: datetime | None
    breaches_at: datetime | None = None


def clock_view(
    calendar: BusinessCalendar, target_seconds: float, timeline: Timeline, now: datetime, warning_ratio: float = 0.75
) -> ClockView:
    """The clock as of `now` (a stopped clock as of its stop: later instants change nothing)."""
    _check(target_seconds, warning_ratio, now)
    target = timedelta(seconds=target_seconds)
    end = timeline.stopped_at if timeline.stopped_at is not None else now
    elapsed = _total(calendar, _counted_spans(timeline, end))
    state = _state(timeline, now, over=elapsed > target)
    running = state is ClockState.RUNNING
    return ClockView(
        target_seconds=target_seconds,
        elapsed_seconds=elapsed.total_seconds(),
        paused_seconds=_total(calendar, _clip(_merged_pauses(timeline), end)).total_seconds(),
        state=state,
        due_at=_crossing(calendar, timeline, target, exceed=False) if running else None,
        warning_at=_warning_at(calendar, timeline, target * warning_ratio, now) if running else None,
        breached_at=_crossing(calendar, timeline, target) if state is ClockState.BREACHED else None,
        breaches_at=_crossing(calendar, timeline, target) if running else None,
    )


def crossing_at(calendar: BusinessCalendar, timeline: Timeline, business_seconds: float) -> datetime | None:
    """The instant (UTC) after which more than `business_seconds` are counted: where the count reaches that amount
    and goes on growing (if it reaches it at closing time or as a pause starts, the next instant it grows).
    A running clock gets a projection, possibly in the future; None if the count does not exceed the amount by
    stopped_at, or has not by the start of a pause still open (the resume time is not known yet)."""
    if business_seconds < 0:
        raise ValueError(f"business_seconds: must not be negative, got {business_seconds}")
    return _crossing(calendar, timeline, timedelta(seconds=business_seconds))


def _crossing(calendar: BusinessCalendar, timeline: Timeline, amount: timedelta, *, exceed=True) -> datetime | None:
    # "After which more than" rather than "first reaching": stopping exactly at a target is MET, so a breach
    # begins only when counting goes on past it; breaches_at, breached_at and the state then agree to the
    # microsecond. exceed=False answers the first instant the amount is reached instead (due_at).
    for start, end in _counted_spans(timeline, timeline.stopped_at):
        if end is None:
            return add_business_time(calendar, start, amount, exceed=exceed)
        length = business_time(calendar, start, end)
        if amount < length or (amount == length and not exceed):
            return add_business_time(calendar, start, amount, exceed=exceed)
        amount -= length
    return None


def _warning_at(calendar: BusinessCalendar, timeline: Timeline, amount: timedelta, now: datetime) -> datetime | None:
    warning = _crossing(calendar, timeline, amount)
    return warning if warning is not None and warning >= now else None


def _state(timeline: Timeline, now: datetime, *, over: bool) -> ClockState:
    if timeline.stopped_at is not None or over:
        return ClockState.BREACHED if over else ClockState.MET
    at = max(now, timeline.started_at)  # a clock looked at before its start is as it will start: maybe paused
    paused = any(start <= at and (end is None or at < end) for start, end in _merged_pauses(timeline))
    return ClockState.PAUSED if paused else ClockState.RUNNING


def _merged_pauses(timeline: Timeline) -> list[Pause]:
    """Pauses from started_at on, sorted, overlaps merged; an open pause swallows every later one."""
    merged: list[Pause] = []
    for start, end in sorted(timeline.pauses, key=lambda pause: pause[0]):
        start = max(start, timeline.started_at)
        if end is not None and end <= start:
            continue
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            merged[-1] = (merged[-1][0], None if None in (merged[-1][1], end) else max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _counted_spans(timeline: Timeline, until: datetime | None) -> list[Pause]:
    """The stretches between the pauses, from started_at to `until` (None: open-ended, the last span has no end)."""
    spans, cursor = [], timeline.started_at
    for start, end in _merged_pauses(timeline):
        spans.append((cursor, start))
        if end is None:
            return _clip(spans, until)
        cursor = end
    return _clip([*spans, (cursor, None)], until)


def _clip(spans: list[Pause], until: datetime | None) -> list[Pause]:
    if until is None:
        return spans
    return [(start, until if end is None else min(end, until)) for start, end in spans if start < until]


def _total(calendar: BusinessCalendar, spans: list[Pause]) -> timedelta:
    return sum((business_time(calendar, start, end) for start, end in spans), ZERO)


def _check(target_seconds: float, warning_ratio: float, now: datetime) -> None:
    if target_seconds < 0:
        raise ValueError(f"target_seconds: must not be negative, got {target_seconds}")
    if not 0 < warning_ratio <= 1:
        raise ValueError(f"warning_ratio: must be in (0, 1], got {warning_ratio}")
    if now.utcoffset() is None:
        raise ValueError(f"now: must be a timezone-aware datetime, got {now!r}")
