"""The physical audits REST API: open an audit of a location, scan tags, close it; and the devices not audited lately.

Closing answers what was found, missing, found elsewhere and unknown, with the corrections it proposes as
device commands (`POST /devices/{id}/move`, `/lost`): a technician sends those, the audit changes no device.
"""

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import audits
from assets.api.audit_models import (
    AuditPage,
    AuditResponse,
    OpenAuditRequest,
    ScanResponse,
    ScanTagsRequest,
    UnauditedPage,
    audit_body,
)
from assets.api.device_models import when
from assets.domain.audit import Audit, AuditStatus
from assets.domain.audit_commands import ScanTags
from events.auth import Agent, Desk
from events.envelope import Context, utcnow
from events.errors import NotFound
from events.ids import uuid7
from events.streams import Stream
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["audits"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Location = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.post("/audits", status_code=201, response_model=AuditResponse)
async def open_audit(body: OpenAuditRequest, principal: Agent, call: CommandCall) -> Response:
    """Open an audit of a location: it expects the devices the inventory places there on site (in stock,
    deployed or retired) at this moment."""

    async def run(conn, ctx: Context) -> Answer:
        audit_id = uuid7()
        audit = await audits.open_audit(conn, audit_id, body.location, ctx)
        return Answer(audit_body(audit.view, []), audit.version, location=f"/audits/{audit_id}")

    return await call.run(principal, run)


@router.get("/audits", response_model=AuditPage)
async def list_audits(pool: Pool, principal: Desk, location: Location = None, status: AuditStatus | None = None,
                      limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Audits, newest first, with the total; each with its counts once closed."""
    async with pool.acquire() as conn:
        return await audits.audits_of(conn, principal.tenant, location, status, limit, offset)


@router.get("/audits/{audit_id}", response_model=AuditResponse)
async def get_audit(audit_id: UUID, pool: Pool, principal: Desk) -> Response:
    """The audit: what it expects, the tags scanned and, once closed, its result and proposals."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await audits.audit_row(conn, audit_id, principal.tenant)
        scans = await audits.scans_of(conn, audit_id, principal.tenant)
    if row is None:
        raise NotFound(f"no audit {audit_id}")
    return answered(audit_body(row, scans), row["version"])


@router.post("/audits/{audit_id}/scans", response_model=ScanResponse)
async def scan_tags(audit_id: UUID, body: ScanTagsRequest, principal: Agent, call: CommandCall) -> Response:
    """Record tags read at the location; a tag the audit holds already is passed over (its first reading stands).
    A closed audit takes no scans (409 `AuditAlreadyClosed`)."""

    async def run(conn, ctx: Context) -> Answer:
        tags, at = body.all_tags(), when(body.at, ctx.recorded_at)
        audit = await audits.scan(conn, audit_id, ScanTags(tags=tags, at=at), ctx, call.if_match)
        return Answer(_scanned(audit, tags, at), audit.version)

    return await call.run(principal, run)


def _scanned(audit: Stream[Audit], tags: tuple[str, ...], at) -> dict[str, Any]:
    accepted = [envelope.data["asset_tag"] for envelope in audit.appended]
    expected = {d.asset_tag for d in audit.state.expected}
    return ScanResponse(
        scanned_at=at, accepted=accepted, already_scanned=[t for t in dict.fromkeys(tags) if t not in accepted],
        not_expected=[t for t in accepted if t not in expected], scanned_count=len(audit.state.scans),
        still_expected=audit.state.still_expected, version=audit.version,
    ).model_dump(mode="json")


@router.post("/audits/{audit_id}/close", response_model=AuditResponse)
async def close_audit(audit_id: UUID, principal: Agent, call: CommandCall) -> Response:
    """Close the audit: every tag classified, corrections proposed (a move for each device found elsewhere, a
    loss report for each one missing) and none applied. A closed audit is not closed again."""

    async def run(conn, ctx: Context) -> Answer:
        audit = await audits.close(conn, audit_id, ctx, call.if_match)
        scans = await audits.scans_of(conn, audit_id, ctx.tenant)
        return Answer(audit_body(audit.view, scans), audit.version)

    return await call.run(principal, run)


@router.get("/inventory/unaudited", response_model=UnauditedPage)
async def unaudited_devices(
    pool: Pool, principal: Desk,
    days: Annotated[int, Query(ge=0, le=36_500, description="not found by an audit in this many days")],
    location: Location = None, limit: Limit = 50, offset: Offset = 0,
) -> dict[str, Any]:
    """Devices the city still holds (in stock, deployed, in repair, retired) that no audit found in the last
    `days` days: those never found first, then the longest ago; with the total."""
    async with pool.acquire() as conn:
        found = await audits.unaudited(conn, principal.tenant, utcnow() - timedelta(days=days), location, limit,
                                       offset)
    return {"days": days, **found}
