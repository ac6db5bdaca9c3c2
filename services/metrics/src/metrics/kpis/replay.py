"""Recompute KPI series from the stored facts: after a new definition version, its series is computed for the
whole history, beside the older versions' series, in one transaction while the live projector waits."""

from dataclasses import dataclass

import asyncpg

from metrics.kpis import compute, definitions, store
from metrics.kpis.compute import Changes
from metrics.kpis.definitions import Kpi
from metrics.projections import swap_lock

CHUNK = 2_000  # facts read per round trip


@dataclass(frozen=True)
class Replayed:
    kpi: Kpi
    facts: int  # facts the series was computed from


def expanded(kpis: list[Kpi]) -> list[Kpi]:
    """The definitions whose series are stored: a derived one (MTBF, per FTE) is computed at read from others."""
    found: dict[str, Kpi] = {}
    for kpi in kpis:
        for stored in [definitions.by_key(key) for key in kpi.derived_from] or [kpi]:
            found[stored.key] = stored
    return list(found.values())


async def replay(conn: asyncpg.Connection, projection_schema: str, kpis: list[Kpi]) -> list[Replayed]:
    """Drop the named definitions' series and compute them anew from every fact, all or nothing."""
    kpis = expanded(kpis)
    async with conn.transaction():
        # The live projector takes this lock shared for each batch: it waits, and resumes on the new series.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", swap_lock(projection_schema))
        await _forget(conn, kpis)
        counted = {kind: await _recompute(conn, kind, kpis) for kind in {kpi.facts for kpi in kpis}}
        await store.figure_closed(conn, kpis)
    return [Replayed(kpi, counted[kpi.facts]) for kpi in kpis]


async def _forget(conn: asyncpg.Connection, kpis: list[Kpi]) -> None:
    ids, versions = [kpi.id for kpi in kpis], [kpi.version for kpi in kpis]
    for table in ("kpi_daily", "kpi_weekly", "kpi_monthly", "kpi_samples", "kpi_sample_periods"):
        await conn.execute(
            f"DELETE FROM {table} t USING unnest($1::text[], $2::int[]) AS d(kpi, version)"
            " WHERE t.kpi = d.kpi AND t.version = d.version",
            ids,
            versions,
        )


async def _recompute(conn: asyncpg.Connection, kind_name: str, kpis: list[Kpi]) -> int:
    """Every fact of the kind, chunk by chunk: samples written as they come, per-day rows added up and written once."""
    kind, found, count = compute.KINDS[kind_name], Changes(), 0
    async for chunk in _chunks(conn, kind_name):
        facts = {(r["tenant"], kind_name, r["entity_id"]): kind.model.model_validate(r["facts"]) for r in chunk}
        compute.changes({}, facts, kpis, into=found)
        await store.insert_samples(conn, found.samples)
        found.samples.clear()
        count += len(chunk)
    await store.add_rows(conn, found.nonzero_rows())
    return count


async def _chunks(conn: asyncpg.Connection, kind_name: str):
    cursor = await conn.cursor("SELECT tenant, entity_id, facts FROM kpi_facts WHERE kind = $1", kind_name)
    while chunk := await cursor.fetch(CHUNK):
        yield chunk
