"""The endpoint protection REST API: what each device runs, the tenant's requirements, the gaps; routes only.

`If-Match` on `POST /devices/{device_id}/protection` is the ETag of the device's protection (its GET), not the
device's own: the two are separate streams.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import protection
from assets.api.device_models import when
from assets.api.security_models import (
    DeviceProtectionResponse,
    ProtectionGapPage,
    ProtectionRequirementsResponse,
    RecordProtectionRequest,
    RequestWorkOrdersRequest,
    SetProtectionRequirementsRequest,
    WorkOrdersRequested,
    device_protection_body,
)
from assets.domain.protection import Requirements, SetProtectionRequirements
from events.auth import Agent, Desk, Manager
from events.contracts.assets import DeviceKind
from events.contracts.security import ProtectionKind
from events.envelope import Context, utcnow
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["protection"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post("/devices/{device_id}/protection", response_model=DeviceProtectionResponse)
async def record_protection(
    device_id: UUID, body: RecordProtectionRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record the protection of one kind the device runs (anti-malware, desktop lock-down such as Foolproof,
    screen lock-out with its policy, disk encryption), or with `removed` that it no longer runs it."""

    async def run(conn, ctx: Context) -> Answer:
        command = body.command(device_id, principal.user_id, when(body.at, ctx.recorded_at))
        device = await protection.record(conn, command, ctx, call.if_match)
        return Answer(device_protection_body(device_id, device.state, device.version), device.version)

    return await call.run(principal, run)


@router.get("/devices/{device_id}/protection", response_model=DeviceProtectionResponse)
async def get_device_protection(device_id: UUID, pool: Pool, principal: Desk) -> Response:
    """What protection the device runs; `ETag` = its protection's version, for `If-Match`."""
    async with pool.acquire() as conn:
        device = await protection.read_device_protection(conn, device_id, principal.tenant)
    return answered(device_protection_body(device_id, device.state, device.version), device.version)


def requirements_body(requirements: Requirements, version: int) -> dict[str, Any]:
    r = requirements
    return ProtectionRequirementsResponse(
        required=list(r.required),
        max_update_age=list(r.max_update_age),
        set_at=r.set_at,
        set_by=r.set_by,
        version=version,
    ).model_dump(mode="json")


@router.get("/protection/requirements", response_model=ProtectionRequirementsResponse)
async def get_protection_requirements(pool: Pool, principal: Desk) -> Response:
    """What each device kind must run (nothing until a manager says); `ETag` for the `If-Match` of a change."""
    async with pool.acquire() as conn:
        requirements = await protection.read_requirements(conn, principal.tenant)
    return answered(requirements_body(requirements.state, requirements.version), requirements.version)


@router.put("/protection/requirements", response_model=ProtectionRequirementsResponse)
async def set_protection_requirements(
    body: SetProtectionRequirementsRequest, principal: Manager, call: CommandCall
) -> Response:
    """Replace the requirements: the protections each device kind must run, and how old an update may be."""

    async def run(conn, ctx: Context) -> Answer:
        command = SetProtectionRequirements(
            tuple(body.required), tuple(body.max_update_age), principal.user_id, ctx.recorded_at
        )
        changed = await protection.set_requirements(conn, command, ctx, call.if_match)
        return Answer(requirements_body(changed.state, changed.version), changed.version)

    return await call.run(principal, run)


@router.get("/protection/gaps", response_model=ProtectionGapPage)
async def protection_gaps(
    pool: Pool,
    principal: Desk,
    kind: ProtectionKind | None = None,
    device_kind: DeviceKind | None = None,
    location: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Deployed devices missing a protection their kind requires, or whose last update is older than allowed;
    by asset tag, with the total. `kind` keeps the gaps in that protection, `device_kind` those devices."""
    filters = {"kind": kind, "device_kind": device_kind, "location": location}
    async with pool.acquire() as conn:
        return await protection.gaps(conn, principal.tenant, utcnow(), filters, limit, offset)


@router.post("/protection/gaps/work-orders", response_model=WorkOrdersRequested)
async def request_work_orders(
    principal: Agent, call: CommandCall, body: RequestWorkOrdersRequest | None = None
) -> Response:
    """Ask the service desk for a work order per device gap (`ProtectionWorkRequested`, which the tickets service
    consumes): for the devices named, or every gap; a gap already asked for is not asked for again.
    `ETag` is the version of the requirements the gaps were found under."""

    async def run(conn, ctx: Context) -> Answer:
        device_ids = body.device_ids if body else None
        answer = await protection.request_work(conn, device_ids, ctx)
        requirements = await protection.read_requirements(conn, ctx.tenant)
        return Answer(WorkOrdersRequested(**answer).model_dump(mode="json"), requirements.version)

    return await call.run(principal, run)
