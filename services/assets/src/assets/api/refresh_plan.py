"""The refresh plan REST API: the devices falling due in a fiscal year and what replacing them costs, its adoption
into that year's budget, and the price list that costs it; routes only."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from assets import refresh_plan
from assets.api.budgets import BudgetReader
from assets.api.budgets_models import BudgetResponse, budget_body
from assets.api.refresh_plan_models import (
    REPLACEMENT_COLUMNS,
    AdoptRefreshPlanRequest,
    ModelPriceResponse,
    RefreshPlanResponse,
    SetModelPriceRequest,
    plan_body,
    replacements_csv,
)
from assets.domain.budget import calendar_month
from assets.domain.refresh import SetModelPrice
from events import csvfiles
from events.auth import Desk, Manager
from events.envelope import Context
from events.web import Answer, CommandCall, Pool

router = APIRouter(tags=["refresh plan"])

Year = Annotated[int, Query(ge=1990, le=2100, description="the fiscal year, named by the calendar year it ends in")]


PLAN_CSV = csvfiles.documented("with `format=csv` or `Accept: text/csv`: the devices due, soonest first, up to `limit`,"
                               f" in the columns {', '.join(REPLACEMENT_COLUMNS)}")  # fmt: skip


@router.get("/refresh-plan", response_model=RefreshPlanResponse, responses=PLAN_CSV)
async def get_refresh_plan(
    request: Request,
    pool: Pool,
    principal: BudgetReader,
    fiscal_year: Year,
    limit: Annotated[int, Query(ge=0, le=5_000, description="how many of the devices due to list")] = 500,
    format: csvfiles.Format = None,
) -> Any:
    """The devices in service reaching the end of their useful life (or, with none recorded, of their warranty) in
    the fiscal year, counted per kind and MBN class with their replacement cost at today's prices, and per month."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found = await refresh_plan.refresh_plan(conn, principal.tenant, fiscal_year)
    labels = [calendar_month(n, fiscal_year, found["first_month"]) for n in range(1, 13)]
    body = plan_body(found, labels, limit)
    if csvfiles.wanted(request, format):
        return csvfiles.attachment(replacements_csv(body["replacements"]), f"refresh-plan-{fiscal_year}.csv")
    return body


@router.post("/refresh-plan/{fiscal_year}/adopt", status_code=201, response_model=BudgetResponse)
async def adopt_refresh_plan(
    fiscal_year: Annotated[int, Path(ge=1990, le=2100)],
    body: AdoptRefreshPlanRequest,
    principal: Manager,
    call: CommandCall,
) -> Response:
    """Add the year's refresh plan, as it stands now, to that year's budget (set it first), once: onto a line,
    phased by the month each device falls due. Answers the budget as it stands after."""

    async def run(conn, ctx: Context) -> Answer:
        adoption = body.model_dump()
        budget = await refresh_plan.adopt(conn, fiscal_year, adoption, ctx, ctx.recorded_at.date(), call.if_match)
        return Answer(budget_body(budget), budget.version, location=f"/budgets/{fiscal_year}")

    return await call.run(principal, run)


@router.post("/model-prices", status_code=201, response_model=ModelPriceResponse)
async def set_model_price(body: SetModelPriceRequest, principal: Manager, call: CommandCall) -> Response:
    """Set what replacing a device of a kind and model costs now (model empty: the kind's standard replacement)."""

    async def run(conn, ctx: Context) -> Answer:
        command = SetModelPrice(**body.model_dump(), set_by=principal.user_id, at=ctx.recorded_at)
        row = await refresh_plan.set_price(conn, command, ctx)
        return Answer(ModelPriceResponse(**row).model_dump(mode="json"), 1, location="/model-prices")

    return await call.run(principal, run)


@router.get("/model-prices", response_model=list[ModelPriceResponse])
async def list_model_prices(pool: Pool, principal: Desk) -> list[dict]:
    """The price list, by kind and model."""
    async with pool.acquire() as conn:
        return [dict(row) for row in await refresh_plan.prices_of(conn, principal.tenant)]
