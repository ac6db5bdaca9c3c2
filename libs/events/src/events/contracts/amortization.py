"""What an assets event's amortization terms mean (PSAB 3150): a device's amount per fiscal year, its book value.

Shared by the assets service (a device's schedule) and metrics (the city's amortization for MBN's INTN243T), so
that both compute the same figures from the same events: one implementation, pure, no I/O.

The conventions, applied the same way by every figure here:

- **Fiscal years** are twelve calendar months starting on the first of `fiscal_year_start_month` (1 = January,
  the default). A fiscal year is named by the calendar year it ends in: with April as its first month, fiscal
  year 2025 runs from 2024-04-01 to 2025-03-31.
- **Pro rata by whole calendar months**, never by days. A device amortizes a month for each calendar month at
  whose end the city holds it: the month of purchase counts in full (whatever its day), the month it leaves the
  city (disposed, lost or stolen) not at all, and nothing after. The useful life is `useful_life_months`
  calendar months, the month of purchase first.
- **A month is booked on its last day**: the net book value on a date takes off the months ended on or before it.
- **Straight line**: a fiscal year's amount is (cost - salvage) x its months / the life's months.
- **Declining balance**: a fiscal year's amount is its opening net book value x the yearly rate x its months / 12;
  with no rate given, the rate is twice straight line's yearly rate (24 / the life's months).
- **Exact decimals**: figures are computed as exact fractions and rounded half up to the cent only where an
  amount is reported (a fiscal year's amount, a net book value). The fiscal year the life ends in takes the
  rest down to the salvage value, so that the amounts over the whole life sum to cost - salvage exactly (the
  straight line's rounding residue, the declining balance's remaining write-down). No figure takes the net book
  value below the salvage value (nor below nothing when the salvage value exceeds the cost).
- **Not held, no book value**: before its purchase date, and from the day it leaves the city, a device has no net
  book value (`None`); its schedule ends with the fiscal year it leaves in, closing at its carrying amount then.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from events.contracts.assets import Amortization, AmortizationMethod, Purchase

ZERO = Decimal("0.00")


class OutOfCalendar(ValueError):
    """A figure would fall on a date before year 1 or after 9999, which no date can hold."""


@dataclass(frozen=True)
class Holding:
    """A device as amortization sees it: what it cost, how it amortizes, and the day it left the city, if it did."""

    purchase: Purchase
    amortization: Amortization
    gone_on: date | None = None


@dataclass(frozen=True)
class FiscalYear:
    """One fiscal year of a device's schedule: the months it amortizes in the year and the book values around them."""

    year: int
    starts_on: date
    ends_on: date
    months: int
    opening: Decimal
    amount: Decimal
    closing: Decimal


def cents(value: Fraction) -> Decimal:
    """`value` rounded half up (away from zero) to the cent, as a Decimal with two places."""
    scaled = abs(value) * 100
    rounded = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(-rounded if value < 0 else rounded).scaleb(-2)


def fiscal_year_of(day: date, fiscal_year_start_month: int = 1) -> int:
    """The fiscal year `day` falls in, named by the calendar year it ends in."""
    return _fiscal_year_of_month(_month(day), _checked(fiscal_year_start_month))


def fiscal_year_bounds(year: int, fiscal_year_start_month: int = 1) -> tuple[date, date]:
    """The first and last day of fiscal `year`; OutOfCalendar when either falls outside years 1 to 9999."""
    first = _first_month(year, _checked(fiscal_year_start_month))
    return _first_day(first), _last_day(first + 11)


def life_ends_on(purchase: Purchase, amortization: Amortization) -> date:
    """The last day of the useful life: the end of its last calendar month."""
    return _last_day(_month(purchase.purchased_on) + amortization.useful_life_months - 1)


def declining_rate(amortization: Amortization) -> Fraction:
    """The yearly declining-balance rate: the one given, else twice straight line's (24 / the life's months)."""
    if amortization.declining_rate is not None:
        return Fraction(amortization.declining_rate)
    return Fraction(24, amortization.useful_life_months)


def schedule(holding: Holding, fiscal_year_start_month: int = 1) -> list[FiscalYear]:
    """A row per fiscal year the device amortizes in: from the year of purchase to its life's end or its leaving."""
    return [row for row, _ in _rows(holding, _checked(fiscal_year_start_month))]


def amount_for_year(holding: Holding, year: int, fiscal_year_start_month: int = 1) -> Decimal:
    """The device's amortization for fiscal `year`: nothing in a year it does not amortize in."""
    return next((row.amount for row in schedule(holding, fiscal_year_start_month) if row.year == year), ZERO)


def tenant_total(holdings: Iterable[Holding], year: int, fiscal_year_start_month: int = 1) -> Decimal:
    """The amortization of fiscal `year` over the tenant's devices: what metrics adds to operating cost (INTN243T).

    The sum of each device's reported (rounded) amount, so the total agrees with the devices' own schedules.
    """
    return sum((amount_for_year(h, year, fiscal_year_start_month) for h in holdings), ZERO)


