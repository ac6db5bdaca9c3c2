"""The KPI tables of the projection: tenants' desk policies, facts, per-day rows (a stock's also summed per week and
month), samples (a sampled definition's figure also kept per whole week and month) and FTE figures, each read or
written for a whole batch in a statement or two, and written in bulk into a fresh projection (metrics.kpis.bulk).

A batch's rows go to Postgres as one JSON document that it takes apart (`jsonb_array_elements`): a parameter per
column would cost the projector about a microsecond per value to encode, some 150 values an event. Samples and the
bulk per-day rows, whose columns have binary encoders, go by binary COPY."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import asyncpg
import orjson

from events.contracts.metrics import ReferenceInputRecorded
from events.contracts.tickets import DeskPolicyChanged
from metrics.kpis import definitions
from metrics.kpis.compute import KINDS, Changes, FactsKey, RowKey
from metrics.kpis.definitions import STOCKS, Kpi, Measure
from metrics.kpis.periods import ONE_DAY, By, following, truncated
from metrics.kpis.series import DEFAULT_DESK, Desk, Facts
from tickets.domain.policy import policy_from

FTE_INPUTS = ("INTN010", "INTN011")  # budgeted FTE, and the supported FTE that overrides it


# The stocks, whose per-day changes are added up per week and month as well (ROLLUPS).
STOCK_KPIS = [kpi.id for kpi in definitions.DEFINITIONS if kpi.measure in STOCKS]


async def desks(conn: asyncpg.Connection, tenants: Iterable[str]) -> dict[str, Desk]:
    """Each tenant's desk policy as last changed; the tickets service's defaults for a tenant that set none."""
    tenants = list(tenants)
    rows = await conn.fetch("SELECT tenant, policy FROM kpi_desks WHERE tenant = ANY($1::text[])", tenants)
    found = {row["tenant"]: desk_of(row["policy"]) for row in rows}
    return {tenant: found.get(tenant, DEFAULT_DESK) for tenant in tenants}


def desk_of(policy: dict) -> Desk:
    return Desk(policy_from(DeskPolicyChanged.model_validate(policy)))


async def write_desks(conn: asyncpg.Connection, changed: dict[str, DeskPolicyChanged]) -> None:
    """The latest change wins, whichever order changes arrive in."""
    await conn.execute(
        "INSERT INTO kpi_desks (tenant, changed_at, policy) SELECT * FROM unnest($1::text[], $2::timestamptz[],"
        " $3::jsonb[]) ON CONFLICT (tenant) DO UPDATE SET changed_at = excluded.changed_at, policy = excluded.policy"
        " WHERE excluded.changed_at >= kpi_desks.changed_at",
        list(changed),
        [e.at for e in changed.values()],
        [e.model_dump(mode="json") for e in changed.values()],
    )


_FACTS = """
SELECT f.tenant, f.kind, f.entity_id, f.facts FROM kpi_facts f
JOIN (SELECT k->>0 AS tenant, k->>1 AS kind, k->>2 AS entity_id FROM jsonb_array_elements($1::jsonb) k) k
USING (tenant, kind, entity_id)"""


async def facts(conn: asyncpg.Connection, keys: Iterable[FactsKey]) -> dict[FactsKey, Facts]:
    rows = await conn.fetch(_FACTS, list(keys))
    return {(r["tenant"], r["kind"], r["entity_id"]): KINDS[r["kind"]].model.model_validate(r["facts"]) for r in rows}


async def write_facts(conn: asyncpg.Connection, changed: dict[FactsKey, Facts]) -> None:
    await conn.execute(
        "INSERT INTO kpi_facts (tenant, kind, entity_id, facts) SELECT r->>0, r->>1, r->>2, r->3"
        " FROM jsonb_array_elements($1::jsonb) r"
        " ON CONFLICT (tenant, kind, entity_id) DO UPDATE SET facts = excluded.facts",
        [(*key, f.model_dump(mode="json")) for key, f in changed.items()],
    )


# The stocks' rollups, by the date_trunc unit (also their date column's name), kept beside their per-day rows: a stock
# is read as every earlier change added up, and a week's or month's sum stands for up to 31 days of rows.
ROLLUPS = {"week": "kpi_weekly", "month": "kpi_monthly"}


def _rolled_up(table: str, unit: str, source: str, where: str, *, add: bool = True) -> str:
    """Per-day rows summed into the rollup's: added to the sums there (a batch's deltas), or not (a whole series)."""
    return (
        f"INSERT INTO {table} (tenant, kpi, version, dimension, member, {unit}, part, n, total)"
        f" SELECT tenant, kpi, version, dimension, member, date_trunc('{unit}', day::timestamp)::date, part, sum(n),"
        f" sum(total) FROM {source} WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7"
    ) + (
        f" ON CONFLICT (tenant, kpi, version, dimension, {unit}, member, part)"
        f" DO UPDATE SET n = {table}.n + excluded.n, total = {table}.total + excluded.total"
        if add
        else ""
    )


_ADD_ROWS = f"""
WITH delta AS (
    SELECT r->>0 AS tenant, r->>1 AS kpi, (r->>2)::int AS version, r->>3 AS dimension, r->>4 AS member,
           (r->>5)::date AS day, r->>6 AS part, (r->>7)::bigint AS n, (r->>8)::numeric AS total
    FROM jsonb_array_elements($1::jsonb) r
), daily AS (
    INSERT INTO kpi_daily (tenant, kpi, version, dimension, member, day, part, n, total) SELECT * FROM delta
    ON CONFLICT (tenant, kpi, version, dimension, day, member, part)
    DO UPDATE SET n = kpi_daily.n + excluded.n, total = kpi_daily.total + excluded.total
), weekly AS (
    {_rolled_up("kpi_weekly", "week", "delta", "kpi = ANY($2::text[])")}
)
{_rolled_up("kpi_monthly", "month", "delta", "kpi = ANY($2::text[])")}
"""


async def add_rows(conn: asyncpg.Connection, rows: dict[RowKey, list]) -> None:
    """Add each delta to its day's row (and a stock's to its week's and month's): the sums commute, so batches may
    land in any order."""
    if rows:
        await conn.execute(_ADD_ROWS, [(*key, n, total) for key, (n, total) in rows.items()], STOCK_KPIS)


# Each sample's whole key given (tenant, definition, version, entity): looked up in the key's index, where a join on
# the entities alone would leave the planner a scan of every sample.
_DELETE_SAMPLES = """
DELETE FROM kpi_samples s USING (
    SELECT r->>0 AS tenant, r->>1 AS kpi, (r->>2)::int AS version, r->>3 AS entity_id
    FROM jsonb_array_elements($1::jsonb) r
) e WHERE s.tenant = e.tenant AND s.kpi = e.kpi AND s.version = e.version AND s.entity_id = e.entity_id
RETURNING s.tenant, s.kpi, s.version, s.day"""


async def replace_samples(conn: asyncpg.Connection, found: Changes, kpis: list[Kpi]) -> None:
    """The samples of the entities `found` resampled, for the definitions given, anew; and the figures of every
    whole period whose samples that changed."""
    days = {(row[0], row[1], row[2], row[5]) for row in found.samples}
    if found.resampled:
        keys = [(tenant, k.id, k.version, entity) for tenant, entity in found.resampled for k in kpis]
        days.update(tuple(row) for row in await conn.fetch(_DELETE_SAMPLES, keys))
    await insert_samples(conn, found.samples)
    await keep_periods(conn, kpis, days, datetime.now(UTC).date())


DAILY_COLUMNS = ("tenant", "kpi", "version", "dimension", "member", "day", "part", "n", "total")  # a RowKey, n, total
# A sample row's columns, in the order compute.SampleRow has them.
SAMPLE_COLUMNS = ("tenant", "kpi", "version", "entity_id", "part", "day", "value", "who", "priority", "category",
                  "channel", "grp")  # fmt: skip


async def insert_samples(conn: asyncpg.Connection, samples: list[tuple]) -> None:
    if samples:
        await conn.copy_records_to_table("kpi_samples", records=samples, columns=SAMPLE_COLUMNS)


async def write_fte(conn: asyncpg.Connection, inputs: list[tuple[str, ReferenceInputRecorded]]) -> None:
    """The latest FTE figure of each fiscal year wins (a later one replaces it, as /mbn/inputs says)."""
    await conn.execute(
        "INSERT INTO kpi_fte (tenant, fiscal_year, input_id, value, recorded_at) SELECT * FROM unnest($1::text[],"
        " $2::int[], $3::text[], $4::numeric[], $5::timestamptz[]) ON CONFLICT (tenant, fiscal_year, input_id)"
        " DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at"
        " WHERE excluded.recorded_at >= kpi_fte.recorded_at",
        *_columns([(t, e.fiscal_year, e.input_id, e.value, e.at) for t, e in inputs], 5),
    )


# --- the sampled definitions' figures per whole week and month (kpi_sample_periods) -------------------------------
#
# Figures are kept for the closed periods only, those that began before the unit's `closed_before` (a week or month
# whose last day is CLOSED_AFTER behind the projector's clock, in UTC: no time zone is still in it). The open
# periods, where nearly every event lands, are computed from their samples when read, so the live projector does not
# sort a growing week's samples again with each batch. A batch that changes a closed period's samples (a late event,
# a reopened ticket) computes that period again; a batch that finds the clock past the next closing computes the
# periods that closed and moves `closed_before` on.

CLOSED_AFTER = timedelta(days=2)
# A sampled definition's figure over a group of samples `s`, by its measure.
SAMPLE_VALUE = {
    Measure.MEDIAN: "percentile_cont(0.5) WITHIN GROUP (ORDER BY s.value)",
    Measure.DISTINCT: "count(DISTINCT s.who)",
}
SAMPLE_UNITS = (By.WEEK, By.MONTH)
_BREAKDOWNS = "{all,priority,category,channel,group}"
# Each sample counted in every breakdown: 'all', and its priority, category, channel and group for a definition
# broken down by them ($2). `{samples}` gives the samples `s` with the unit and period `p` each is counted in.
# Grouped by what differs soonest: sorting a rebuild's millions of rows, a date compares faster than the names
# (tenant, definition) that most rows share.
_FIGURES = """
INSERT INTO kpi_sample_periods (tenant, kpi, version, unit, dimension, period, member, part, n, value)
SELECT s.tenant, s.kpi, s.version, p.unit, d.dimension, p.period, d.member, s.part, count(*), {value}
FROM {samples}
CROSS JOIN LATERAL (VALUES ('all', ''), ('priority', s.priority), ('category', s.category), ('channel', s.channel),
                           ('group', s.grp)) d (dimension, member)
