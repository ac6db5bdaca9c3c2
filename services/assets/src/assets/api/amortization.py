"""The amortization REST API: a device's schedule, its amount for a fiscal year and its net book value on a date."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from assets.domain import amortization as am
from assets.domain.device import DEVICE
from assets.domain.device_state import Device
from events import streams
from events.auth import Desk
from events.contracts.assets import AmortizationMethod, DeviceDisposed, DeviceReportedMissing
from events.envelope import Envelope
from events.errors import NotFound, Unprocessable
from events.web import Pool, answered

router = APIRouter(tags=["amortization"])

# The events after which the city no longer holds the device: it amortizes nothing from that day on.
GONE = frozenset({DeviceDisposed.event_type, DeviceReportedMissing.event_type})


class AmortizationYear(BaseModel):
    year: int = Field(description="the fiscal year, named by the calendar year it ends in")
    starts_on: date
    ends_on: date
    months: int = Field(description="the calendar months the device amortizes in this fiscal year")
    opening_net_book_value: Decimal
    amount: Decimal
    closing_net_book_value: Decimal


class DeviceAmortization(BaseModel):
    """Amounts in the tenant's currency, exact decimals as strings, rounded half up to the cent."""

    device_id: UUID
    asset_tag: str
    as_of: date
    fiscal_year_start_month: int
    fiscal_year: int = Field(description="the fiscal year containing as_of, named by the calendar year it ends in")
    fiscal_year_starts_on: date
    fiscal_year_ends_on: date
    amount_for_fiscal_year: Decimal
    net_book_value: Decimal | None = Field(
        description="at the end of as_of; null when the city did not hold the device then (before its purchase, "
                    "or from the day it was disposed of, lost or stolen)")
    purchased_on: date
    cost: Decimal
    method: AmortizationMethod
    useful_life_months: int
    salvage_value: Decimal
    declining_rate: Decimal | None = Field(
        description="as given; null with declining balance means twice straight line's (24 / useful_life_months)")
    life_ends_on: date
    gone_on: date | None = Field(description="the day the device was disposed of, lost or stolen (UTC), if it was")
    schedule: list[AmortizationYear]


def gone_on(history: list[Envelope]) -> date | None:
    """The day (UTC) the device left the city: its disposal or its report as lost or stolen, whichever came first."""
    left = [e.time for e in history if e.type in GONE]
    return min(left).astimezone(UTC).date() if left else None


def holding_of(device: Device, history: list[Envelope]) -> am.Holding:
    """The device as amortization sees it; 422 naming what it lacks to be amortized."""
    if device.purchase is None:
        raise Unprocessable("purchase", f"device {device.asset_tag} has no purchase recorded: nothing to amortize")
    if device.amortization is None:
        raise Unprocessable("amortization", f"device {device.asset_tag} has no useful life recorded: it is not "
                                            "amortized")
    return am.Holding(device.purchase, device.amortization, gone_on(history))


def _fiscal_year(as_of: date, start_month: int) -> tuple[int, date, date]:
    year = am.fiscal_year_of(as_of, start_month)
    try:
        return (year, *am.fiscal_year_bounds(year, start_month))
    except am.OutOfCalendar:
        raise Unprocessable("as_of", f"the fiscal year containing {as_of} does not fit in years 1 to 9999") from None


def _schedule(holding: am.Holding, start_month: int) -> list[am.FiscalYear]:
    try:
        return am.schedule(holding, start_month)
    except am.OutOfCalendar:
        raise Unprocessable("amortization", "the useful life runs outside the calendar (years 1 to 9999)") from None


def amortization_body(device: Device, holding: am.Holding, as_of: date, start_month: int) -> dict[str, Any]:
    year, starts_on, ends_on = _fiscal_year(as_of, start_month)
    rows = _schedule(holding, start_month)
    purchase, amortization = holding.purchase, holding.amortization
    return DeviceAmortization(
        device_id=device.device_id, asset_tag=device.asset_tag, as_of=as_of, fiscal_year_start_month=start_month,
        fiscal_year=year, fiscal_year_starts_on=starts_on, fiscal_year_ends_on=ends_on,
        amount_for_fiscal_year=next((r.amount for r in rows if r.year == year), am.ZERO),
        net_book_value=am.net_book_value(holding, as_of, start_month), purchased_on=purchase.purchased_on,
        cost=purchase.cost, method=amortization.method, useful_life_months=amortization.useful_life_months,
        salvage_value=amortization.salvage_value, declining_rate=amortization.declining_rate,
        life_ends_on=am.life_ends_on(purchase, amortization), gone_on=holding.gone_on,
        schedule=[AmortizationYear(year=r.year, starts_on=r.starts_on, ends_on=r.ends_on, months=r.months,
                                   opening_net_book_value=r.opening, amount=r.amount, closing_net_book_value=r.closing)
                  for r in rows],
    ).model_dump(mode="json")


@router.get("/devices/{device_id}/amortization", response_model=DeviceAmortization)
async def device_amortization(
    device_id: UUID, pool: Pool, principal: Desk,
    as_of: Annotated[date | None, Query(description="the date to value the device on; today (UTC) if absent")] = None,
    fiscal_year_start_month: Annotated[int, Query(ge=1, le=12, description="the tenant's fiscal year's first "
                                                                            "month (1 = January)")] = 1,
) -> Response:
    """The device's amortization schedule per fiscal year, its amount for the fiscal year containing `as_of` and
    its net book value at the end of `as_of`; PSAB straight line or declining balance, by whole calendar months."""
    async with pool.acquire() as conn:
        device = await streams.read(conn, DEVICE, str(device_id), principal.tenant)
    if device.version == 0:
        raise NotFound(f"no device {device_id}")
    holding = holding_of(device.state, device.history)
    day = as_of or datetime.now(UTC).date()
    return answered(amortization_body(device.state, holding, day, fiscal_year_start_month), device.version)
