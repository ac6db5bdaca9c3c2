"""The `reporting` views of the KPIs, one per KPI (every version in it), generated from the definitions: SQL text
for `metrics.reporting` to install, each with the comment that says what it holds and how to add it up."""

from dataclasses import dataclass

from metrics.kpis import definitions
from metrics.kpis.definitions import SAMPLED, STOCKS, Kpi, Measure

ORDINAL = "(k.day - DATE '0001-01-01' + 1)"  # a date's day number, as Python's date.toordinal()


@dataclass(frozen=True)
class View:
    name: str
    sql: str  # the SELECT, with {projection} for the projection schema and {mine} for the caller's tenant filter
    comment: str


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_name(kpi_id: str) -> str:
    return "kpi_" + kpi_id.replace(".", "_").replace("-", "_")


def _latest(kpi_id: str) -> Kpi:
    return definitions.current(kpi_id) or definitions.versions(kpi_id)[-1]


def _rows(kpi_id: str) -> str:
    return (f"FROM {{projection}}.kpi_daily k WHERE k.kpi = {literal(kpi_id)} AND {{mine}}"
            " AND (k.n <> 0 OR k.total <> 0)")  # fmt: skip


def _flow(kpi: Kpi) -> str:
    numerator = f"k.total * {kpi.scale!r}"
    value = numerator if kpi.measure is Measure.SUM else \
        f"CASE WHEN k.n <> 0 THEN {numerator} / k.n * {100 if kpi.percent else 1} END"  # fmt: skip
    return (f"SELECT k.tenant, k.day, k.kpi || '@' || k.version AS definition, k.version, k.dimension, k.member,"
            f" k.part, {numerator} AS numerator, k.n AS denominator, {value} AS value {_rows(kpi.id)}")  # fmt: skip


def _stock(kpi: Kpi) -> str:
    total, n = "sum(k.total) OVER w", "sum(k.n) OVER w"
    if kpi.measure is Measure.STOCK:
        value = total
    elif kpi.measure is Measure.STOCK_MEAN:
        value = f"CASE WHEN {n} <> 0 THEN {total} / {n} * 100 END"
    else:
        value = f"CASE WHEN {n} <> 0 THEN ({ORDINAL} - {total} / {n}) * {kpi.scale!r} END"
    return (f"SELECT k.tenant, k.day, k.kpi || '@' || k.version AS definition, k.version, k.dimension, k.member,"
            f" k.part, {total} AS numerator, {n} AS denominator, {value} AS value {_rows(kpi.id)}"
            " WINDOW w AS (PARTITION BY k.version, k.dimension, k.member, k.part ORDER BY k.day)")  # fmt: skip


def _sampled(kpi: Kpi) -> str:
    if kpi.measure is Measure.DISTINCT:
        columns = "s.who AS person_id, s.value AS hours"
    else:
        columns = f's.priority, s.category, s.channel, s.grp AS "group", s.part, s.value * {kpi.scale!r} AS value'
    return (f"SELECT s.tenant, s.day, s.kpi || '@' || s.version AS definition, s.version, {columns}"
            f" FROM {{projection}}.kpi_samples s WHERE s.kpi = {literal(kpi.id)} AND {{mine_s}}")  # fmt: skip


def _mtbf(kpi: Kpi) -> str:
    operating, repairs = (definitions.by_key(key) for key in kpi.derived_from)
    daily = "SELECT k.part, k.day, sum(k.total) AS {name} FROM {{projection}}.kpi_daily k WHERE k.kpi = {kpi}" \
            " AND k.version = {version} AND k.dimension = 'all' AND {{mine}} GROUP BY 1, 2"  # fmt: skip
    return (
        f"WITH changes AS ({daily.format(name='delta', kpi=literal(operating.id), version=operating.version)}),"
        f" repairs AS ({daily.format(name='repairs', kpi=literal(repairs.id), version=repairs.version)}),"
        " models AS (SELECT part, min(day) AS first, max(day) AS last FROM (SELECT part, day FROM changes"
        " UNION ALL SELECT part, day FROM repairs) a GROUP BY part),"
        " days AS (SELECT m.part, d::date AS day FROM models m,"
        " generate_series(m.first, greatest(m.last, current_date), interval '1 day') d)"
        f" SELECT days.day, {literal(kpi.key)} AS definition, days.part AS model,"
        " sum(coalesce(c.delta, 0)) OVER (PARTITION BY days.part ORDER BY days.day) AS operating_devices,"
        " coalesce(r.repairs, 0) AS repairs FROM days LEFT JOIN changes c USING (part, day)"
        " LEFT JOIN repairs r USING (part, day)"
    )  # fmt: skip


