"""The budget REST API: a fiscal year's budget and amendments, commitments, expenditures and the variance; routes only.

Managers own the budget and record commitments and spending; managers and auditors read them.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from assets import budgets
from assets.api.budgets_models import (
    AmendBudgetRequest,
    BudgetResponse,
    CloseCommitmentRequest,
    CommitmentPage,
    CommitmentResponse,
    ExpenditurePage,
    ExpenditureResponse,
    RecordCommitmentRequest,
    RecordExpenditureRequest,
    SetBudgetRequest,
    VarianceResponse,
    budget_body,
    commitment_body,
    expenditure_body,
    variance_body,
)
from assets.domain.budget import AmendBudget, RecordExpenditure, SetBudget
from assets.domain.purchase_request import CloseCommitment, RecordCommitment
from events.auth import Manager, Principal, Role, requires
from events.contracts.budget import CostComponent
from events.envelope import Context, utcnow
from events.errors import NotFound
from events.fields import Day
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["budget"])

BudgetReader = Annotated[Principal, requires(Role.MANAGER, Role.AUDITOR)]
FiscalYear = Annotated[int, Path(ge=1990, le=2100, description="named by the calendar year it ends in")]
YearFilter = Annotated[int | None, Query(ge=1990, le=2100)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.put("/budgets/{fiscal_year}", response_model=BudgetResponse, responses={201: {"model": BudgetResponse}})
async def set_budget(
    fiscal_year: FiscalYear, body: SetBudgetRequest, principal: Manager, call: CommandCall
) -> Response:
    """Set the year's budget whole (201 the first time): lines per cost component and cost centre or project, each
    phased over the months (even unless given). `If-Match` with the ETag of its GET replaces it safely."""

    async def run(conn, ctx: Context) -> Answer:
        lines = tuple(line.planned() for line in body.lines)
        command = SetBudget(
            fiscal_year,
            body.first_month,
            lines,
            body.inventory_cost_centre,
            principal.user_id,
            ctx.recorded_at,
            body.note,
        )
        budget = await budgets.set_budget(conn, command, ctx, call.if_match)
        location = f"/budgets/{fiscal_year}" if budget.version == 1 else None
        return Answer(budget_body(budget), budget.version, location=location)

    return await call.run(principal, run)


@router.get("/budgets/{fiscal_year}", response_model=BudgetResponse)
async def get_budget(fiscal_year: FiscalYear, pool: Pool, principal: BudgetReader) -> Response:
    """The year's budget as amended, with each amendment since it was set; `ETag` for the `If-Match` of a change."""
    async with pool.acquire() as conn:
        budget = await budgets.read_budget(conn, principal.tenant, fiscal_year)
    if budget.version == 0:
        raise NotFound(f"no budget is set for fiscal {fiscal_year}")
    return answered(budget_body(budget), budget.version)


@router.post("/budgets/{fiscal_year}/amendments", status_code=201, response_model=BudgetResponse)
async def amend_budget(
    fiscal_year: FiscalYear, body: AmendBudgetRequest, principal: Manager, call: CommandCall
) -> Response:
    """Change lines of the year's budget, with the reason and who approved it; answers the budget as amended."""

    async def run(conn, ctx: Context) -> Answer:
        changes = tuple(change.planned() for change in body.changes)
        command = AmendBudget(uuid7(), body.reason, body.approver_id, changes, ctx.recorded_at)
        budget = await budgets.handle_budget(conn, fiscal_year, command, ctx, call.if_match)
        return Answer(budget_body(budget), budget.version, location=f"/budgets/{fiscal_year}")

    return await call.run(principal, run)


