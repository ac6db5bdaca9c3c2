"""INTN243's operating cost from the assets service's actual spending: the expenditures the projector keeps, the
MBN engine's source adding up a fiscal year's operating ones per cost component, and the spending behind the figure.

Every actual is one `assets.expenditure_recorded` (events.contracts.budget), never corrected or reversed by another
event, so each is kept once, as it came. Capital purchases (`capital`: what the city amortizes) are kept but never
counted here: INTN243T counts their amortization (metrics.device_figures) and would otherwise count them twice.
A fiscal year is the one assets dated the spending in (its budget's, named by the calendar year it ends in).
Once a tenant has operating spending in a year, the source gives all seven components, one nobody spent on as
0.00 and saying so; a figure a manager records for a component (salaries from payroll, an allocation from Finance)
wins over the actuals, as every recorded input wins over a source (metrics.mbn.submissions).
"""

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel, Field

from events.auth import MetricsReader
from events.contracts.budget import CostComponent, ExpenditureRecorded, SpendingKind
from events.contracts.metrics import CountedInput, InputProvenance
from events.db import page
from events.envelope import Envelope
from events.web import Pool
from metrics.mbn.definitions import definition_of
from metrics.mbn.views import Limit, Offset, Year
from metrics.projections import projection

SOURCE = "assets events: the expenditures the metrics projector keeps"
NOTHING_SPENT = Decimal("0.00")


def input_of(component: CostComponent) -> str:
    """The MBN input a cost component is (metrics.mbn.definitions.COST_COMPONENTS)."""
    return f"INTN243.{component.value}"


# --- the projection -------------------------------------------------------------------------------------------


@projection.on_batch(ExpenditureRecorded)
async def keep_expenditures(conn: asyncpg.Connection, batch: list[tuple[ExpenditureRecorded, Envelope]]) -> None:
    """The batch's expenditures in one statement; one already kept (a replay) stays as it is, since none changes."""
    await conn.execute(_KEEP, *_columns([_row(event, envelope) for event, envelope in batch]))


def _row(e: ExpenditureRecorded, envelope: Envelope) -> tuple:
    return (envelope.tenant, e.expenditure_id, e.fiscal_year, e.component.value, e.amount, e.capital, e.spent_on,
            e.kind.value, e.cost_centre, e.vendor, e.reference, e.description, envelope.recordedtime)  # fmt: skip


_KEEP = """
INSERT INTO expenditures (tenant, expenditure_id, fiscal_year, component, amount, capital, spent_on, kind,
    cost_centre, vendor, reference, description, recorded_at)
SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::numeric[], $6::bool[], $7::date[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
ON CONFLICT (tenant, expenditure_id) DO NOTHING"""


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


# --- the source -----------------------------------------------------------------------------------------------

_OPERATING = """
SELECT component, sum(amount) AS amount, count(*) AS expenditures FROM expenditures
WHERE tenant = $1 AND fiscal_year = $2 AND NOT capital GROUP BY component"""


async def operating_spending(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, asyncpg.Record]:
    """The fiscal year's operating expenditures per component: their sum and how many."""
    return {row["component"]: row for row in await conn.fetch(_OPERATING, tenant, fiscal_year)}


async def operating_cost(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, CountedInput]:
    """INTN243's cost components: the fiscal year's operating expenditures on each, added up. Nothing for a year
    without operating spending (or before INTN243 was measured): a gap, not a cost of nothing."""
    if definition_of("INTN243", fiscal_year) is None:
        return {}
    spent = await operating_spending(conn, tenant, fiscal_year)
    if not spent:
        return {}
    return {input_of(c): _counted(c, fiscal_year, spent.get(c.value)) for c in CostComponent}


def _counted(component: CostComponent, fiscal_year: int, spent: asyncpg.Record | None) -> CountedInput:
    if spent is None:
        amount, note = NOTHING_SPENT, ("no operating expenditure on this component recorded for the fiscal year:"
                                       " 0.00; a figure recorded through POST /mbn/inputs (payroll's salaries,"
                                       " Finance's allocations) counts instead")  # fmt: skip
    else:
        amount, note = spent["amount"], (f"the fiscal year's {spent['expenditures']} operating expenditures on this"
                                         " component added up; capital purchases are left out: INTN243T counts"
                                         " their amortization")  # fmt: skip
    document = f"GET /mbn/results/INTN243/spending?fiscal_year={fiscal_year}&component={component.value}"
    provenance = InputProvenance(source=SOURCE, document=document, note=note)
    return CountedInput(input_id=input_of(component), value=amount, provenance=provenance)


