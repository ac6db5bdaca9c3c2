"""The security advisories REST API: record a breach or vulnerability, its exposure, remediation; routes only."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import advisories
from assets.api.device_models import when
from assets.api.security_models import (
    AdvisoryDetail,
    AdvisoryPage,
    ExposureResponse,
    RecordAdvisoryRequest,
    RemediateDeviceRequest,
    advisory_body,
)
from assets.domain.advisory import RemediateDevice
from events.auth import Agent, Desk
from events.contracts.security import Severity
from events.envelope import Context
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["advisories"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
# The devices an advisory's own page lists; its exposure pages through any number.
MAX_LISTED = 10_000


async def _detail(conn, advisory_id: UUID, tenant: str) -> dict[str, Any]:
    row = await advisories.advisory_row(conn, advisory_id, tenant)
    if row is None:
        raise NotFound(f"no advisory {advisory_id}")
    devices = await advisories.exposed_devices(conn, advisory_id, tenant, None, MAX_LISTED, 0)
    return advisory_body(row, devices["items"])


@router.post("/advisories", status_code=201, response_model=AdvisoryDetail)
async def record_advisory(body: RecordAdvisoryRequest, principal: Agent, call: CommandCall) -> Response:
    """Record a breach or vulnerability; the devices and people it exposed are found in the inventory as it was
    during the window (installed there then, disposed of since, or not), not as it is today."""

    async def run(conn, ctx: Context) -> Answer:
        command = body.command(uuid7(), principal.user_id, ctx.recorded_at)
        advisory = await advisories.record(conn, command, ctx)
        return Answer(
            await _detail(conn, command.advisory_id, ctx.tenant),
            advisory.version,
            location=f"/advisories/{command.advisory_id}",
        )

    return await call.run(principal, run)


@router.get("/advisories", response_model=AdvisoryPage)
async def list_advisories(
    pool: Pool,
    principal: Desk,
    status: Literal["open", "remediated"] | None = None,
    severity: Severity | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Advisories newest first, with exposed and remediated counts, and the total."""
    async with pool.acquire() as conn:
        return await advisories.advisories_of(conn, principal.tenant, status, severity, limit, offset)


@router.get("/advisories/{advisory_id}", response_model=AdvisoryDetail)
async def get_advisory(advisory_id: UUID, pool: Pool, principal: Desk) -> Response:
    """The advisory, each exposed device with its time to remediate, and the mean; `ETag` for `If-Match`."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        detail = await _detail(conn, advisory_id, principal.tenant)
    return answered(detail, detail["version"])


@router.get("/advisories/{advisory_id}/exposure", response_model=ExposureResponse)
async def advisory_exposure(
    advisory_id: UUID,
    pool: Pool,
    principal: Desk,
    remediated: Annotated[bool | None, Query(description="only the devices remediated, or only those left")] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The devices the advisory exposed (tag, model, person, location as the inventory holds them now, and
    whether each is remediated) and the people exposed, with counts."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await advisories.advisory_row(conn, advisory_id, principal.tenant)
        if row is None:
            raise NotFound(f"no advisory {advisory_id}")
        devices = await advisories.exposed_devices(conn, advisory_id, principal.tenant, remediated, limit, offset)
    counts = {
        "devices": row["exposed_devices"],
        "remediated": row["remediated_devices"],
        "left": row["exposed_devices"] - row["remediated_devices"],
        "people": len(row["people"]),
    }
    return {
        "advisory_id": advisory_id,
        "window_start": row["window_start"],
        "window_end": row["window_end"],
        "counts": counts,
        "people": row["people"],
        "devices": devices["items"],
        "total": devices["total"],
        "limit": limit,
        "offset": offset,
    }


@router.post("/advisories/{advisory_id}/remediations", response_model=AdvisoryDetail)
async def remediate_device(
    advisory_id: UUID, body: RemediateDeviceRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record the remediation of one exposed device; once none is left, the advisory is remediated, with its
    time to remediate. A device not exposed, or already remediated, is refused."""

    async def run(conn, ctx: Context) -> Answer:
        command = RemediateDevice(
            device_id=body.device_id,
            action=body.action,
            remediated_by=principal.user_id,
            at=when(body.at, ctx.recorded_at),
            note=body.note,
        )
        advisory = await advisories.remediate(conn, advisory_id, command, ctx, call.if_match)
        return Answer(await _detail(conn, advisory_id, ctx.tenant), advisory.version)

    return await call.run(principal, run)
