"""The city's own MBN figures from the assets events: devices per class as at the fiscal-year close (INTN212, 214,
216) and the year's amortization (INTN243T), as sources of the MBN engine, and the devices behind each figure.

Both read the projector's device history (metrics.device_history) when asked, so they are current when read:
an install recorded in February that happened in December counts at December's close from then on. The counts
are assets' `/inventory/mbn-counts?as_of=<close>` figures, the amortization the sum of each device's amount for
the year (`events.contracts.amortization`, as assets' `tenant_total` adds it). A source says nothing for a year
before the tenant's inventory (or its amortization) began, so a year the assets service never saw stays a gap.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from events import csvfiles
from events.auth import MetricsReader
from events.contracts.assets import MbnClass
from events.contracts.metrics import CountedInput, InputProvenance
from events.db import page
from events.web import Pool
from metrics.device_history import COUNTED
from metrics.mbn import views
from metrics.mbn.definitions import AMORTIZATION
from metrics.mbn.views import Limit, Offset, Year

INPUT_OF_CLASS = {MbnClass.LAPTOPS_TABLETS: "INTN212", MbnClass.DESKTOPS_THIN_CLIENTS: "INTN214",
                  MbnClass.SMARTPHONES: "INTN216"}  # fmt: skip
CLASSES_OF = {measure: [mbn_class.value] for mbn_class, measure in INPUT_OF_CLASS.items()}
CLASSES_OF["INTN205"] = [mbn_class.value for mbn_class in INPUT_OF_CLASS]
SOURCE = "assets events: the device history the metrics projector keeps"


def close_of(fiscal_year: int) -> datetime:
    """The end of the fiscal year's last day (MBN's year is the calendar year), UTC: the instant assets counts at
    for `as_of=<fiscal_year>-12-31`."""
    return datetime(fiscal_year + 1, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)


def _provenance(measure: str, fiscal_year: int, note: str) -> InputProvenance:
    return InputProvenance(source=SOURCE, document=f"GET /mbn/results/{measure}/devices?fiscal_year={fiscal_year}",
                           note=note)  # fmt: skip


# The devices held at the close: each year's changes up to it added up (device_counts_by_year). None when no counted
# state had begun by then (the inventory had not), else every class, with nothing held too.
_COUNTS = f"""
SELECT mbn_class, sum(held)::bigint AS held FROM device_counts_by_year WHERE tenant = $1 AND fiscal_year <= $2
    AND EXISTS (SELECT FROM device_states WHERE tenant = $1 AND valid_from <= $3 AND {COUNTED})
