"""A KPI's series for a tenant, from the per-day rows and samples (index ranges, never the audit history): one
point per period, breakdown member and part."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import asyncpg

from metrics.kpis import definitions, store
from metrics.kpis.definitions import STOCKS, Kpi, Measure
from metrics.kpis.periods import By, Period, periods, stock_days, whole_units
from metrics.kpis.series import DEFAULT_DESK

# The samples' column for each breakdown (a fixed list: never text from the request).
SAMPLE_MEMBER = {None: "''", "priority": "priority", "category": "category", "channel": "channel", "group": "grp"}

# Sums come back as float8: a year by week and group is thousands of rows, and decoding numeric into Decimal cost
# a good part of such a read (every figure is a float in the answer anyway).
# A member whose counts all moved away (its ticket handed to another group) leaves rows adding up to nothing.
_FLOWS = """
SELECT date_trunc($5, day::timestamp)::date AS period, member, part, sum(n)::float8 AS n, sum(total)::float8 AS total
FROM kpi_daily WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = $4 AND day BETWEEN $6 AND $7
GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(total) <> 0
"""
# Everything before the range adds up to the opening stock (period NULL): whole months from their monthly sums, the
# days of the range's first month from their rows. In the range, whole weeks or months (from $8 to the day before $9)
# come from their rollup's sums, the days around them from their rows.
_STOCKS = """
SELECT period, member, part, sum(n)::float8 AS n, sum(total)::float8 AS total FROM (
    SELECT NULL::date AS period, member, part, n, total FROM kpi_monthly
    WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = $4
      AND month < date_trunc('month', $6::timestamp)::date
    UNION ALL
    SELECT CASE WHEN day < $6 THEN NULL ELSE date_trunc($5, day::timestamp)::date END, member, part, n, total
    FROM kpi_daily WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = $4
      AND day >= date_trunc('month', $6::timestamp)::date AND day < $8
    UNION ALL
    SELECT date_trunc($5, day::timestamp)::date, member, part, n, total
    FROM kpi_daily WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = $4 AND day >= $9 AND day <= $7
    UNION ALL
    SELECT date_trunc($5, {unit}::timestamp)::date, member, part, n, total FROM {table}
    WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = $4 AND {unit} >= $8 AND {unit} < $9
) changes GROUP BY 1, 2, 3
"""
# The rollup whose whole units a period is made of (a day, of none: its rows are read).
_ROLLUP = {By.WEEK: By.WEEK, By.MONTH: By.MONTH, By.YEAR: By.MONTH}
_STOCKS_IN = {unit: _STOCKS.format(unit=unit, table=table) for unit, table in store.ROLLUPS.items()}
# Whole weeks and months (from $7 to the day before $8) from their figures where they are closed (before `edge`), the
# days around them from their samples.
_SAMPLED_DAYS = """SELECT date_trunc($4, day::timestamp)::date AS period, {member} AS member, part, count(*) AS n,
    {value}::float8 AS value FROM kpi_samples s WHERE tenant = $1 AND kpi = $2 AND version = $3 AND {days}
    GROUP BY 1, 2, 3"""
_SAMPLES = f"""
WITH closed AS (
    SELECT greatest($7::date, least($8::date, coalesce(
        (SELECT closed_before FROM kpi_sample_periods_closed WHERE unit = $4), '-infinity'))) AS edge
)
{_SAMPLED_DAYS.replace("{days}", "day >= $5 AND day < $7")}
UNION ALL
{_SAMPLED_DAYS.replace("{days}", "day >= (SELECT edge FROM closed) AND day <= $6")}
UNION ALL
SELECT period, member, part, n, value FROM kpi_sample_periods
WHERE tenant = $1 AND kpi = $2 AND version = $3 AND unit = $4 AND dimension = $9 AND period >= $7
  AND period < (SELECT edge FROM closed)