# --- the spending behind the figure ---------------------------------------------------------------------------

router = APIRouter(tags=["mbn"])

# As GET /mbn/results/{measure}/devices takes them (metrics.device_figures, which imports the projection first).


class ComponentSpending(BaseModel):
    input_id: str
    component: CostComponent
    actual: Decimal = Field(description="the fiscal year's operating expenditures on the component, added up")
    expenditures: int
    counted: Literal["actuals", "recorded input", "none"] = Field(
        description="the figure INTN243 counts: a manager's recorded input wins over the actuals; none when the year"
        " has neither operating spending nor a recorded figure"
    )
    recorded: Decimal | None = Field(description="the figure a manager recorded for the component, if any")
    recorded_source: str | None = Field(description="where the manager's figure comes from")


class Expenditure(BaseModel):
    expenditure_id: UUID
    component: CostComponent
    spent_on: date
    kind: SpendingKind
    cost_centre: str
    amount: Decimal
    vendor: str
    reference: str
    description: str


class SpendingCounted(BaseModel):
    measure: str
    fiscal_year: int
    components: list[ComponentSpending]
    total: int
    limit: int
    offset: int
    items: list[Expenditure] = Field(description="the operating expenditures, by component, day spent and id")


_EXPENDITURE = "expenditure_id, component, spent_on, kind, cost_centre, amount, vendor, reference, description"
_LISTED = """FROM expenditures
WHERE tenant = $1 AND fiscal_year = $2 AND NOT capital AND ($3::text IS NULL OR component = $3)"""
_RECORDED = """
SELECT input_id, value, source FROM mbn_inputs
WHERE tenant = $1 AND fiscal_year = $2 AND input_id LIKE 'INTN243.%'"""


@router.get("/mbn/results/{measure}/spending", response_model=SpendingCounted)
async def spending_counted(
    measure: Literal["INTN243", "INTN243T"],
    pool: Pool,
    principal: MetricsReader,
    fiscal_year: Year,
    component: CostComponent | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> SpendingCounted:
    """The operating expenditures behind the city's INTN243 (and INTN243T's operating part) for the fiscal year, as
    the assets events now tell them, and per component their total and the figure counted. Capital purchases are
    not here: INTN243T counts their amortization (GET /mbn/results/INTN243T/devices)."""
    tenant, only = principal.tenant, component.value if component else None
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        components = await _components(conn, tenant, fiscal_year)
        found = await page(conn, _EXPENDITURE, _LISTED, "component, spent_on, expenditure_id",
                           [tenant, fiscal_year, only], limit, offset)  # fmt: skip
    return SpendingCounted(measure=measure, fiscal_year=fiscal_year, components=components, **found)


async def _components(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> list[ComponentSpending]:
    spent = await operating_spending(conn, tenant, fiscal_year)
    recorded = {row["input_id"]: row for row in await conn.fetch(_RECORDED, tenant, fiscal_year)}
    sourced = bool(spent) and definition_of("INTN243", fiscal_year) is not None  # as operating_cost gives them
    return [_component(c, spent.get(c.value), recorded.get(input_of(c)), sourced) for c in CostComponent]


def _component(
    c: CostComponent, spent: asyncpg.Record | None, recorded: asyncpg.Record | None, sourced: bool
) -> ComponentSpending:
    counted = "recorded input" if recorded else "actuals" if sourced else "none"
    return ComponentSpending(
        input_id=input_of(c),
        component=c,
        actual=spent["amount"] if spent else NOTHING_SPENT,
        expenditures=spent["expenditures"] if spent else 0,
        counted=counted,
        recorded=recorded["value"] if recorded else None,
        recorded_source=recorded["source"] if recorded else None,
    )
