"""Advisories on the kit: the exposure computed from the inventory as it was, the advisory's stream, and its rows.

The exposure reads the two-time history: `device_timeline` (each device's model, status and person over valid
time, the rows still believed) and the installations of the affected titles, with when each seat was given and
given back, from the service's own event store (the installations table keeps only the seats held now).
"""

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.advisory import (
    ADVISORY,
    Advisory,
    Exposure,
    RecordAdvisory,
    RemediateDevice,
    within,
)
from assets.domain.device_state import OWNED
from events import streams
from events.base import Event
from events.contracts.security import (
    AdvisoryDeviceRemediated,
    AdvisoryExposureAssessed,
    AdvisoryRecorded,
    AdvisoryRemediated,
    AffectedSoftware,
)
from events.contracts.software import SoftwareInstalled, SoftwareUninstalled
from events.db import page
from events.envelope import Context
from events.errors import UnknownReference
from events.streams import Stream


async def read_advisory(conn: asyncpg.Connection, advisory_id: UUID, tenant: str) -> Stream[Advisory]:
    return await streams.read(conn, ADVISORY, str(advisory_id), tenant)


async def record(conn: asyncpg.Connection, command: RecordAdvisory, ctx: Context) -> Stream[Advisory]:
    """Assess the exposure over the window (open: until now), then record the advisory with it."""
    titles = await affected_titles(conn, command.software, ctx.tenant)
    until = command.window_end or ctx.recorded_at
    exposure = await exposure_of(
        conn, ctx.tenant, titles, [m.model for m in command.models], command.window_start, until
    )
    people = {p for p in exposure.people} | {a.person_id for a in command.accounts if a.person_id}
    command = replace(command, exposure=replace(exposure, people=tuple(sorted(people))))
    return await streams.handle(
        conn, ADVISORY, str(command.advisory_id), command, ctx, loaded=streams.fresh(ADVISORY), inline=_write_advisory
    )


async def remediate(
    conn: asyncpg.Connection, advisory_id: UUID, command: RemediateDevice, ctx: Context, if_match: int | None = None
) -> Stream[Advisory]:
    return await streams.handle(
        conn, ADVISORY, str(advisory_id), command, ctx, if_match=if_match, inline=_write_advisory
    )


async def affected_titles(conn: asyncpg.Connection, software: tuple[AffectedSoftware, ...], tenant: str) -> list[str]:
    """The catalogued titles the advisory names, or whose product name matches with a version in range."""
    found: set[str] = set()
    for n, affected in enumerate(software):
        if affected.title_id is not None:
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM software_titles WHERE title_id = $1 AND tenant = $2)",
                affected.title_id,
                tenant,
            ):
                raise UnknownReference(f"software.{n}.title_id", f"there is no software title {affected.title_id}")
            found.add(str(affected.title_id))
            continue
        rows = await conn.fetch(
            "SELECT title_id, software_version FROM software_titles WHERE tenant = $1 AND lower(name) = lower($2)",
            tenant,
            affected.product,
        )
        found |= {
            str(r["title_id"])
            for r in rows
            if within(r["software_version"], affected.min_version, affected.max_version)
        }
    return sorted(found)


# When each seat of the titles was given (its `at`) and given back (the next uninstall of that device on the same
# licence stream), as they happened in the world: a backdated install counts from when it was done.
_INSTALLED = f"""
SELECT (i.envelope #>> '{{data,device_id}}')::uuid AS device_id, i.occurred_at AS installed_at,
       coalesce(u.occurred_at, 'infinity') AS removed_at
FROM events i
LEFT JOIN LATERAL (
    SELECT r.occurred_at FROM events r
    WHERE r.stream_id = i.stream_id AND r.stream_version > i.stream_version
      AND r.event_type = '{SoftwareUninstalled.event_type}'
      AND r.envelope #>> '{{data,device_id}}' = i.envelope #>> '{{data,device_id}}'
    ORDER BY r.stream_version LIMIT 1) u ON true
WHERE i.tenant = $1 AND i.event_type = '{SoftwareInstalled.event_type}'
  AND i.envelope #>> '{{data,title_id}}' = ANY($2::text[])"""

# A device is exposed when, at some moment of the window, the city held it (in stock, deployed, in repair or
# retired: not yet ordered, not yet gone) as an affected model, or with an affected title installed.
_EXPOSED = f"""
WITH installed AS ({_INSTALLED})
SELECT DISTINCT t.device_id, t.person_id
FROM device_timeline t
WHERE t.tenant = $1 AND t.recorded_to = 'infinity' AND t.status = ANY($5::text[])
  AND t.valid_from < $4 AND t.valid_to > $3
  AND (lower(t.model) = ANY($6::text[])
       OR EXISTS (SELECT 1 FROM installed s WHERE s.device_id = t.device_id
                  AND s.installed_at < least(t.valid_to, $4) AND s.removed_at > greatest(t.valid_from, $3)))"""


async def exposure_of(
    conn: asyncpg.Connection, tenant: str, titles: list[str], models: list[str], start: datetime, end: datetime
) -> Exposure:
    """The devices held with an affected model or title during [start, end), and the people who had them then."""
    rows = await conn.fetch(
        _EXPOSED, tenant, titles, start, end, list(OWNED), [m.strip().lower() for m in models if m.strip()]
    )
    devices = sorted({r["device_id"] for r in rows})
    return Exposure(tuple(devices), tuple(sorted({r["person_id"] for r in rows if r["person_id"]})))


