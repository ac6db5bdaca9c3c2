"""The software REST API: titles, licences with their seats, and the seats devices hold; routes only.

A seat is taken with `POST /devices/{device_id}/software` and given back with
`POST /devices/{device_id}/software/{licence_id}/release`; `If-Match` on either is the licence's ETag.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import software
from assets.api.software_models import (
    AcquireLicenceRequest,
    AddSoftwareTitleRequest,
    InstallationResponse,
    InstallResponse,
    InstallSoftwareRequest,
    LicenceDetail,
    LicenceResponse,
    ReleaseSeatRequest,
    RenewLicenceRequest,
    TitleResponse,
    installation_body,
    licence_body,
    title_body,
)
from assets.domain.software import AcquireLicence, AddSoftwareTitle, InstallSoftware, RenewLicence, UninstallSoftware
from events.auth import Agent, Desk
from events.envelope import Context, utcnow
from events.errors import NotFound, Unprocessable
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["software"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.post("/software", status_code=201, response_model=TitleResponse)
async def add_software_title(body: AddSoftwareTitleRequest, principal: Agent, call: CommandCall) -> Response:
    """List a title (one version of one product) that licences are then acquired for."""

    async def run(conn, ctx: Context) -> Answer:
        command = AddSoftwareTitle(title_id=uuid7(), **body.model_dump(), at=ctx.recorded_at)
        title = await software.add_title(conn, command, ctx)
        return Answer(title_body(title.view), title.version, location=f"/software/{command.title_id}")

    return await call.run(principal, run)


@router.get("/software", response_model=list[TitleResponse])
async def list_software_titles(
    pool: Pool, principal: Desk, q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> list[TitleResponse]:
    """Titles by name, each with the seats its licences in force own and use today."""
    async with pool.acquire() as conn:
        rows = await software.titles_of(conn, principal.tenant, utcnow().date(), q, limit, offset)
    return [TitleResponse(**title_body(row)) for row in rows]


@router.get("/software/{title_id}", response_model=TitleResponse)
async def get_software_title(title_id: UUID, pool: Pool, principal: Desk) -> Response:
    async with pool.acquire() as conn:
        row = await software.title_row(conn, title_id, principal.tenant, utcnow().date())
    if row is None:
        raise NotFound(f"no software title {title_id}")
    return answered(title_body(row), 1)


@router.post("/licences", status_code=201, response_model=LicenceResponse)
async def acquire_licence(body: AcquireLicenceRequest, principal: Agent, call: CommandCall) -> Response:
    """Record a licence of a title: its type, seats, expiry, purchase and where its key is kept."""

    async def run(conn, ctx: Context) -> Answer:
        purchase = body.purchase.contract() if body.purchase else None
        command = AcquireLicence(licence_id=uuid7(), **body.model_dump(exclude={"purchase"}), purchase=purchase,
                                 at=ctx.recorded_at)
        licence = await software.acquire(conn, command, ctx)
        return Answer(licence_body(licence.view), licence.version, location=f"/licences/{command.licence_id}")

    return await call.run(principal, run)


@router.get("/licences", response_model=list[LicenceResponse])
async def list_licences(
    pool: Pool, principal: Desk, title_id: UUID | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3_650, description=(
        "only licences in force today that expire within this many days"))] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> list[LicenceResponse]:
    """Licences soonest expiry first (those that never expire last), with seats owned, used and free."""
    filters = dict(title_id=title_id, expiring_within_days=expiring_within_days)
    async with pool.acquire() as conn:
        rows = await software.licences_of(conn, principal.tenant, utcnow().date(), filters, limit, offset)
    return [LicenceResponse(**licence_body(row)) for row in rows]


@router.get("/licences/{licence_id}", response_model=LicenceDetail)
async def get_licence(licence_id: UUID, pool: Pool, principal: Desk) -> Response:
    """The licence and every device holding one of its seats; `ETag` = its version, for `If-Match`."""
    today = utcnow().date()
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await software.licence_row(conn, licence_id, principal.tenant, today)
        seats = await software.seats_of(conn, licence_id, principal.tenant, today)
    if row is None:
        raise NotFound(f"no licence {licence_id}")
    return answered({**licence_body(row), "installations": [installation_body(s) for s in seats]}, row["version"])


@router.post("/licences/{licence_id}/renew", response_model=LicenceResponse)
async def renew_licence(licence_id: UUID, body: RenewLicenceRequest, principal: Agent, call: CommandCall) -> Response:
    """Extend the licence to a later expiry, with the seats owned from then on and what the renewal cost."""

    async def run(conn, ctx: Context) -> Answer:
        purchase = body.purchase.contract() if body.purchase else None
        command = RenewLicence(expires_on=body.expires_on, seats=body.seats, purchase=purchase, at=ctx.recorded_at)
        licence = await software.handle_licence(conn, licence_id, command, ctx, call.if_match)
        return Answer(licence_body(licence.view), licence.version)

    return await call.run(principal, run)


@router.post("/devices/{device_id}/software", status_code=201, response_model=InstallResponse)
async def install_software(device_id: UUID, body: InstallSoftwareRequest, principal: Agent,
                           call: CommandCall) -> Response:
    """Install a title on the device: it takes a seat of the licence named, or of one the service picks for the
    title (in force, with a free seat, covering longest). Refused when no seat is free or the licence expired."""

    async def run(conn, ctx: Context) -> Answer:
        at = body.installed_at or ctx.recorded_at
        if at > ctx.recorded_at:
            raise Unprocessable("installed_at", "an installation is recorded once it happened, not before")
        command = InstallSoftware(device_id=device_id, technician_id=principal.user_id, at=at)
        licence = await software.install(conn, device_id, body.licence_id, body.title_id, command, ctx,
                                         call.if_match)
        licence_id = licence.state.licence_id
        [seat] = await software.installations_on(conn, device_id, ctx.tenant, ctx.recorded_at.date(), licence_id)
        answer = {"installation": installation_body(seat), "licence": licence_body(licence.view)}
        return Answer(answer, licence.version, location=f"/devices/{device_id}/software/{licence_id}")

    return await call.run(principal, run)


@router.get("/devices/{device_id}/software", response_model=list[InstallationResponse])
async def list_device_software(device_id: UUID, pool: Pool, principal: Desk) -> list[InstallationResponse]:
    """The titles installed on the device, each with the licence whose seat it holds."""
    async with pool.acquire() as conn:
        rows = await software.installations_on(conn, device_id, principal.tenant, utcnow().date())
    return [InstallationResponse(**row) for row in rows]


@router.get("/devices/{device_id}/software/{licence_id}", response_model=InstallationResponse)
async def get_device_software(device_id: UUID, licence_id: UUID, pool: Pool, principal: Desk) -> InstallationResponse:
    """The seat of the licence the device holds (to release it, send the licence's ETag as If-Match)."""
    async with pool.acquire() as conn:
        rows = await software.installations_on(conn, device_id, principal.tenant, utcnow().date(), licence_id)
    if not rows:
        raise NotFound(f"device {device_id} holds no seat of licence {licence_id}")
    return InstallationResponse(**rows[0])


@router.post("/devices/{device_id}/software/{licence_id}/release", response_model=LicenceResponse)
async def release_seat(device_id: UUID, licence_id: UUID, principal: Agent, call: CommandCall,
                       body: ReleaseSeatRequest | None = None) -> Response:
    """Uninstall the title from the device: its seat of the licence is free again (also for a device gone)."""

    async def run(conn, ctx: Context) -> Answer:
        reason = body.reason if body else ""
        command = UninstallSoftware(device_id=device_id, reason=reason, at=ctx.recorded_at)
        licence = await software.handle_licence(conn, licence_id, command, ctx, call.if_match)
        return Answer(licence_body(licence.view), licence.version)

    return await call.run(principal, run)
