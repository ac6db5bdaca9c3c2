"""The KPI tables of the projection: tenants' desk policies, facts, per-day rows, samples and FTE figures, each read
or written for a whole batch in one statement, and written in bulk into a fresh projection (metrics.kpis.bulk).

A batch's rows go to Postgres as one JSON document that it takes apart (`jsonb_array_elements`): a parameter per
column would cost the projector about a microsecond per value to encode, some 150 values an event. Samples and the
bulk flows, whose columns have binary encoders, go by binary COPY."""

from collections.abc import Iterable

import asyncpg

from events.contracts.metrics import ReferenceInputRecorded
from events.contracts.tickets import DeskPolicyChanged
from metrics.kpis import definitions
from metrics.kpis.compute import KINDS, Changes, FactsKey, RowKey
from metrics.kpis.definitions import STOCKS, Kpi
from metrics.kpis.series import DEFAULT_DESK, Desk, Facts
from tickets.domain.policy import policy_from

FTE_INPUTS = ("INTN010", "INTN011")  # budgeted FTE, and the supported FTE that overrides it


# The stocks, whose per-day changes are added up per month as well (kpi_monthly).
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


_ADD_ROWS = """
WITH delta AS (
    SELECT r->>0 AS tenant, r->>1 AS kpi, (r->>2)::int AS version, r->>3 AS dimension, r->>4 AS member,
           (r->>5)::date AS day, r->>6 AS part, (r->>7)::bigint AS n, (r->>8)::numeric AS total
    FROM jsonb_array_elements($1::jsonb) r
), daily AS (
    INSERT INTO kpi_daily (tenant, kpi, version, dimension, member, day, part, n, total) SELECT * FROM delta
    ON CONFLICT (tenant, kpi, version, dimension, day, member, part)
    DO UPDATE SET n = kpi_daily.n + excluded.n, total = kpi_daily.total + excluded.total
)
INSERT INTO kpi_monthly (tenant, kpi, version, dimension, member, month, part, n, total)
SELECT tenant, kpi, version, dimension, member, date_trunc('month', day::timestamp)::date, part, sum(n), sum(total)
FROM delta WHERE kpi = ANY($2::text[]) GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT (tenant, kpi, version, dimension, month, member, part)
DO UPDATE SET n = kpi_monthly.n + excluded.n, total = kpi_monthly.total + excluded.total
"""


async def add_rows(conn: asyncpg.Connection, rows: dict[RowKey, list]) -> None:
    """Add each delta to its day's row (and a stock's to its month's): the sums commute, so batches may land in
    any order."""
    if rows:
        await conn.execute(_ADD_ROWS, [(*key, n, total) for key, (n, total) in rows.items()], STOCK_KPIS)


# Each sample's whole key given (tenant, definition, version, entity): looked up in the key's index, where a join on
# the entities alone would leave the planner a scan of every sample.
_DELETE_SAMPLES = """
DELETE FROM kpi_samples s USING (
    SELECT r->>0 AS tenant, r->>1 AS kpi, (r->>2)::int AS version, r->>3 AS entity_id
    FROM jsonb_array_elements($1::jsonb) r
) e WHERE s.tenant = e.tenant AND s.kpi = e.kpi AND s.version = e.version AND s.entity_id = e.entity_id"""


async def replace_samples(conn: asyncpg.Connection, found: Changes, kpis: list[Kpi]) -> None:
    """The samples of the entities `found` resampled, for the definitions given, anew."""
    if found.resampled:
        keys = [(tenant, k.id, k.version, entity) for tenant, entity in found.resampled for k in kpis]
        await conn.execute(_DELETE_SAMPLES, keys)
    await insert_samples(conn, found.samples)


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


# --- bulk: into a fresh projection, nothing there to add to ---------------------------------------------------


async def write_all_facts(conn: asyncpg.Connection, kept: list[tuple[FactsKey, Facts]], chunk: int = 20_000) -> None:
    """Every fact, in JSON documents of `chunk` facts (asyncpg has no binary COPY encoder for jsonb)."""
    for start in range(0, len(kept), chunk):
        await write_facts(conn, dict(kept[start : start + chunk]))


_STAGE = """
CREATE TEMP TABLE kpi_flows (tenant text, kpi text, version int, breakdowns int, day date, part text, n bigint,
    total numeric) ON COMMIT DROP;
CREATE TEMP TABLE kpi_breakdowns (breakdowns int, dimension text, member text) ON COMMIT DROP"""
# Each entity's contribution counted in every breakdown it belongs to (all, its priority, its category...).
_SUM_FLOWS = """
INSERT INTO kpi_daily (tenant, kpi, version, dimension, member, day, part, n, total)
SELECT f.tenant, f.kpi, f.version, b.dimension, b.member, f.day, f.part, sum(f.n), sum(f.total)
FROM kpi_flows f JOIN kpi_breakdowns b USING (breakdowns) GROUP BY 1, 2, 3, 4, 5, 6, 7
HAVING sum(f.n) <> 0 OR sum(f.total) <> 0"""


async def stage_flows(conn: asyncpg.Connection) -> None:
    """Temporary tables for whole series computed in bulk, dropped when the transaction ends."""
    await conn.execute(_STAGE)


async def add_flows(conn: asyncpg.Connection, flows: list[tuple]) -> None:
    """Rows (tenant, kpi, version, breakdowns, day, part, n, total): `breakdowns` the number standing for a set of
    breakdowns, as `sum_flows` is given them. Binary COPY: Postgres takes the rows as they are, nothing to parse."""
    if flows:
        await conn.copy_records_to_table("kpi_flows", records=flows)


async def sum_flows(conn: asyncpg.Connection, breakdowns: dict[tuple, int]) -> None:
    """The staged rows added up into per-day rows, for each breakdown (dimension, member) of their entities."""
    await conn.execute(
        "INSERT INTO kpi_breakdowns SELECT (r->>0)::int, r->>1, r->>2 FROM jsonb_array_elements($1::jsonb) r",
        [(number, dimension, member) for members, number in breakdowns.items() for dimension, member in members],
    )
    # Planned with the staged rows' statistics and hashed in memory; the key built once the rows are in, which costs
    # a third of keeping it up row by row.
    await conn.execute("ANALYZE kpi_flows; ANALYZE kpi_breakdowns; SET LOCAL work_mem = '512MB'")
    key = await conn.fetchrow("SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                              " WHERE conrelid = 'kpi_daily'::regclass AND contype = 'p'")  # fmt: skip
    await conn.execute(f'ALTER TABLE kpi_daily DROP CONSTRAINT "{key["conname"]}"')
    await conn.execute(_SUM_FLOWS)
    await conn.execute(f'ALTER TABLE kpi_daily ADD CONSTRAINT "{key["conname"]}" {key["definition"]}')


async def sum_months(conn: asyncpg.Connection) -> None:
    """The stocks' monthly sums from their per-day rows, once those are all written."""
    await conn.execute(
        "INSERT INTO kpi_monthly (tenant, kpi, version, dimension, member, month, part, n, total)"
        " SELECT tenant, kpi, version, dimension, member, date_trunc('month', day::timestamp)::date, part, sum(n),"
        " sum(total) FROM kpi_daily WHERE kpi = ANY($1::text[]) GROUP BY 1, 2, 3, 4, 5, 6, 7"
        " ON CONFLICT (tenant, kpi, version, dimension, month, member, part)"
        " DO UPDATE SET n = kpi_monthly.n + excluded.n, total = kpi_monthly.total + excluded.total",
        STOCK_KPIS,
    )


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