"""
_DAILY_STOCK = """
SELECT day, part, sum(total)::bigint AS total FROM (
    SELECT NULL::date AS day, part, total FROM kpi_monthly
    WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = 'all'
      AND month < date_trunc('month', $4::timestamp)::date
    UNION ALL
    SELECT CASE WHEN day < $4 THEN NULL ELSE day END, part, total FROM kpi_daily
    WHERE tenant = $1 AND kpi = $2 AND version = $3 AND dimension = 'all'
      AND day >= date_trunc('month', $4::timestamp)::date AND day <= $5
) changes GROUP BY 1, 2
"""


class Point(NamedTuple):  # a year by day is thousands of them: a tuple costs least to make
    period: Period
    member: str
    part: str
    value: float | None
    numerator: float | None
    denominator: float | None


async def timezone_of(conn: asyncpg.Connection, tenant: str) -> str:
    policy = await conn.fetchval("SELECT policy FROM kpi_desks WHERE tenant = $1", tenant)
    return policy["calendar"]["timezone"] if policy else DEFAULT_DESK.timezone


async def series(
    conn: asyncpg.Connection, tenant: str, kpi: Kpi, start: date, end: date, by: By, group: str | None
) -> list[Point]:
    within = periods(start, end, by)
    if kpi.measure in (Measure.SUM, Measure.MEAN):
        rows = await conn.fetch(_FLOWS, tenant, kpi.id, kpi.version, group or "all", by, start, end)
        return _flows(kpi, within, rows)
    if kpi.measure in STOCKS:
        return _stocks(kpi, within, await _stock_rows(conn, tenant, kpi, start, end, by, group))
    if kpi.measure is Measure.PER_REPAIR:
        return await _per_repair(conn, tenant, kpi, within, by)
    if kpi.measure is Measure.PER_FTE:
        return await _per_fte(conn, tenant, kpi, within, by)
    first, stop = whole_units(start, end, by) if by in store.SAMPLE_UNITS else (start, start)
    query = _SAMPLES.format(member=SAMPLE_MEMBER[group], value=store.SAMPLE_VALUE[kpi.measure])
    rows = await conn.fetch(query, tenant, kpi.id, kpi.version, by, start, end, first, stop, group or "all")
    return _sampled(kpi, within, rows)


async def _stock_rows(
    conn: asyncpg.Connection, tenant: str, kpi: Kpi, start: date, end: date, by: By, group: str | None
) -> list[asyncpg.Record]:
    unit = _ROLLUP.get(by, By.MONTH)
    first, stop = whole_units(start, end, unit) if by in _ROLLUP else (start, start)
    return await conn.fetch(_STOCKS_IN[unit], tenant, kpi.id, kpi.version, group or "all", by, start, end, first, stop)


def _by_series(rows) -> dict[tuple[str, str], dict[date | None, asyncpg.Record]]:
    """Each series' rows (period, member, part, ...) by period; by position, which costs less than by name."""
    found: dict[tuple[str, str], dict] = defaultdict(dict)
    for row in rows:
        found[(row[1], row[2])][row[0]] = row
    return found or {("", ""): {}}


def _ratio(kpi: Kpi, numerator: Decimal | float, denominator: Decimal | float | int) -> float | None:
    if not denominator:
        return None
    return round(float(numerator) / float(denominator) * (100 if kpi.percent else 1), kpi.decimals)


def _flows(kpi: Kpi, within: list[Period], rows) -> list[Point]:
    points = []
    for (member, part), by_period in sorted(_by_series(rows).items()):
        for period in within:
            row = by_period.get(period.key)
            n, total = (float(row["n"]), float(row["total"]) * kpi.scale) if row else (0.0, 0.0)
            value = round(total, kpi.decimals) if kpi.measure is Measure.SUM else _ratio(kpi, total, n)
            points.append(Point(period, member, part, value, total, n))
    return points