@router.get("/budgets/{fiscal_year}/variance", response_model=VarianceResponse)
async def budget_variance(
    fiscal_year: FiscalYear,
    pool: Pool,
    principal: BudgetReader,
    as_of: Annotated[Day | None, Query(description="the day the forecast stands on; today by default")] = None,
) -> dict[str, Any]:
    """Per line (component and cost centre), component and in all, and per month: budget, open commitments, actual,
    forecast and variance, with a warning where commitments or the forecast pass the budget before the actual does.
    Device and licence purchases the inventory recorded count once: as the expenditure naming them, else as is."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found = await budgets.variance_of(conn, principal.tenant, fiscal_year, as_of or utcnow().date())
    if found is None:
        raise NotFound(f"no budget is set for fiscal {fiscal_year}")
    return variance_body(found)


@router.post("/commitments", status_code=201, response_model=CommitmentResponse)
async def record_commitment(body: RecordCommitmentRequest, principal: Manager, call: CommandCall) -> Response:
    """Record a purchase order: money committed to a vendor, expected to be spent in a month, on a budget line."""

    async def run(conn, ctx: Context) -> Answer:
        year = await budgets.fiscal_year_of(conn, ctx.tenant, budgets.first_day(body.expected_month))
        command = RecordCommitment(commitment_id=uuid7(), fiscal_year=year, **body.model_dump(), at=ctx.recorded_at)
        commitment = await budgets.record_commitment(conn, command, ctx)
        location = f"/commitments/{command.commitment_id}"
        return Answer(commitment_body(commitment.view), commitment.version, location=location)

    return await call.run(principal, run)


@router.get("/commitments", response_model=CommitmentPage)
async def list_commitments(
    pool: Pool,
    principal: BudgetReader,
    fiscal_year: YearFilter = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Commitments by expected month; `open=true` keeps those with money still committed."""
    async with pool.acquire() as conn:
        return await budgets.commitments_of(conn, principal.tenant, fiscal_year, open_only, limit, offset)


@router.get("/commitments/{commitment_id}", response_model=CommitmentResponse)
async def get_commitment(commitment_id: UUID, pool: Pool, principal: BudgetReader) -> Response:
    async with pool.acquire() as conn:
        row = await budgets.commitment_row(conn, commitment_id, principal.tenant)
    if row is None:
        raise NotFound(f"no commitment {commitment_id}")
    return answered(commitment_body(row), row["version"])


@router.post("/commitments/{commitment_id}/close", response_model=CommitmentResponse)
async def close_commitment(
    commitment_id: UUID, principal: Manager, call: CommandCall, body: CloseCommitmentRequest | None = None
) -> Response:
    """Nothing more will be spent against it (an order cancelled, a last invoice lower): its open amount is freed."""

    async def run(conn, ctx: Context) -> Answer:
        command = CloseCommitment(ctx.recorded_at, body.reason if body else "")
        commitment = await budgets.handle_commitment(conn, commitment_id, command, ctx, call.if_match)
        return Answer(commitment_body(commitment.view), commitment.version)

    return await call.run(principal, run)


@router.post("/expenditures", status_code=201, response_model=ExpenditureResponse)
async def record_expenditure(body: RecordExpenditureRequest, principal: Manager, call: CommandCall) -> Response:
    """Record money spent (an invoice, a contract payment, other spend) on a line; settling a commitment draws it
    down. Naming the devices or licence purchases it pays for keeps the inventory's purchase from counting again."""

    async def run(conn, ctx: Context) -> Answer:
        fields = body.model_dump(exclude={"device_ids", "licence_purchases"})
        command = RecordExpenditure(
            expenditure_id=uuid7(),
            fiscal_year=await budgets.fiscal_year_of(conn, ctx.tenant, body.spent_on),
            **fields,
            at=ctx.recorded_at,
            device_ids=tuple(body.device_ids),
            licence_purchases=tuple(p.ref() for p in body.licence_purchases),
        )
        row = await budgets.spend(conn, command, ctx)
        return Answer(expenditure_body(row), 1, location=f"/expenditures/{command.expenditure_id}")

    return await call.run(principal, run)


@router.get("/expenditures", response_model=ExpenditurePage)
async def list_expenditures(
    pool: Pool,
    principal: BudgetReader,
    fiscal_year: YearFilter = None,
    component: CostComponent | None = None,
    cost_centre: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The spending behind the variance, by date: every expenditure recorded, inventory purchases included once the
    spending job has recorded them."""
    filters = dict(fiscal_year=fiscal_year, component=component, cost_centre=cost_centre)
    async with pool.acquire() as conn:
        return await budgets.expenditures_of(conn, principal.tenant, filters, limit, offset)


@router.get("/expenditures/{expenditure_id}", response_model=ExpenditureResponse)
async def get_expenditure(expenditure_id: UUID, pool: Pool, principal: BudgetReader) -> Response:
    async with pool.acquire() as conn:
        row = await budgets.expenditure_row(conn, expenditure_id, principal.tenant)
    if row is None:
        raise NotFound(f"no expenditure {expenditure_id}")
    return answered(expenditure_body(row), 1)