WHERE d.dimension = 'all' OR s.kpi = ANY($2::text[])
GROUP BY p.period, d.member, s.part, d.dimension, p.unit, s.tenant, s.kpi, s.version"""
_PERIODS = """(SELECT r->>0 AS tenant, r->>1 AS kpi, (r->>2)::int AS version, r->>3 AS unit, (r->>4)::date AS period,
    (r->>5)::date AS last FROM jsonb_array_elements($1::jsonb) r) p"""
# The periods given ($1: tenant, kpi, version, unit, period, its last day), each one's samples found by day in the
# index. (OFFSET 0 keeps the planner from flattening the lookup into a join, which it planned as a scan of every
# sample: it cannot tell that a few periods of a few days each are asked for.)
_IN_PERIODS = f"""{_PERIODS} CROSS JOIN LATERAL (SELECT * FROM kpi_samples s WHERE s.tenant = p.tenant AND s.kpi = p.kpi
    AND s.version = p.version AND s.day >= p.period AND s.day <= p.last OFFSET 0) s"""
_FORGET_PERIODS = f"""DELETE FROM kpi_sample_periods f USING {_PERIODS} WHERE f.tenant = p.tenant AND f.kpi = p.kpi
    AND f.version = p.version AND f.unit = p.unit AND f.dimension = ANY('{_BREAKDOWNS}') AND f.period = p.period"""
# Every sample of the definitions given ($1: kpi, version) in its week and its month, those from $3 to before $4
# (weeks) and from $5 to before $6 (months).
_BETWEEN = """(SELECT r->>0 AS kpi, (r->>1)::int AS version FROM jsonb_array_elements($1::jsonb) r) k
JOIN kpi_samples s ON s.kpi = k.kpi AND s.version = k.version
CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', s.day::timestamp)::date),
                           ('month', date_trunc('month', s.day::timestamp)::date)) p (unit, period)