# --- the inline read model ------------------------------------------------------------------------------------

_INSERT_ADVISORY = """
INSERT INTO advisories (advisory_id, tenant, title, kind, severity, source, reference, description, affected,
    window_start, window_end, recorded_at, recorded_by, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0)"""


async def _recorded(conn: asyncpg.Connection, e: AdvisoryRecorded, tenant: str) -> None:
    affected = e.model_dump(mode="json", include={"software", "models", "accounts"})
    await conn.execute(
        _INSERT_ADVISORY,
        e.advisory_id,
        tenant,
        e.title,
        e.kind,
        e.severity,
        e.source,
        e.reference,
        e.description,
        affected,
        e.window_start,
        e.window_end,
        e.at,
        e.recorded_by,
    )


async def _assessed(conn: asyncpg.Connection, e: AdvisoryExposureAssessed, tenant: str) -> None:
    await conn.execute(
        "UPDATE advisories SET people = $2, exposed_devices = $3 WHERE advisory_id = $1",
        e.advisory_id,
        e.people,
        len(e.device_ids),
    )
    await conn.execute(
        "INSERT INTO advisory_devices (advisory_id, device_id, tenant) SELECT $1, d, $3 FROM unnest($2::uuid[]) AS d",
        e.advisory_id,
        e.device_ids,
        tenant,
    )


async def _device_remediated(conn: asyncpg.Connection, e: AdvisoryDeviceRemediated, tenant: str) -> None:
    await conn.execute(
        "UPDATE advisory_devices SET remediated_at = $3, action = $4, note = $5, remediated_by = $6,"
        " seconds_to_remediate = $7 WHERE advisory_id = $1 AND device_id = $2",
        e.advisory_id,
        e.device_id,
        e.at,
        e.action,
        e.note,
        e.remediated_by,
        e.seconds_to_remediate,
    )
    await conn.execute(
        "UPDATE advisories SET remediated_devices = remediated_devices + 1 WHERE advisory_id = $1", e.advisory_id
    )


async def _remediated(conn: asyncpg.Connection, e: AdvisoryRemediated, tenant: str) -> None:
    await conn.execute(
        "UPDATE advisories SET remediated_at = $2, seconds_to_remediate = $3,"
        " mean_seconds_to_remediate = $4 WHERE advisory_id = $1",
        e.advisory_id,
        e.at,
        e.seconds_to_remediate,
        e.mean_seconds_to_remediate,
    )


_WRITERS = {
    AdvisoryRecorded: _recorded,
    AdvisoryExposureAssessed: _assessed,
    AdvisoryDeviceRemediated: _device_remediated,
    AdvisoryRemediated: _remediated,
}


async def _write_advisory(conn: asyncpg.Connection, advisory: Stream[Advisory], ctx: Context) -> None:
    """Apply what the command appended to the advisory's rows, in its transaction."""
    appended: list[Event] = advisory.events[advisory.version - len(advisory.appended) :]
    for event in appended:
        await _WRITERS[type(event)](conn, event, ctx.tenant)
    await conn.execute(
        "UPDATE advisories SET version = $2 WHERE advisory_id = $1", advisory.state.advisory_id, advisory.version
    )


# --- reads ----------------------------------------------------------------------------------------------------

_ADVISORY_COLUMNS = """advisory_id AS id, title, kind, severity, source, reference, window_start, window_end,
    recorded_at, recorded_by, exposed_devices, remediated_devices, cardinality(people) AS exposed_people,
    CASE WHEN remediated_at IS NULL THEN 'open' ELSE 'remediated' END AS status, remediated_at,
    seconds_to_remediate, mean_seconds_to_remediate, version"""

_LIST = """FROM advisories WHERE tenant = $1 AND ($2::text IS NULL OR (remediated_at IS NULL) = ($2 = 'open'))
  AND ($3::text IS NULL OR severity = $3)"""


async def advisories_of(
    conn: asyncpg.Connection, tenant: str, status: str | None, severity: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """Advisories newest first, with the total the filters find."""
    return await page(
        conn, _ADVISORY_COLUMNS, _LIST, "recorded_at DESC, advisory_id", [tenant, status, severity], limit, offset
    )


async def advisory_row(conn: asyncpg.Connection, advisory_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_ADVISORY_COLUMNS}, description, affected, people FROM advisories"
        " WHERE advisory_id = $1 AND tenant = $2",
        advisory_id,
        tenant,
    )


# The device as the inventory holds it now: where to find it, and who has it, to remediate it.
_DEVICE_COLUMNS = """a.device_id, d.asset_tag, d.model, d.person_id, d.location, d.status,
    a.remediated_at IS NOT NULL AS remediated, a.remediated_at, a.action, a.note, a.remediated_by,
    a.seconds_to_remediate"""
_DEVICES = """FROM advisory_devices a JOIN device_list d ON d.device_id = a.device_id AND d.tenant = a.tenant
WHERE a.advisory_id = $1 AND a.tenant = $2 AND ($3::bool IS NULL OR (a.remediated_at IS NOT NULL) = $3)"""


async def exposed_devices(
    conn: asyncpg.Connection, advisory_id: UUID, tenant: str, remediated: bool | None, limit: int, offset: int
) -> dict[str, Any]:
    """The devices the advisory exposed, by asset tag, with the total."""
    return await page(
        conn, _DEVICE_COLUMNS, _DEVICES, "d.asset_tag, a.device_id", [advisory_id, tenant, remediated], limit, offset
    )
