"""The devices REST API: register, search as of any date, and move a device through its life; models and routes."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import service
from assets.api import exports
from assets.api.device_models import (
    AssignDeviceRequest,
    DeviceHistoryEntry,
    DevicePage,
    DeviceResponse,
    DisposeDeviceRequest,
    HandOverRequest,
    InstallDeviceRequest,
    MbnCountsResponse,
    MoveDeviceRequest,
    RegisterDeviceRequest,
    RepairRequest,
    ReportMissingRequest,
    RetireDeviceRequest,
    ReturnDeviceRequest,
    SanitizeDeviceRequest,
    device_body,
    when,
)
from assets.domain import commands as cmd
from assets.domain.device_state import Device, Status
from events.auth import DESK, Agent, Desk, Member, Principal
from events.contracts.assets import MbnClass
from events.db import page
from events.envelope import Context, utcnow
from events.errors import NotFound
from events.fields import Day, Instant
from events.ids import uuid7
from events.streams import Stream
from events.web import Answer, CommandCall, Pool, answered

Moment = Day | Instant  # a date means the end of that day, UTC

router = APIRouter(tags=["devices"])

MakeCommand = Callable[[datetime], cmd.Command]


async def transition(call: CommandCall, principal: Principal, device_id: UUID, make: MakeCommand) -> Response:
    """Decide `make(now)` on the device and answer the device as it stands after it."""

    async def run(conn, ctx: Context) -> Answer:
        device = await service.handle_device(conn, device_id, make(ctx.recorded_at), ctx, call.if_match)
        return Answer(device_body(device.view, device.version), device.version)

    return await call.run(principal, run)


@router.post("/devices", status_code=201, response_model=DeviceResponse)
async def register_device(body: RegisterDeviceRequest, principal: Agent, call: CommandCall) -> Response:
    """Enter a device into the inventory; the MBN class follows from the kind unless overridden with a reason."""

    async def run(conn, ctx: Context) -> Answer:
        command = body.command(uuid7(), when(body.at, ctx.recorded_at))
        device = await service.handle_device(conn, command.device_id, command, ctx)
        return Answer(device_body(device.view, device.version), device.version,
                      location=f"/devices/{command.device_id}")

    return await call.run(principal, run)


_SEARCH = """
FROM {source} WHERE tenant = $1
  AND ($2::text IS NULL OR asset_tag = $2) AND ($3::text IS NULL OR lower(serial) = lower($3))
  AND ($4::text IS NULL OR model ILIKE '%' || $4 || '%') AND ($5::text IS NULL OR person_id = $5)
  AND ($6::text IS NULL OR location = $6) AND ($7::text IS NULL OR status = $7)
  AND ($8::text IS NULL OR mbn_class = $8)
