"""Physical audits on the kit: commands through `streams.handle`, the audit row, its scans, when devices were found."""

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.audit import AUDIT, ON_SITE, Audit, Proposal, proposals
from assets.domain.audit_commands import CloseAudit, OpenAudit, Placement, ScanTags
from assets.domain.commands import MoveDevice
from assets.domain.device_state import OWNED
from events import streams
from events.contracts.audits import MAX_EXPECTED, AuditClosed, AuditedDevice, AuditOpened, TagScanned
from events.db import page
from events.envelope import Context
from events.streams import Stream


async def read_audit(conn: asyncpg.Connection, audit_id: UUID, tenant: str) -> Stream[Audit]:
    return await streams.read(conn, AUDIT, str(audit_id), tenant)


_EXPECTED = """
SELECT device_id, asset_tag FROM device_list
WHERE tenant = $1 AND location = $2 AND status = ANY($3::text[]) ORDER BY asset_tag LIMIT $4"""


async def open_audit(conn: asyncpg.Connection, audit_id: UUID, location: str, ctx: Context) -> Stream[Audit]:
    """Open an audit of `location`, expecting the devices the inventory places there on site now."""
    rows = await conn.fetch(_EXPECTED, ctx.tenant, location, list(ON_SITE), MAX_EXPECTED + 1)
    expected = tuple(AuditedDevice(device_id=r["device_id"], asset_tag=r["asset_tag"]) for r in rows)
    command = OpenAudit(audit_id=audit_id, location=location, expected=expected, at=ctx.recorded_at)
    return await streams.handle(conn, AUDIT, str(audit_id), command, ctx, loaded=streams.fresh(AUDIT),
                                inline=_write_audit)


async def scan(conn: asyncpg.Connection, audit_id: UUID, command: ScanTags, ctx: Context,
               if_match: int | None = None) -> Stream[Audit]:
    return await streams.handle(conn, AUDIT, str(audit_id), command, ctx, if_match=if_match, inline=_write_audit)


_PLACED = "SELECT asset_tag, device_id, location, status FROM device_list WHERE tenant = $1 AND asset_tag = ANY($2)"


async def close(conn: asyncpg.Connection, audit_id: UUID, ctx: Context, if_match: int | None = None) -> Stream[Audit]:
    """Close the audit, the tags it did not expect looked up in the inventory as it stands now."""
    audit = await read_audit(conn, audit_id, ctx.tenant)
    rows = await conn.fetch(_PLACED, ctx.tenant, audit.state.unexpected_tags())
    placements = {r["asset_tag"]: Placement(r["device_id"], r["location"], r["status"]) for r in rows}
    command = CloseAudit(at=ctx.recorded_at, placements=placements)
    return await streams.handle(conn, AUDIT, str(audit_id), command, ctx, if_match=if_match, loaded=audit,
                                inline=_write_audit)


_INSERT_AUDIT = """
INSERT INTO audits (audit_id, tenant, location, status, opened_at, opened_by, expected, expected_count,
    scanned_count, still_expected, updated_at, version)
VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, 0, $7, $8, $9)"""
_INSERT_SCANS = """
INSERT INTO audit_scans (audit_id, asset_tag, tenant, scanned_at, scanned_by)
SELECT $1, tag, $2, scanned_at, $3 FROM unnest($4::text[], $5::timestamptz[]) AS s (tag, scanned_at)"""
_UPDATE_AUDIT = """
UPDATE audits SET status = $2, scanned_count = $3, still_expected = $4, updated_at = $5, version = $6
WHERE audit_id = $1"""


async def _write_audit(conn: asyncpg.Connection, audit: Stream[Audit], ctx: Context) -> asyncpg.Record:
    """The audit's row, its new scans and, once closed, its result, in the command's transaction."""
    s, types = audit.state, {envelope.type for envelope in audit.appended}
    if AuditOpened.event_type in types:
        await conn.execute(_INSERT_AUDIT, s.audit_id, ctx.tenant, s.location, s.opened_at, ctx.actor,
                           [d.model_dump(mode="json") for d in s.expected], len(s.expected),
                           ctx.recorded_at, audit.version)
    tags = [e.data["asset_tag"] for e in audit.appended if e.type == TagScanned.event_type]
    if tags:
        await conn.execute(_INSERT_SCANS, s.audit_id, ctx.tenant, ctx.actor, tags, [s.scans[tag] for tag in tags])
    await conn.execute(_UPDATE_AUDIT, s.audit_id, s.status, len(s.scans), s.still_expected, ctx.recorded_at,
                       audit.version)
    if AuditClosed.event_type in types:
        await _record_result(conn, s, ctx)
    return await audit_row(conn, s.audit_id, ctx.tenant)


