"""Business time on a tenant calendar (time zone, weekly working hours, holidays), exact across DST changes."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate, pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZERO, DAY, WEEK = timedelta(0), timedelta(days=1), timedelta(weeks=1)
# As an interval's end, midnight means 24:00: a datetime.time cannot say 24:00, and 23:59:59 would lose a second a day.
END_OF_DAY = time(0)
Interval = tuple[time, time]
Span = tuple[datetime, datetime]


def _office_hours() -> dict[int, tuple[Interval, ...]]:
    return {weekday: ((time(8, 30), time(16, 30)),) for weekday in range(5)}


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0 = Monday) in local wall time; a missing weekday or a holiday is closed."""

    timezone: str = "America/Toronto"
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=_office_hours, hash=False)
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _week: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)  # nominal open time per weekday
    _week_total: timedelta = field(init=False, repr=False, compare=False)
    # Each local day's open spans in UTC, worked out once: every SLA clock and KPI fact asks again for the same days.
    _spans: dict[date, list[Span]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hours = _checked_hours(self.hours)
        object.__setattr__(self, "_zone", _checked_zone(self.timezone))
        object.__setattr__(self, "hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", _checked_holidays(frozenset(self.holidays)))
        object.__setattr__(self, "_week", tuple(_open_time(hours.get(d, ())) for d in range(7)))
        object.__setattr__(self, "_week_total", sum(self._week, ZERO))
        object.__setattr__(self, "_spans", {})


def calendar_from_dict(data: Mapping) -> BusinessCalendar:
    """The calendar from its JSON form; missing keys take the defaults, unknown keys are refused (likely typos)."""
    if unknown := set(data) - {"timezone", "hours", "holidays"}:
        raise ValueError(f"calendar: unknown keys {sorted(unknown)}")
    fields = {"timezone": data.get("timezone", "America/Toronto")}
    if "hours" in data:
        if not isinstance(data["hours"], Mapping):
            raise ValueError("hours: must map weekday names (mon .. sun) to [start, end] pairs")
        fields["hours"] = dict(_day_from(name, intervals) for name, intervals in data["hours"].items())
    fields["holidays"] = frozenset(_holiday(text) for text in data.get("holidays", ()))
    return BusinessCalendar(**fields)


def business_time(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time in [start, end], exact to the microsecond (timedelta sums are integers, floats are not)."""
    if _aware(end, "end") <= _aware(start, "start"):
        return ZERO
    first, last = _local_date(calendar, start), _local_date(calendar, end)
    edges = _clipped(calendar, first, start, end)
    if first == last:
        return edges
    return edges + _whole_days(calendar, first + DAY, last - DAY) + _clipped(calendar, last, start, end)


def add_business_time(calendar: BusinessCalendar, start: datetime, amount: timedelta, *, exceed=False) -> datetime:
    """The first instant (UTC) by which `amount` of working time has passed; with exceed=True the last instant
    before more than `amount` has passed instead (they differ only when `amount` runs out at a closing time:
    exceed=True then answers the next opening, which is when an SLA that allows `amount` is actually broken)."""
    if amount < ZERO:
        raise ValueError(f"amount: must not be negative, got {amount}")
    start = _aware(start, "start").astimezone(UTC)
    if amount == ZERO and not exceed:
        return start
    day = _local_date(calendar, start)
    found, amount = _walk(_day_spans(calendar, day), start, amount, exceed)
    if found is None:
        day, amount = _skip_weeks(calendar, day + DAY, amount)
    while found is None:
        found, amount = _walk(_day_spans(calendar, day), start, amount, exceed)
        day += DAY
    return found


def opening_on_or_after(calendar: BusinessCalendar, day: date) -> datetime:
    """The first moment (UTC) the calendar is open on the local date `day`, or the next day it opens."""
    return add_business_time(calendar, datetime.combine(day, time(0), calendar._zone), ZERO, exceed=True)


def _walk(spans: Iterable[Span], start: datetime, amount: timedelta, exceed: bool) -> tuple[datetime | None, timedelta]:
    for opens, closes in spans:
        opens = max(opens, start)
        length = closes - opens
        if length > ZERO and (amount < length if exceed else amount <= length):
            return opens + amount, ZERO
        amount -= max(length, ZERO)
    return None, amount


def _skip_weeks(calendar: BusinessCalendar, day: date, amount: timedelta) -> tuple[date, timedelta]:
    # Jump whole weeks while the target surely lies beyond them, so a two-year span costs a few steps, not 730 days;
    # holidays only shorten a jump, and a jump DST lengthened past the target is halved and retried.
    weeks = amount // calendar._week_total - 1
    while weeks > 0:
        span = _whole_days(calendar, day, day + WEEK * weeks - DAY)
        if span < amount:
            day, amount = day + WEEK * weeks, amount - span
            weeks = amount // calendar._week_total - 1
        else:
            weeks //= 2
    return day, amount


def _whole_days(calendar: BusinessCalendar, first: date, last: date) -> timedelta:
    """Working time of the local days first..last (inclusive): week arithmetic, corrected on holidays and DST days."""
    count = (last - first).days + 1
    if count <= 0:
        return ZERO
    weeks, rest = divmod(count, 7)
    total = calendar._week_total * weeks
    total += sum((calendar._week[(first.weekday() + i) % 7] for i in range(rest)), ZERO)
    for day in _irregular_days(calendar, first, last):
        total += _day_total(calendar, day) - calendar._week[day.weekday()]
    return total


def _irregular_days(calendar: BusinessCalendar, first: date, last: date) -> set[date]:
    shifts = (day for year in range(first.year, last.year + 1) for day in _offset_change_days(calendar.timezone, year))
    return {day for day in (*calendar.holidays, *shifts) if first <= day <= last}


@lru_cache(maxsize=512)
def _offset_change_days(timezone: str, year: int) -> frozenset[date]:
    """Local dates of `year` during which the UTC offset changes (DST days: 23 or 25 hours long in most zones)."""
    zone, weeks = ZoneInfo(timezone), [date(year, 1, 1) + WEEK * i for i in range(53)]
    # Sampling weekly, then daily within a week that changed, assumes no zone changes its offset and back in a week.
    changed = [week for week in weeks if _midnight_offset(zone, week) != _midnight_offset(zone, week + WEEK)]
    days = (week + DAY * i for week in changed for i in range(7))
    return frozenset(d for d in days if d.year == year and _midnight_offset(zone, d) != _midnight_offset(zone, d + DAY))


def _midnight_offset(zone: ZoneInfo, day: date) -> timedelta | None:
    return datetime.combine(day, time(0), zone).utcoffset()


def _day_spans(calendar: BusinessCalendar, day: date) -> list[Span]:
    """The day's open intervals as UTC spans (not to be changed by the caller: they are kept for the next)."""
    spans = calendar._spans.get(day)
    if spans is None:
        spans = calendar._spans[day] = _spans_of(calendar, day)
    return spans


def _spans_of(calendar: BusinessCalendar, day: date) -> list[Span]:
    if day in calendar.holidays:
        return []
    bounds = []
    for start, end in calendar.hours.get(day.weekday(), ()):
        bounds += [_utc(calendar, day, start), _utc(calendar, day + DAY if end == END_OF_DAY else day, end)]
    # A wall time inside a spring-forward gap can map before an earlier bound; never let time run backwards.
    bounds = list(accumulate(bounds, max))
    return list(zip(bounds[::2], bounds[1::2], strict=True))


def _utc(calendar: BusinessCalendar, day: date, wall: time) -> datetime:
    """The wall time as a UTC instant; one that a spring-forward gap skips is the instant the clocks jump, as
    nothing of the skipped hour is worked (mapping it with either offset would count time before or after it)."""
    local = datetime.combine(day, wall, calendar._zone)
    if day not in _offset_change_days(calendar.timezone, day.year):
        return local.astimezone(UTC)
    before, after = local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)
    return _jump(calendar._zone, after, before) if after < before else before


def _jump(zone: ZoneInfo, early: datetime, late: datetime) -> datetime:
    """The first instant in (early, late] on the offset `late` has: where the clocks jumped (bisected to 1 µs)."""
    offset = late.astimezone(zone).utcoffset()
    while late - early > timedelta(microseconds=1):
        middle = early + (late - early) // 2
        if middle.astimezone(zone).utcoffset() == offset:
            late = middle
        else:
            early = middle
    return late


def _clipped(calendar: BusinessCalendar, day: date, start: datetime, end: datetime) -> timedelta:
    spans = _day_spans(calendar, day)
    return sum((max(ZERO, min(closes, end) - max(opens, start)) for opens, closes in spans), ZERO)


def _day_total(calendar: BusinessCalendar, day: date) -> timedelta:
    return sum((closes - opens for opens, closes in _day_spans(calendar, day)), ZERO)


def _local_date(calendar: BusinessCalendar, instant: datetime) -> date:
    return instant.astimezone(calendar._zone).date()


def _aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name}: must be a timezone-aware datetime, got {instant!r}")
    return instant