def _per_fte(kpi: Kpi) -> str:
    hours = definitions.by_key(kpi.derived_from[0])
    return (
        f"WITH hours AS (SELECT extract(year FROM k.day)::int AS fiscal_year, sum(k.total) * {hours.scale!r} AS hours"
        f" FROM {{projection}}.kpi_daily k WHERE k.kpi = {literal(hours.id)} AND k.version = {hours.version}"
        " AND k.dimension = 'all' AND {mine} GROUP BY 1),"
        " fte AS (SELECT k.fiscal_year, coalesce(max(k.value) FILTER (WHERE k.input_id = 'INTN011'),"
        " max(k.value) FILTER (WHERE k.input_id = 'INTN010')) AS fte FROM {projection}.kpi_fte k WHERE {mine}"
        " GROUP BY 1)"
        f" SELECT fiscal_year, {literal(kpi.key)} AS definition, coalesce(h.hours, 0) AS hours, f.fte,"
        " round(coalesce(h.hours, 0) / nullif(f.fte, 0), 4) AS hours_per_fte FROM hours h FULL JOIN fte f"
        " USING (fiscal_year)"
    )  # fmt: skip


_HOW = {
    Measure.SUM: "For a period, add up numerator (the value) over its days.",
    Measure.MEAN: "For a period, add up numerator and denominator over its days, then divide (x 100 for a percent).",
    Measure.STOCK: "Each row is the value as at the end of its day, until the next row of the same version,"
    " dimension, member and part: a period's value is that of its last day.",
    Measure.MEDIAN: "One row per entity: a period's value is the median of its rows' value.",
    Measure.DISTINCT: "One row per delivery: a period's value is the number of distinct person_id.",
    Measure.PER_REPAIR: "One row per model and local day: a period's MTBF (days) is the sum of operating_devices over"
    " the sum of repairs.",
    Measure.PER_FTE: "One row per fiscal (calendar) year.",
}


def kpi_views() -> list[View]:
    """One view per KPI id, holding every version's series (the `definition` column names it)."""
    found = []
    for kpi_id in dict.fromkeys(kpi.id for kpi in definitions.DEFINITIONS):
        kpi = _latest(kpi_id)
        found.append(View(view_name(kpi_id), _select(kpi), _comment(kpi)))
    return found


def _select(kpi: Kpi) -> str:
    if kpi.measure in STOCKS:
        return _stock(kpi)
    if kpi.measure in SAMPLED:
        return _sampled(kpi)
    if kpi.measure is Measure.PER_REPAIR:
        return _mtbf(kpi)
    if kpi.measure is Measure.PER_FTE:
        return _per_fte(kpi)
    return _flow(kpi)


def _comment(kpi: Kpi) -> str:
    versions = ", ".join(f"{k.key}{' (current)' if k.current else ''}" for k in definitions.versions(kpi.id))
    how = _HOW[Measure.STOCK if kpi.measure in STOCKS else kpi.measure]
    breakdown = " Rows per dimension ('all', or priority, category, channel, group with the member)." if kpi.groups \
        else ""  # fmt: skip
    return (f"{kpi.name} ({kpi.unit}), per local day of the tenant: {kpi.text} {kpi.computed} Versions: {versions}."
            f"{breakdown} {how}")  # fmt: skip