_CLOSE_AUDIT = """
UPDATE audits SET closed_at = $2, closed_by = $3, found_count = $4, missing_count = $5, found_elsewhere_count = $6,
    unknown_count = $7, result = $8, proposals = $9
WHERE audit_id = $1"""
# Only a later finding replaces an earlier one: an older audit closed late does not hide a newer one.
_FOUND = """
INSERT INTO device_last_audited (device_id, tenant, audit_id, location, audited_at)
SELECT device_id, $1, $2, $3, audited_at FROM unnest($4::uuid[], $5::timestamptz[]) AS f (device_id, audited_at)
ON CONFLICT (device_id) DO UPDATE SET audit_id = EXCLUDED.audit_id, location = EXCLUDED.location,
    audited_at = EXCLUDED.audited_at
WHERE device_last_audited.audited_at <= EXCLUDED.audited_at"""


async def _record_result(conn: asyncpg.Connection, s: Audit, ctx: Context) -> None:
    r = s.result
    await conn.execute(_CLOSE_AUDIT, s.audit_id, r.at, ctx.actor, len(r.found), len(r.missing),
                       len(r.found_elsewhere), len(r.unknown_tags), result_body(s),
                       [proposal_body(p) for p in proposals(s)])
    seen = [*r.found, *r.found_elsewhere]  # found on site or elsewhere: either way a person saw it
    await conn.execute(_FOUND, ctx.tenant, s.audit_id, s.location, [d.device_id for d in seen],
                       [s.scans[d.asset_tag] for d in seen])


def result_body(s: Audit) -> dict[str, Any]:
    """The classification with each tag's scan time, as the audit's read model keeps it."""
    r = s.result

    def scanned(d) -> dict[str, Any]:
        return {**d.model_dump(mode="json"), "scanned_at": s.scans[d.asset_tag].isoformat()}

    return {"found": [scanned(d) for d in r.found], "missing": [d.model_dump(mode="json") for d in r.missing],
            "found_elsewhere": [scanned(d) for d in r.found_elsewhere],
            "unknown": [{"asset_tag": tag, "scanned_at": s.scans[tag].isoformat()} for tag in r.unknown_tags]}


def proposal_body(p: Proposal) -> dict[str, Any]:
    """A proposal as the request a technician sends to apply it: an ordinary device command."""
    c = p.command
    if isinstance(c, MoveDevice):
        action, body = "move", {"location": c.location, "at": c.at.isoformat()}
    else:
        action, body = "lost", {"stolen": c.stolen, "note": c.note, "at": c.at.isoformat()}
    return {"action": action, "device_id": str(p.device_id), "asset_tag": p.asset_tag, "method": "POST",
            "path": f"/devices/{p.device_id}/{action}", "body": body, "reason": p.reason}


_AUDIT_COLUMNS = """
audit_id AS id, location, status, opened_at, opened_by, expected_count, scanned_count, still_expected, closed_at,
closed_by, found_count, missing_count, found_elsewhere_count, unknown_count, updated_at, version"""


async def audit_row(conn: asyncpg.Connection, audit_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_AUDIT_COLUMNS}, expected, result, proposals FROM audits"
                               " WHERE audit_id = $1 AND tenant = $2", audit_id, tenant)


async def scans_of(conn: asyncpg.Connection, audit_id: UUID, tenant: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT asset_tag, scanned_at, scanned_by FROM audit_scans WHERE audit_id = $1"
                            " AND tenant = $2 ORDER BY scanned_at, asset_tag", audit_id, tenant)


_LIST = """
FROM audits WHERE tenant = $1 AND ($2::text IS NULL OR location = $2) AND ($3::text IS NULL OR status = $3)"""


async def audits_of(conn: asyncpg.Connection, tenant: str, location: str | None, status: str | None, limit: int,
                    offset: int) -> dict[str, Any]:
    """Audits newest first, with the total the filters find."""
    return await page(conn, _AUDIT_COLUMNS, _LIST, "opened_at DESC, audit_id", [tenant, location, status], limit,
                      offset)


_UNAUDITED = """
FROM device_list d LEFT JOIN device_last_audited a ON a.device_id = d.device_id
WHERE d.tenant = $1 AND d.status = ANY($2::text[]) AND (a.audited_at IS NULL OR a.audited_at < $3)
  AND ($4::text IS NULL OR d.location = $4)"""
_UNAUDITED_COLUMNS = """
d.device_id AS id, d.asset_tag, d.model, d.kind, d.status, d.location, d.department, d.person_id,
a.audited_at AS last_audited_at, a.audit_id AS last_audit_id, a.location AS last_audited_location"""


async def unaudited(conn: asyncpg.Connection, tenant: str, before: datetime, location: str | None, limit: int,
                    offset: int) -> dict[str, Any]:
    """Devices the city still holds that no audit found since `before`: never found first, then the longest ago."""
    return await page(conn, _UNAUDITED_COLUMNS, _UNAUDITED, "a.audited_at NULLS FIRST, d.asset_tag",
                      [tenant, list(OWNED), before, location], limit, offset)
