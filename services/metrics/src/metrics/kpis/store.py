"""The KPI tables of the projection: tenants' desk policies, facts, per-day rows, samples and FTE figures, each read
or written for a whole batch in one statement."""

from collections.abc import Iterable

import asyncpg

from events.contracts.metrics import ReferenceInputRecorded
from events.contracts.tickets import DeskPolicyChanged
from metrics.kpis import definitions
from metrics.kpis.compute import KINDS, Changes, FactsKey, RowKey
from metrics.kpis.definitions import STOCKS
from metrics.kpis.series import DEFAULT_DESK, Desk, Facts
from tickets.domain.policy import policy_from

FTE_INPUTS = ("INTN010", "INTN011")  # budgeted FTE, and the supported FTE that overrides it


async def desks(conn: asyncpg.Connection, tenants: Iterable[str]) -> dict[str, Desk]:
    """Each tenant's desk policy as last changed; the tickets service's defaults for a tenant that set none."""
    rows = await conn.fetch("SELECT tenant, policy FROM kpi_desks WHERE tenant = ANY($1::text[])", list(tenants))
    found = {row["tenant"]: Desk(policy_from(DeskPolicyChanged.model_validate(row["policy"]))) for row in rows}
    return {tenant: found.get(tenant, DEFAULT_DESK) for tenant in tenants}


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


async def facts(conn: asyncpg.Connection, keys: Iterable[FactsKey]) -> dict[FactsKey, Facts]:
    tenants, kinds, entities = (list(column) for column in zip(*keys, strict=True)) if keys else ([], [], [])
    rows = await conn.fetch(
        "SELECT f.tenant, f.kind, f.entity_id, f.facts FROM kpi_facts f"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(tenant, kind, entity_id)"
        " USING (tenant, kind, entity_id)",
        tenants,
        kinds,
        entities,
    )
    return {(r["tenant"], r["kind"], r["entity_id"]): KINDS[r["kind"]].model.model_validate(r["facts"]) for r in rows}


async def write_facts(conn: asyncpg.Connection, changed: dict[FactsKey, Facts]) -> None:
    await conn.execute(
        "INSERT INTO kpi_facts (tenant, kind, entity_id, facts) SELECT * FROM unnest($1::text[], $2::text[],"
        " $3::text[], $4::jsonb[]) ON CONFLICT (tenant, kind, entity_id) DO UPDATE SET facts = excluded.facts",
        [k[0] for k in changed],
        [k[1] for k in changed],
        [k[2] for k in changed],
        [f.model_dump(mode="json") for f in changed.values()],
    )


_ADD_ROWS = """
WITH delta AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::date[], $7::text[],
                         $8::bigint[], $9::numeric[]) AS d(tenant, kpi, version, dimension, member, day, part, n, total)
), daily AS (
    INSERT INTO kpi_daily (tenant, kpi, version, dimension, member, day, part, n, total) SELECT * FROM delta
    ON CONFLICT (tenant, kpi, version, dimension, day, member, part)
    DO UPDATE SET n = kpi_daily.n + excluded.n, total = kpi_daily.total + excluded.total
)
INSERT INTO kpi_monthly (tenant, kpi, version, dimension, member, month, part, n, total)
SELECT tenant, kpi, version, dimension, member, date_trunc('month', day::timestamp)::date, part, sum(n), sum(total)
FROM delta WHERE kpi = ANY($10::text[]) GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT (tenant, kpi, version, dimension, month, member, part)
DO UPDATE SET n = kpi_monthly.n + excluded.n, total = kpi_monthly.total + excluded.total
"""


async def add_rows(conn: asyncpg.Connection, rows: dict[RowKey, list]) -> None:
    """Add each delta to its day's row (and a stock's to its month's): the sums commute, so batches may land in
    any order."""
    if rows:
        stocks = [kpi.id for kpi in definitions.DEFINITIONS if kpi.measure in STOCKS]
        await conn.execute(_ADD_ROWS, *_columns([(*key, n, total) for key, (n, total) in rows.items()], 9), stocks)


async def replace_samples(conn: asyncpg.Connection, found: Changes, kpis: list[str]) -> None:
    """The samples of the entities `found` resampled, for the definitions named (`id@version`), anew."""
    if found.resampled:
        await conn.execute(
            "DELETE FROM kpi_samples s USING unnest($1::text[], $2::text[]) AS e(tenant, entity_id)"
            " WHERE s.tenant = e.tenant AND s.entity_id = e.entity_id AND s.kpi || '@' || s.version = ANY($3)",
            [t for t, _ in found.resampled],
            [e for _, e in found.resampled],
            kpis,
        )
    await insert_samples(conn, found.samples)


async def insert_samples(conn: asyncpg.Connection, samples: list[tuple]) -> None:
    if samples:
        await conn.execute(
            "INSERT INTO kpi_samples (tenant, kpi, version, entity_id, part, day, value, who, priority, category,"
            " channel, grp) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[],"
            " $6::date[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])",
            *_columns(samples, 12),
        )


async def write_fte(conn: asyncpg.Connection, inputs: list[tuple[str, ReferenceInputRecorded]]) -> None:
    """The latest FTE figure of each fiscal year wins (a later one replaces it, as /mbn/inputs says)."""
    await conn.execute(
        "INSERT INTO kpi_fte (tenant, fiscal_year, input_id, value, recorded_at) SELECT * FROM unnest($1::text[],"
        " $2::int[], $3::text[], $4::numeric[], $5::timestamptz[]) ON CONFLICT (tenant, fiscal_year, input_id)"
        " DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at"
        " WHERE excluded.recorded_at >= kpi_fte.recorded_at",
        *_columns([(t, e.fiscal_year, e.input_id, e.value, e.at) for t, e in inputs], 5),
    )


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
