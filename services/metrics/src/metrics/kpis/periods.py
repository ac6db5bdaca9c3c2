"""Periods of local days (day, week from Monday, month, year) cut to a range, and a stock's days summed over them."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

ONE_DAY = timedelta(days=1)


class By(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday to Sunday
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """A period of the range: `key` is where a whole one starts (Postgres' date_trunc), start and end are cut to
    the range asked for."""

    key: date
    start: date
    end: date


def truncated(day: date, by: By) -> date:
    if by is By.WEEK:
        return day - timedelta(days=day.weekday())
    if by is By.MONTH:
        return day.replace(day=1)
    if by is By.YEAR:
        return day.replace(month=1, day=1)
    return day


def following(key: date, by: By) -> date | None:
    """Where the following period starts; None past the calendar's last day (9999-12-31)."""
    try:
        if by is By.WEEK:
            return key + timedelta(weeks=1)
        if by is By.MONTH:
            return date(key.year + key.month // 12, key.month % 12 + 1, 1)
        if by is By.YEAR:
            return date(key.year + 1, 1, 1)
        return key + ONE_DAY
    except (OverflowError, ValueError):
        return None


def periods(start: date, end: date, by: By) -> list[Period]:
    """The periods from `start` to `end` inclusive, the first and last cut to them."""
    found, key = [], truncated(start, by)
    while key is not None and key <= end:
        after = following(key, by)
        found.append(Period(key, max(key, start), min(after - ONE_DAY, end) if after else end))
        key = after
    return found


def whole_units(start: date, end: date, unit: By) -> tuple[date, date]:
    """The whole weeks or months within `start`..`end`: from the first one's first day to the day after the last one,
    each at a unit's start; `(start, start)` when there is none."""
    key = truncated(start, unit)
    first = key if key == start else following(key, unit)
    try:
        stop = truncated(end + ONE_DAY, unit)
    except OverflowError:  # the calendar's last day: its unit is taken as partial, which reads the same sums
        stop = truncated(end, unit)
    return (first, stop) if first is not None and first < stop else (start, start)


def stock_days(opening: int, changes: list[tuple[date, int]], within: list[Period]) -> list[int]:
    """Per period, the stock summed over its days (a stock holds its changes from the end of their day): what
    `device-days` are. `changes` are sorted and fall in the periods, which follow each other without a gap."""
    sums, stock, i = [], opening, 0
    for period in within:
        total, day = 0, period.start
        while i < len(changes) and changes[i][0] <= period.end:
            changed_on, delta = changes[i]
            total += stock * (changed_on - day).days
            stock, day, i = stock + delta, changed_on, i + 1
        sums.append(total + stock * ((period.end - day).days + 1))
    return sums