def _since_midnight(wall: time, *, end: bool = False) -> timedelta:
    if end and wall == END_OF_DAY:
        return DAY
    return timedelta(hours=wall.hour, minutes=wall.minute, seconds=wall.second, microseconds=wall.microsecond)


def _open_time(intervals: Iterable[Interval]) -> timedelta:
    return sum((_since_midnight(e, end=True) - _since_midnight(s) for s, e in intervals), ZERO)


def _checked_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ValueError(f"timezone: unknown time zone {name!r}") from None


def _checked_hours(hours: Mapping) -> dict[int, tuple[Interval, ...]]:
    if not isinstance(hours, Mapping):
        raise ValueError("hours: must map weekdays (0 = Monday .. 6 = Sunday) to (start, end) intervals")
    checked = {day: _checked_day(day, intervals) for day, intervals in hours.items()}
    if not any(checked.values()):
        raise ValueError("hours: the calendar must be open at least one weekday")
    return {day: intervals for day, intervals in sorted(checked.items()) if intervals}


def _checked_day(day: object, intervals: Iterable) -> tuple[Interval, ...]:
    if not isinstance(day, int) or isinstance(day, bool) or day not in range(7):
        raise ValueError(f"hours: weekday {day!r} is not 0 (Monday) to 6 (Sunday)")
    where = f"hours[{WEEKDAYS[day]}]"
    checked = tuple(sorted(_checked_interval(where, interval) for interval in intervals))
    for (s1, e1), (s2, e2) in pairwise(checked):
        if _since_midnight(e1, end=True) > _since_midnight(s2):
            raise ValueError(f"{where}: {_text(s1)}-{_text(e1, end=True)} overlaps {_text(s2)}-{_text(e2, end=True)}")
    return checked