"""
_COLUMNS = "device_id AS id, asset_tag, serial, model, kind, mbn_class, status, location, department, person_id"


@router.get("/devices", response_model=DevicePage, responses=exports.CSV_RESPONSE)
async def search_devices(
    pool: Pool, principal: Member,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    serial: Annotated[str | None, Query(max_length=200)] = None,
    model: Annotated[str | None, Query(max_length=200)] = None,
    person: Annotated[str | None, Query(max_length=200)] = None,
    location: Annotated[str | None, Query(max_length=200)] = None,
    state: Status | None = None,
    mbn_class: MbnClass | None = None,
    as_of: Annotated[Moment | None, Query(description="what was true then (a date: the end of that day, UTC)")] = None,
    known_at: Annotated[Moment | None, Query(description="as the inventory knew it then (a date: its end)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    output: Annotated[Literal["json", "csv"], Query(alias="format", description="csv: all it finds, unpaged")] = "json",
) -> dict[str, Any] | Response:
    """The devices a search finds, with the total; staff see only the devices assigned to them."""
    if not principal.has_any(DESK):
        person = principal.user_id
    filters = [principal.tenant, tag, serial, model, person, location, state, mbn_class]
    if as_of or known_at:
        moments = [service.instant(moment) for moment in (as_of or utcnow(), known_at) if moment]
        where, args = _SEARCH.format(source=service.timeline_at(9, 10 if known_at else None)), [*filters, *moments]
    else:
        where, args = _SEARCH.format(source="device_list"), filters
    async with pool.acquire() as conn:
        if output == "csv":
            return await exports.devices_csv(conn, where, args)
        # As of a date, every match is read to be sorted by tag (from the covering index): count in that scan.
        return await page(conn, _COLUMNS, where, "asset_tag", args, limit, offset, one_scan=bool(as_of or known_at))


async def _reachable(conn, device_id: UUID, principal: Principal) -> Stream[Device]:
    device = await service.read_device(conn, device_id, principal.tenant)
    if device.version == 0 or not (principal.has_any(DESK) or device.state.person_id == principal.user_id):
        raise NotFound(f"no device {device_id}")  # staff reach only the devices assigned to them
    return device


@router.get("/devices/{device_id}", response_model=DeviceResponse)
async def get_device(device_id: UUID, pool: Pool, principal: Member) -> Response:
    async with pool.acquire() as conn:
        device = await _reachable(conn, device_id, principal)
    return answered(device_body(service.now_in_valid_time(device), device.version), device.version)


@router.get("/devices/{device_id}/history", response_model=list[DeviceHistoryEntry])
async def device_history(device_id: UUID, pool: Pool, principal: Desk) -> list[dict[str, Any]]:
    """Every event of the device in the order it happened, each with when it happened and when it was recorded."""
    async with pool.acquire() as conn:
        device = await _reachable(conn, device_id, principal)
    entries = sorted(device.history, key=lambda e: (e.time, e.streamversion))
    return [{"type": e.type, "at": e.time, "recorded_at": e.recordedtime, "actor": e.actor,
             "version": e.streamversion, "data": e.data} for e in entries]


@router.get("/inventory/mbn-counts", response_model=MbnCountsResponse)
async def mbn_counts(
    pool: Pool, principal: Desk, as_of: Annotated[date, Query(description="a fiscal year's close, say")],
    known_at: Annotated[Moment | None, Query(description="as the inventory knew it then (a date: its end)")] = None,
) -> dict[str, Any]:
    """Devices owned and still held at the end of `as_of` per MBN class: INTN212, INTN214, INTN216 and INTN205."""
    async with pool.acquire() as conn:
        counts = await service.mbn_counts(conn, principal.tenant, service.instant(as_of),
                                          service.instant(known_at) if known_at else None)
    return {"as_of": as_of, "known_at": known_at, "counts": counts, "total": sum(counts.values())}


def _post(path: str):
    return router.post(f"/devices/{{device_id}}/{path}", response_model=DeviceResponse, name=f"device {path}")


@_post("receive")
async def receive_device(device_id: UUID, body: MoveDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.ReceiveDevice(when(body.at, now), body.location))


@_post("install")
async def install_device(device_id: UUID, body: InstallDeviceRequest, principal: Agent, call: CommandCall):
    def make(now: datetime) -> cmd.Command:
        return cmd.InstallDevice(body.location, principal.user_id, when(body.at, now), body.person_id,
                                 tuple(body.software))

    return await transition(call, principal, device_id, make)


@_post("assign")
async def assign_device(device_id: UUID, body: AssignDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.AssignDevice(body.person_id, when(body.at, now)))


@_post("return")
async def return_device(device_id: UUID, body: ReturnDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.ReturnDevice(when(body.at, now), body.location))


@_post("move")
async def move_device(device_id: UUID, body: MoveDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id, lambda now: cmd.MoveDevice(body.location, when(body.at, now)))


@_post("repair")
async def repair_device(device_id: UUID, body: RepairRequest, principal: Agent, call: CommandCall):
    """`phase: out` sends the device for repair, `phase: back` returns it to the state it left."""

    def make(now: datetime) -> cmd.Command:
        if body.phase == "out":
            return cmd.SendForRepair(body.reason, when(body.at, now), body.ticket_id)
        return cmd.ReturnFromRepair(when(body.at, now), body.note)

    return await transition(call, principal, device_id, make)


@_post("retire")
async def retire_device(device_id: UUID, body: RetireDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id, lambda now: cmd.RetireDevice(body.reason, when(body.at, now)))


@_post("sanitize")
async def sanitize_device(device_id: UUID, body: SanitizeDeviceRequest, principal: Agent, call: CommandCall):
    def make(now: datetime) -> cmd.Command:
        return cmd.SanitizeDevice(body.method, body.tool, body.operator_id or principal.user_id, body.verification,
                                  body.certificate_ref, when(body.at, now))

    return await transition(call, principal, device_id, make)


@_post("hand-over")
async def hand_over_device(device_id: UUID, body: HandOverRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.HandToDisposalVendor(body.vendor, when(body.at, now), body.lot,
                                                                 body.carrier))


@_post("dispose")
async def dispose_device(device_id: UUID, body: DisposeDeviceRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.DisposeDevice(body.certificate_ref, when(body.at, now), body.vendor))


@_post("lost")
async def report_device_missing(device_id: UUID, body: ReportMissingRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, device_id,
                            lambda now: cmd.ReportMissing(body.stolen, when(body.at, now), body.note))