def net_book_value(holding: Holding, on: date, fiscal_year_start_month: int = 1) -> Decimal | None:
    """The device's net book value at the end of day `on`, past or future; None when the city does not hold it."""
    start = _checked(fiscal_year_start_month)
    if on < holding.purchase.purchased_on or (holding.gone_on is not None and on >= holding.gone_on):
        return None
    rows = _rows(holding, start)
    year = _fiscal_year_of_month(_month(on), start)
    before = [row for row, _ in rows if row.year < year]
    current = next(((row, first) for row, first in rows if row.year == year), None)
    if current is None:  # after the life's last year, or a device gone the month it came: nothing more accrues
        return before[-1].closing if before else _cost(holding)
    row, first = current
    ended = min(max(_months_ended_by(on) - first, 0), row.months)
    return row.opening - _partial(holding.amortization, _Life.of(holding), row, ended)


# The arithmetic, on months numbered year * 12 + (month - 1), so that month arithmetic is integer arithmetic.


@dataclass(frozen=True)
class _Life:
    first: int  # the month of purchase
    end: int  # the month after the life's last
    stop: int  # the month after the last one amortized: the life's end, or the month the device left in
    base: Fraction  # what the life amortizes: cost - salvage, never less than nothing
    floor: Decimal  # the book value at the end of the life: the salvage value, never more than the cost

    @classmethod
    def of(cls, holding: Holding) -> "_Life":
        first = _month(holding.purchase.purchased_on)
        end = first + holding.amortization.useful_life_months
        stop = min(end, _month(holding.gone_on)) if holding.gone_on is not None else end
        cost = holding.purchase.cost
        floor = min(holding.amortization.salvage_value, cost)
        return cls(first, end, stop, Fraction(cost - floor), floor)


def _rows(holding: Holding, start: int) -> list[tuple[FiscalYear, int]]:
    """The schedule, each row with the first month it amortizes (which the net book value on a date needs)."""
    life, rows = _Life.of(holding), []
    if life.stop <= life.first:
        return rows
    opening = _cost(holding)
    for year in range(_fiscal_year_of_month(life.first, start), _fiscal_year_of_month(life.stop - 1, start) + 1):
        year_first = _first_month(year, start)
        first, after = max(year_first, life.first), min(year_first + 12, life.stop)
        amount = _year_amount(holding.amortization, life, opening, after - first, closes_life=after == life.end)
        starts_on, ends_on = _first_day(year_first), _last_day(year_first + 11)
        rows.append((FiscalYear(year, starts_on, ends_on, after - first, opening, amount, opening - amount), first))
        opening -= amount
    return rows


def _year_amount(
    amortization: Amortization, life: _Life, opening: Decimal, months: int, *, closes_life: bool
) -> Decimal:
    """A fiscal year's amount; the year the life ends in takes the book value down to the salvage value."""
    room = opening - life.floor
    if closes_life:
        return room
    return min(_accrued(amortization, life, opening, months), room)


def _accrued(amortization: Amortization, life: _Life, opening: Decimal, months: int) -> Decimal:
    """`months` of amortization within one fiscal year, exact, then rounded to the cent."""
    if amortization.method is AmortizationMethod.DECLINING_BALANCE:
        return cents(Fraction(opening) * declining_rate(amortization) * months / 12)
    return cents(life.base * months / amortization.useful_life_months)


def _partial(amortization: Amortization, life: _Life, row: FiscalYear, ended: int) -> Decimal:
    """The part of a fiscal year's amount booked once `ended` of its months have ended; the whole once all have."""
    if ended >= row.months:
        return row.amount
    return min(_accrued(amortization, life, row.opening, ended), row.amount)


def _cost(holding: Holding) -> Decimal:
    return holding.purchase.cost.quantize(ZERO)


def _checked(start_month: int) -> int:
    if not 1 <= start_month <= 12:
        raise ValueError(f"a fiscal year starts in month 1 to 12, not {start_month}")
    return start_month


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _months_ended_by(day: date) -> int:
    """The number of the first month not yet ended at the end of `day` (its own month, unless `day` is its last)."""
    last = calendar.monthrange(day.year, day.month)[1]
    return _month(day) + (1 if day.day == last else 0)


def _first_month(year: int, start: int) -> int:
    """The first month of fiscal `year`: it ends in calendar `year`, so a year not starting in January began before."""
    return (year - (1 if start > 1 else 0)) * 12 + start - 1


def _fiscal_year_of_month(month: int, start: int) -> int:
    return (month - (start - 1)) // 12 + (1 if start > 1 else 0)


def _first_day(month: int) -> date:
    year, index = divmod(month, 12)
    if not 1 <= year <= 9999:
        raise OutOfCalendar(f"month {index + 1} of year {year} is outside the calendar (years 1 to 9999)")
    return date(year, index + 1, 1)


def _last_day(month: int) -> date:
    first = _first_day(month)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
