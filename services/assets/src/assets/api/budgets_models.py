"""Request and response bodies of the budget API: budgets and amendments, commitments, expenditures, the variance."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from assets.api.contracts_models import Money, cents
from assets.domain.budget import PlannedLine
from events.contracts.budget import (
    MAX_LINES,
    BudgetAmended,
    BudgetSet,
    CostCentre,
    CostComponent,
    LicencePurchaseRef,
    Month,
    RefreshPlanAdopted,
    SpendingKind,
)
from events.fields import Body, Note, Short, UserId
from events.streams import Stream

Label = Annotated[str, Field(max_length=200)]
Signed = Annotated[Decimal, Field(ge=-(10**12), le=10**12, max_digits=14, decimal_places=2), AfterValidator(cents)]
Positive = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2), AfterValidator(cents)]
Twelve = Field(
    default=None,
    min_length=12,
    max_length=12,
    description="the twelve months of the fiscal year, first"
    " month first, summing to the amount; even (the odd cents first) if left out",
)


class BudgetLineRequest(Body):
    component: CostComponent
    cost_centre: CostCentre
    amount: Money
    months: list[Money] | None = Twelve

    def planned(self) -> PlannedLine:
        return PlannedLine(self.component, self.cost_centre, self.amount, tuple(self.months) if self.months else None)


class SetBudgetRequest(Body):
    first_month: Annotated[
        int,
        Field(
            ge=1,
            le=12,
            description="the fiscal year's first month (1 = January); the "
            "year is named by the calendar year it ends in",
        ),
    ] = 1
    lines: Annotated[list[BudgetLineRequest], Field(max_length=MAX_LINES)]
    inventory_cost_centre: CostCentre = Field(
        default="unallocated",
        description=(
            "where device and licence purchases the inventory records are charged (materials), unless an expenditure"
            " names them"
        ),
    )
    note: Annotated[str, Field(max_length=5_000)] = ""


class LineChangeRequest(Body):
    component: CostComponent
    cost_centre: CostCentre
    change: Signed = Field(description="added to the line; negative takes away")
    months: list[Signed] | None = Field(
        default=None,
        min_length=12,
        max_length=12,
        description=("the change per month of the year; by default even over the months not yet ended"),
    )

    def planned(self) -> PlannedLine:
        return PlannedLine(self.component, self.cost_centre, self.change, tuple(self.months) if self.months else None)


class AmendBudgetRequest(Body):
    reason: Note
    approver_id: UserId = Field(description="who approved the amendment (a council resolution's mover, the CFO)")
    changes: Annotated[list[LineChangeRequest], Field(min_length=1, max_length=MAX_LINES)]


class RecordCommitmentRequest(Body):
    component: CostComponent
    cost_centre: CostCentre
    amount: Positive
    vendor: Short
    expected_month: Month = Field(description="the month the money is expected to be spent, 2026-05")
    description: Annotated[str, Field(max_length=5_000)] = ""
    order_number: Label = ""
    contract_id: UUID | None = None


class CloseCommitmentRequest(Body):
    reason: Annotated[str, Field(max_length=5_000)] = ""


class LicencePurchaseRequest(Body):
    licence_id: UUID
    purchase: Annotated[int, Field(ge=0, le=10_000, description="its place in the licence's `purchases`, 0 first")]

    def ref(self) -> LicencePurchaseRef:
        return LicencePurchaseRef(**self.model_dump())


class RecordExpenditureRequest(Body):
    kind: Literal[SpendingKind.INVOICE, SpendingKind.CONTRACT_PAYMENT, SpendingKind.OTHER] = SpendingKind.INVOICE
    component: CostComponent
    cost_centre: CostCentre
    amount: Positive
    spent_on: Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
    vendor: Label = ""
    reference: Label = Field(default="", description="the invoice's number")
    description: Annotated[str, Field(max_length=5_000)] = ""
    commitment_id: UUID | None = Field(default=None, description="the commitment it settles: its open amount goes down")
    contract_id: UUID | None = None
    device_ids: Annotated[
        list[UUID],
        Field(
            max_length=1_000,
            description=("devices whose purchase this is: their purchase in the inventory is then not counted again"),
        ),
    ] = []
    licence_purchases: Annotated[list[LicencePurchaseRequest], Field(max_length=1_000)] = []
    capital: bool = Field(default=False, description="amortized as a capital asset rather than an operating cost")


# ------------------------------------------------------------------------------------------------- responses


class BudgetLineResponse(BaseModel):
    component: CostComponent
    cost_centre: str
    amount: Decimal
    months: list[Decimal]


class BudgetChange(BaseModel):
    kind: Literal["amendment", "refresh_plan"]
    at: datetime
    reason: str
    approver_id: str
    recorded_by: str
    changes: list[BudgetLineResponse]


class BudgetResponse(BaseModel):
    fiscal_year: int
    first_month: int
    starts_on: date
    ends_on: date
    inventory_cost_centre: str
    total: Decimal
    lines: list[BudgetLineResponse] = Field(description="as amended")
    changes: list[BudgetChange] = Field(description="the amendments and adopted refresh plan since it was set")
    refresh_plan_adopted: bool
    set_by: str
    set_at: datetime
    version: int


def budget_body(budget: Stream) -> dict:
    s = budget.state
    last_set = max(i for i, e in enumerate(budget.events) if isinstance(e, BudgetSet))
    lines = [
        BudgetLineResponse(component=k[0], cost_centre=k[1], amount=sum(m, Decimal(0)), months=list(m))
        for k, m in sorted(s.lines.items())
    ]
    since = list(zip(budget.events, budget.history, strict=True))[last_set:]
    changes = [_change(e, envelope.actor) for e, envelope in since if isinstance(e, BudgetAmended | RefreshPlanAdopted)]
    first = budget.events[last_set]
    return BudgetResponse(
        fiscal_year=s.fiscal_year,
        first_month=s.first_month,
        starts_on=first.starts_on,
        ends_on=first.ends_on,
        inventory_cost_centre=s.inventory_cost_centre,
        total=sum((line.amount for line in lines), Decimal("0.00")),
        lines=lines,
        changes=changes,
        refresh_plan_adopted=s.refresh_adopted,
        set_by=first.set_by,
        set_at=first.at,
        version=budget.version,
    ).model_dump(mode="json")


def _change(e, actor: str) -> BudgetChange:
    if isinstance(e, RefreshPlanAdopted):
        line = BudgetLineResponse(component=e.component, cost_centre=e.cost_centre, amount=e.amount, months=e.months)
        return BudgetChange(
            kind="refresh_plan", at=e.at, reason=e.reason, approver_id=e.approver_id, recorded_by=actor, changes=[line]
        )
    lines = [
        BudgetLineResponse(component=c.component, cost_centre=c.cost_centre, amount=c.change, months=c.months)
        for c in e.changes
    ]
    return BudgetChange(
        kind="amendment", at=e.at, reason=e.reason, approver_id=e.approver_id, recorded_by=actor, changes=lines
    )


class CommitmentResponse(BaseModel):
    id: UUID
    fiscal_year: int
    component: CostComponent
    cost_centre: str
    amount: Decimal
    drawn: Decimal = Field(description="settled by expenditures")
    released: Decimal = Field(description="freed when it was closed")
    open_amount: Decimal = Field(description="still committed: what the variance counts")
    closed: bool
    vendor: str
    expected_month: str
    description: str
    order_number: str
    purchase_request_id: UUID | None
    contract_id: UUID | None
    recorded_at: datetime
    updated_at: datetime
    version: int


class CommitmentPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CommitmentResponse]


class ExpenditureResponse(BaseModel):
    id: UUID
    fiscal_year: int
    spent_on: date
    kind: SpendingKind
    component: CostComponent
    cost_centre: str
    amount: Decimal
    capital: bool
    vendor: str
    reference: str
    description: str
    commitment_id: UUID | None
    contract_id: UUID | None
    purchase_request_id: UUID | None
    device_ids: list[UUID]
    licence_purchases: list[LicencePurchaseRef]
    recorded_at: datetime


class ExpenditurePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ExpenditureResponse]


def commitment_body(row) -> dict:
    return CommitmentResponse(**row).model_dump(mode="json")


def expenditure_body(row) -> dict:
    return ExpenditureResponse(**row).model_dump(mode="json")


# ------------------------------------------------------------------------------------------------- variance

FORECAST_RULE = (
    "forecast per month: for a month ended, its actual plus what is still committed for it (its unspent budget"
    " lapsed); for the month under way and those to come, its budget, or its actual plus commitments where those"
    " are more. variance = budget - forecast; available = budget - committed - actual."
)
WARNINGS = {
    "overspent": "the actual {actual} exceeds the budget {budget}",
    "committed_over_budget": "commitments {committed} and actual {actual} exceed the budget {budget}: an overspend"
    " ahead, before the actual reaches it",
    "forecast_over_budget": "the forecast {forecast} exceeds the budget {budget}: an overspend ahead at this pace",
}
Warning = Literal["overspent", "committed_over_budget", "forecast_over_budget"]


class MonthFigures(BaseModel):
    month: str
    budget: Decimal
    committed: Decimal
    actual: Decimal
    forecast: Decimal


class Figures(BaseModel):
    budget: Decimal
    committed: Decimal = Field(description="open commitments")
    actual: Decimal
    forecast: Decimal
    variance: Decimal = Field(description="budget - forecast: negative is an overspend forecast")
    available: Decimal = Field(description="budget - committed - actual")
    warning: Warning | None
    months: list[MonthFigures]


class LineFigures(Figures):
    component: CostComponent
    cost_centre: str


class ComponentFigures(Figures):
    component: CostComponent


class VarianceWarning(BaseModel):
    component: CostComponent | None
    cost_centre: str | None
    kind: Warning
    message: str


class VarianceResponse(BaseModel):
    fiscal_year: int
    starts_on: date
    ends_on: date
    as_of: date
    forecast_rule: str
    lines: list[LineFigures]
    components: list[ComponentFigures]
    total: Figures
    warnings: list[VarianceWarning] = Field(description="every line, component and the total with a warning")
    version: int = Field(description="the budget's version")


def variance_body(found: dict) -> dict:
    rows = [*found["lines"], *found["components"], found["total"]]
    warnings = [_warning(row) for row in rows if row["warning"]]
    return VarianceResponse(**found, forecast_rule=FORECAST_RULE, warnings=warnings).model_dump(mode="json")


def _warning(row: dict) -> VarianceWarning:
    where = " at ".join(str(row[k]) for k in ("component", "cost_centre") if k in row) or "the whole budget"
    figures = {name: f"{row[name]:.2f}" for name in ("budget", "committed", "actual", "forecast")}
    return VarianceWarning(
        component=row.get("component"),
        cost_centre=row.get("cost_centre"),
        kind=row["warning"],
        message=f"{where}: {WARNINGS[row['warning']].format(**figures)}",
    )