JOIN (VALUES ('week', $3::date, $4::date), ('month', $5::date, $6::date)) w (unit, since, before)
    ON w.unit = p.unit AND p.period >= w.since AND p.period < w.before"""


def _grouped() -> list[str]:
    return [kpi.id for kpi in definitions.DEFINITIONS if kpi.groups]


def closing(today: date, unit: By) -> date:
    """Where the periods closed as of `today` end: the start of the week or month holding the day CLOSED_AFTER ago."""
    return truncated(today - CLOSED_AFTER, unit)


async def closed_before(conn: asyncpg.Connection) -> dict[str, date]:
    rows = await conn.fetch("SELECT unit, closed_before FROM kpi_sample_periods_closed")
    return {row["unit"]: row["closed_before"] for row in rows}


async def keep_periods(
    conn: asyncpg.Connection, kpis: list[Kpi], days: Iterable[tuple[str, str, int, date]], today: date
) -> None:
    """The closed periods holding these days (tenant, kpi, version, day), whose samples a batch changed, computed
    again (a period none is left in has none); then those closed since the last batch. For the definitions given."""
    closed = await closed_before(conn)
    measures = {(kpi.id, kpi.version): kpi.measure for kpi in kpis}
    touched = {(tenant, kpi, version, unit.value, *_period(day, unit))
               for tenant, kpi, version, day in days for unit in SAMPLE_UNITS}  # fmt: skip
    touched = {period for period in touched if period[4] < closed.get(period[3], date.min)}
    if touched:
        await conn.execute(_FORGET_PERIODS, list(touched))
        for measure, value in SAMPLE_VALUE.items():
            chosen = [period for period in touched if measures.get(period[1:3]) is measure]
            if chosen:
                await conn.execute(_FIGURES.format(value=value, samples=_IN_PERIODS), chosen, _grouped())
    await close_periods(conn, kpis, today, closed)


async def close_periods(conn: asyncpg.Connection, kpis: list[Kpi], today: date, closed: dict[str, date]) -> None:
    """The figures of the periods closed since `closed` (each unit's `closed_before`: all, where there is none yet),
    and `closed_before` moved on to `today`'s closing."""
    between = {unit: (closed.get(unit.value, date.min), max(closing(today, unit), closed.get(unit.value, date.min)))
               for unit in SAMPLE_UNITS}  # fmt: skip
    if all(since == before for since, before in between.values()):
        return
    await figure_periods(conn, kpis, between)
    await conn.execute(
        "INSERT INTO kpi_sample_periods_closed (unit, closed_before) SELECT * FROM unnest($1::text[], $2::date[])"
        " ON CONFLICT (unit) DO UPDATE SET closed_before = excluded.closed_before",
        [unit.value for unit in between], [before for _, before in between.values()],
    )


async def figure_closed(conn: asyncpg.Connection, kpis: list[Kpi]) -> None:
    """Every closed period's figures of the sampled definitions among those given, which have none yet (a fresh
    projection, a replay)."""
    closed = await closed_before(conn)
    await figure_periods(conn, kpis, {unit: (date.min, closed.get(unit.value, date.min)) for unit in SAMPLE_UNITS})


async def figure_periods(conn: asyncpg.Connection, kpis: Iterable[Kpi], between: dict[By, tuple[date, date]]) -> None:
    """The figures of the sampled definitions among those given, for the periods of each unit `between` a start and
    before an end, from all their samples (none there yet)."""
    bounds = [day for unit in SAMPLE_UNITS for day in between[unit]]
    for measure, value in SAMPLE_VALUE.items():
        chosen = [(kpi.id, kpi.version) for kpi in kpis if kpi.measure is measure]
        if chosen:
            await conn.execute(_FIGURES.format(value=value, samples=_BETWEEN), chosen, _grouped(), *bounds)


def _period(day: date, unit: By) -> tuple[date, date]:
    """The week or month holding the day: its first and last day."""
    key = truncated(day, unit)
    after = following(key, unit)
    return key, after - ONE_DAY if after else date.max


# --- bulk: into a fresh projection, nothing there to add to ---------------------------------------------------


async def write_all_facts(conn: asyncpg.Connection, kept: list[tuple[FactsKey, Facts]], chunk: int = 20_000) -> None:
    """Every fact, by binary COPY in `chunk`s (each fact dumped as it is sent, not all at once, and straight to JSON:
    no dict made on the way)."""
    for start in range(0, len(kept), chunk):
        rows = [(*key, orjson.Fragment(f.model_dump_json())) for key, f in kept[start : start + chunk]]
        await conn.copy_records_to_table("kpi_facts", columns=("tenant", "kind", "entity_id", "facts"), records=rows)


async def insert_rows(conn: asyncpg.Connection, rows: list[tuple]) -> None:
    """Per-day rows (tenant, kpi, version, dimension, member, day, part, n, total) of whole series, none there yet.
    Binary COPY: Postgres takes the rows as they are, nothing to parse."""
    if rows:
        await conn.copy_records_to_table("kpi_daily", records=rows, columns=DAILY_COLUMNS)


async def sum_rollups(conn: asyncpg.Connection, kpi: Kpi) -> None:
    """A stock's weekly and monthly sums of a whole series, from its per-day rows once those are all written (into
    tables that hold none of its sums yet: each sum is one row, nothing to add to)."""
    for unit, table in ROLLUPS.items():
        await conn.execute(_rolled_up(table, unit, "kpi_daily", "kpi = $1 AND version = $2", add=False),
                           kpi.id, kpi.version)  # fmt: skip


@asynccontextmanager
async def keys_built_after(conn: asyncpg.Connection, *tables: str) -> AsyncIterator[None]:
    """The tables' primary keys dropped while the block fills the tables, and built once the rows are in: a third of
    what keeping them up row by row costs."""
    keys = []
    for table in tables:
        key = await conn.fetchrow("SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                                  " WHERE conrelid = $1::regclass AND contype = 'p'", table)  # fmt: skip
        await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{key["conname"]}"')
        keys.append((table, key))
    yield
    for table, key in keys:
        await conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key["conname"]}" {key["definition"]}')


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