def _stocks(kpi: Kpi, within: list[Period], rows) -> list[Point]:
    """Rows (period, member, part, n, total) of changes: each period's value is theirs added up to its end."""
    points, aged = [], kpi.measure is Measure.STOCK_AGE
    for (member, part), by_period in sorted(_by_series(rows).items()):
        opening = by_period.get(None)
        n, total = (opening[3], opening[4]) if opening else (0.0, 0.0)
        for period in within:
            if row := by_period.get(period.key):
                n, total = n + row[3], total + row[4]
            value = _stock_value(kpi, period, n, total)
            points.append(Point(period, member, part, value, None if aged else total, n))
    return points


def _stock_value(kpi: Kpi, period: Period, n: float, total: float) -> float | None:
    if kpi.measure is Measure.STOCK:
        return round(total, kpi.decimals)
    if kpi.measure is Measure.STOCK_MEAN:
        return _ratio(kpi, total, n)
    # STOCK_AGE: `total` adds up the starting days' ordinals, so total / n is the mean one (either may be numeric)
    return round((period.end.toordinal() - float(total) / float(n)) * kpi.scale, kpi.decimals) if n else None


def _sampled(kpi: Kpi, within: list[Period], rows) -> list[Point]:
    points = []
    for (member, part), by_period in sorted(_by_series(rows).items()):
        for period in within:
            row = by_period.get(period.key)
            if kpi.measure is Measure.DISTINCT:
                value = int(row["value"]) if row else 0
            else:
                value = round(row["value"] * kpi.scale, kpi.decimals) if row else None
            points.append(Point(period, member, part, value, None, row["n"] if row else 0))
    return points


async def _per_repair(conn: asyncpg.Connection, tenant: str, kpi: Kpi, within: list[Period], by: By) -> list[Point]:
    """Device-days operating over repairs, per model and period."""
    operating, repairs = (definitions.by_key(key) for key in kpi.derived_from)
    start, end = within[0].start, within[-1].end
    changes = await conn.fetch(_DAILY_STOCK, tenant, operating.id, operating.version, start, end)
    failed = _by_series(await conn.fetch(_FLOWS, tenant, repairs.id, repairs.version, "all", by, start, end))
    opening, daily = defaultdict(int), defaultdict(list)
    for row in changes:
        if row["day"] is None:
            opening[row["part"]] += row["total"]
        else:
            daily[row["part"]].append((row["day"], row["total"]))
    points = []
    for model in sorted(set(opening) | set(daily) | {part for (_, part), rows in failed.items() if rows}):
        days = stock_days(opening[model], sorted(daily[model]), within)
        for period, device_days in zip(within, days, strict=True):
            row = failed.get(("", model), {}).get(period.key)
            count = row["total"] if row else 0
            points.append(Point(period, "", model, _ratio(kpi, device_days, count), device_days, float(count)))
    return points


async def _per_fte(conn: asyncpg.Connection, tenant: str, kpi: Kpi, within: list[Period], by: By) -> list[Point]:
    """The source series' totals over the supported FTE of each period's fiscal (calendar) year."""
    source = definitions.by_key(kpi.derived_from[0])
    start, end = within[0].start, within[-1].end
    totals = _by_series(await conn.fetch(_FLOWS, tenant, source.id, source.version, "all", by, start, end))
    rows = await conn.fetch(
        "SELECT fiscal_year, input_id, value FROM kpi_fte WHERE tenant = $1 AND fiscal_year BETWEEN $2 AND $3",
        tenant,
        start.year,
        end.year,
    )
    figures = {(row["fiscal_year"], row["input_id"]): row["value"] for row in rows}
    points = []
    for period in within:
        year = period.start.year
        fte = figures.get((year, "INTN011")) or figures.get((year, "INTN010"))
        row = totals.get(("", ""), {}).get(period.key)
        hours = float(row["total"]) * source.scale if row else 0.0
        points.append(Point(period, "", "", _ratio(kpi, hours, fte or 0), hours, float(fte) if fte else None))
    return points