def _checked_interval(where: str, interval: object) -> Interval:
    if not isinstance(interval, tuple | list) or len(interval) != 2:
        raise ValueError(f"{where}: {interval!r} is not a (start, end) pair")
    start, end = interval
    for wall in (start, end):
        if not isinstance(wall, time) or wall.tzinfo is not None:
            raise ValueError(f"{where}: {wall!r} is not a local time without time zone")
    if _since_midnight(end, end=True) <= _since_midnight(start):
        raise ValueError(f"{where}: {_text(start)}-{_text(end, end=True)} must end after it starts")
    return start, end


def _checked_holidays(holidays: Iterable) -> frozenset[date]:
    if bad := [day for day in holidays if not isinstance(day, date) or isinstance(day, datetime)]:
        raise ValueError(f"holidays: {bad[0]!r} is not a date")
    return frozenset(holidays)


def _text(wall: time, *, end: bool = False) -> str:
    if end and wall == END_OF_DAY:
        return "24:00"
    return wall.isoformat("minutes" if not (wall.second or wall.microsecond) else "auto")


def _day_from(name: str, intervals: Iterable) -> tuple[int, tuple[Interval, ...]]:
    if name not in WEEKDAYS:
        raise ValueError(f"hours: unknown weekday {name!r} (use {', '.join(WEEKDAYS)})")
    where = f"hours[{name}]"
    if bad := [pair for pair in intervals if not isinstance(pair, list | tuple) or len(pair) != 2]:
        raise ValueError(f"{where}: {bad[0]!r} is not a [start, end] pair")
    return WEEKDAYS.index(name), tuple((_wall(where, start), _wall(where, end, end=True)) for start, end in intervals)


def _wall(where: str, text: object, *, end: bool = False) -> time:
    # 24:00 is how the JSON form says "until midnight", only as an interval's end.
    if end and text == "24:00":
        return END_OF_DAY
    return _parsed(time.fromisoformat, text, f"{where}: {text!r} is not an HH:MM time")


def _holiday(text: object) -> date:
    return _parsed(date.fromisoformat, text, f"holidays: {text!r} is not a YYYY-MM-DD date")


def _parsed(parse, text: object, message: str):
    try:
        return parse(text)
    except (TypeError, ValueError):
        raise ValueError(message) from None
