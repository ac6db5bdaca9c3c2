"""The repair-history REST API: a device's repairs and tickets, MTBF per model, repairs naming unknown devices."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from assets import repairs
from events.auth import Desk
from events.envelope import utcnow
from events.errors import NotFound, Unprocessable
from events.fields import Day
from events.web import Pool

router = APIRouter(tags=["repairs"])


class Repair(BaseModel):
    repair_id: UUID
    at: datetime = Field(description="when the desk logged it")
    ticket_id: UUID | None
    work_order_id: UUID
    technician_id: str
    fault: str
    action: str
    minutes: int
    parts_cost: Decimal = Field(description="the parts whose unit cost the desk knew, in the tenant's currency")


class RecordedRepair(Repair):
    recorded_at: datetime = Field(description="when the inventory recorded it")


class DeviceTicket(BaseModel):
    ticket_id: UUID
    subject: str
    opened_at: datetime


class DeviceRepairs(BaseModel):
    device_id: UUID
    asset_tag: str
    model: str
    repairs: list[RecordedRepair] = Field(description="in the order they happened")
    tickets: list[DeviceTicket] = Field(description="tickets opened naming the device, oldest first")
    minutes_total: int
    parts_cost_total: Decimal


class UnmatchedRepair(Repair):
    device_id: UUID
    received_at: datetime
    device_registered_since: bool = Field(description="the inventory holds a device of that id now")


class UnmatchedPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[UnmatchedRepair]


class TicketNamingUnknownDevice(BaseModel):
    ticket_id: UUID
    device_id: UUID
    subject: str
    opened_at: datetime


class UnknownDeviceTicketsPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TicketNamingUnknownDevice]


class ModelMtbf(BaseModel):
    model: str
    devices: int = Field(description="the model's devices that operated in the window")
    operating_hours: float
    repairs: int = Field(description="repairs the desk logged on the model's devices in the window")
    mtbf_hours: float | None = Field(description="operating hours per repair; null when none was logged")


class MtbfResponse(BaseModel):
    starts_on: date
    ends_on: date
    models: list[ModelMtbf]


@router.get("/devices/{device_id}/repairs", response_model=DeviceRepairs)
async def device_repairs(device_id: UUID, pool: Pool, principal: Desk) -> dict[str, Any]:
    """The repairs the desk logged on the device (through Kafka: a moment after they are logged) and the tickets
    that named it."""
    async with pool.acquire() as conn:
        found = await repairs.history_of(conn, principal.tenant, device_id)
    if found is None:
        raise NotFound(f"no device {device_id}")
    return found


@router.get("/inventory/mtbf", response_model=MtbfResponse)
async def mean_time_between_failures(
    pool: Pool, principal: Desk,
    model: Annotated[str | None, Query(max_length=200, description="one model (any case); all models if absent")]
    = None,
    starts_on: Annotated[Day | None, Query(alias="from", description="the window's first day (UTC); a year "
                                                                     "before `to` if absent")] = None,
    ends_on: Annotated[Day | None, Query(alias="to", description="the window's last day (UTC); today if absent")]
    = None,
) -> dict[str, Any]:
    """Per model: operating hours of its devices in the window divided by the repairs logged on them in it.

    A device operates from its first deployment (installed or checked out), or, never deployed, from when it
    entered stock, until it was retired, disposed of, lost or stolen, or the window ends (now at the latest);
    time in repair counts. Devices with no model are left out."""
    ends_on = ends_on or utcnow().date()
    starts_on = starts_on or ends_on - timedelta(days=365)
    if starts_on > ends_on:
        raise Unprocessable("from", f"{starts_on} is after to ({ends_on})")
    start, end = _window(starts_on, ends_on)
    async with pool.acquire() as conn:  # time still to come has not operated yet
        models = await repairs.mtbf(conn, principal.tenant, model, start, min(end, utcnow()))
    return {"starts_on": starts_on, "ends_on": ends_on, "models": models}


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """From the first day's start to the last day's end, UTC."""
    start = datetime.combine(first, time(), UTC)
    if last == date.max:  # 9999-12-31 has no next midnight
        return start, datetime.max.replace(tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), UTC)


@router.get("/repairs/unmatched", response_model=UnmatchedPage)
async def unmatched_repairs(
    pool: Pool, principal: Desk,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Repairs the desk logged naming a device the inventory did not hold when they arrived, newest first."""
    async with pool.acquire() as conn:
        return await repairs.unmatched(conn, principal.tenant, limit, offset)


@router.get("/inventory/unknown-device-tickets", response_model=UnknownDeviceTicketsPage)
async def tickets_naming_unknown_devices(
    pool: Pool, principal: Desk,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Tickets of the service desk naming a `device_id` the inventory does not hold, newest first."""
    async with pool.acquire() as conn:
        return await repairs.tickets_naming_unknown_devices(conn, principal.tenant, limit, offset)