GROUP BY mbn_class"""


async def device_counts(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, CountedInput]:
    """INTN212, INTN214 and INTN216: the devices of each class the city owned and still had at the close."""
    close = close_of(fiscal_year)
    rows = await conn.fetch(_COUNTS, tenant, fiscal_year, close)
    if not rows:
        return {}
    held = {row["mbn_class"]: row["held"] for row in rows}
    note = (f"owned and still held at {close:%Y-%m-%d %H:%M:%S} UTC, backdated installs and disposals as now"
            f" recorded: assets' GET /inventory/mbn-counts?as_of={fiscal_year}-12-31 gives the same")  # fmt: skip
    return {
        input_id: CountedInput(input_id=input_id, value=Decimal(held.get(mbn_class.value, 0)),
                               provenance=_provenance(input_id, fiscal_year, note))
        for mbn_class, input_id in INPUT_OF_CLASS.items()
    }  # fmt: skip


_AMORTIZATION = """
SELECT EXISTS (SELECT FROM device_amortization WHERE tenant = $1 AND fiscal_year <= $2) AS begun,
    (SELECT coalesce(sum(amount), 0.00) FROM device_amortization WHERE tenant = $1 AND fiscal_year = $2) AS amount"""


async def amortization(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, CountedInput]:
    """INTN243T's amortization: each device's amount for the fiscal year, added up."""
    found = await conn.fetchrow(_AMORTIZATION, tenant, fiscal_year)
    if not found["begun"]:
        return {}
    note = ("each device's amortization for the fiscal year (PSAB 3150, whole calendar months, as assets' GET"
            " /devices/{id}/amortization schedules it), added up")  # fmt: skip
    return {AMORTIZATION: CountedInput(input_id=AMORTIZATION, value=found["amount"],
                                       provenance=_provenance("INTN243T", fiscal_year, note))}  # fmt: skip


# --- the devices behind a figure ------------------------------------------------------------------------------

router = APIRouter(tags=["mbn"])

DeviceMeasure = Literal["INTN205", "INTN212", "INTN214", "INTN216", "INTN243T"]

_HELD = f"""FROM device_states
WHERE tenant = $1 AND valid_from <= $2 AND valid_to > $2 AND {COUNTED} AND mbn_class = ANY($3::text[])"""
_AMORTIZED = "FROM device_amortization WHERE tenant = $1 AND fiscal_year = $2"


class CountedDevice(BaseModel):
    device_id: UUID
    asset_tag: str
    mbn_class: MbnClass | None = Field(description="for a device count: the class it is counted in")
    amortization: Decimal | None = Field(description="for INTN243T: the device's amortization in the fiscal year")


class CountedDevices(BaseModel):
    measure: str
    fiscal_year: int
    as_at: datetime = Field(description="the fiscal-year close the devices are counted at")
    total: int
    limit: int
    offset: int
    items: list[CountedDevice]


@router.get("/mbn/results/{measure}/devices", response_model=CountedDevices)
async def devices_counted(
    measure: DeviceMeasure,
    pool: Pool,
    principal: MetricsReader,
    fiscal_year: Year,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CountedDevices:
    """The devices behind the city's figure as the assets events now tell it, by asset tag: for INTN212, INTN214 and
    INTN216 (INTN205: all three) those it owned and still had at the fiscal-year close; for INTN243T those amortized
    in the year, with their amounts. A closed year's frozen figure is what they told at the close."""
    async with pool.acquire() as conn:
        found = await _devices_of(conn, principal.tenant, measure, fiscal_year, limit, offset)
    return CountedDevices(measure=measure, fiscal_year=fiscal_year, as_at=close_of(fiscal_year), **found)


async def _devices_of(conn, tenant: str, measure: str, fiscal_year: int, limit: int, offset: int) -> dict:
    order = "asset_tag, device_id"
    if measure == "INTN243T":
        columns, args = "device_id, asset_tag, NULL AS mbn_class, amount AS amortization", [tenant, fiscal_year]
        return await page(conn, columns, _AMORTIZED, order, args, limit, offset)
    columns, args = "device_id, asset_tag, mbn_class, NULL AS amortization", [tenant, close_of(fiscal_year)]
    return await page(conn, columns, _HELD, order, [*args, CLASSES_OF[measure]], limit, offset)


class AmortizationYear(BaseModel):
    fiscal_year: int
    amount: Decimal = Field(description="the devices' amortization in the year, added up (CAD)")
    devices: int = Field(description="how many devices were amortized in the year")


class AmortizationByYear(BaseModel):
    source: str
    years: list[AmortizationYear] = Field(description="each fiscal year with amortization, in order")


AMORTIZATION_CSV = csvfiles.documented(
    "with `format=csv` or `Accept: text/csv`: the columns fiscal_year, amount, devices"
)


@router.get("/mbn/amortization", response_model=AmortizationByYear, responses=AMORTIZATION_CSV)
async def amortization_by_year(
    request: Request, pool: Pool, principal: MetricsReader, from_year: Year | None = None, to_year: Year | None = None,
    format: csvfiles.Format = None,
) -> AmortizationByYear | Response:
    """INTN243T's amortization for every fiscal year, from the assets events, whether or not the year's other
    INTN243T inputs are in: the yearly figure `/mbn/results` counts, and `/mbn/results/INTN243T/devices` details."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT fiscal_year, sum(amount) AS amount, count(*) AS devices FROM device_amortization"
            " WHERE tenant = $1 AND fiscal_year BETWEEN $2 AND $3 GROUP BY fiscal_year ORDER BY fiscal_year",
            principal.tenant, from_year or 1990, to_year or 2100,
        )
    if csvfiles.wanted(request, format):
        return views.csv_response(rows, "amortization.csv", columns=("fiscal_year", "amount", "devices"))
    return AmortizationByYear(source=SOURCE, years=[AmortizationYear(**row) for row in rows])
