"""The budget deciders (a fiscal year's lines and amendments; expenditures), the fiscal calendar, and the variance.

A fiscal year is twelve months from `first_month`, named by the year it ends in. A line is a cost component at
a cost centre (or project), phased over the twelve months, exact to the cent (the even default puts the odd
cents on the first months). Cost centres match whatever their case.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from assets.domain.budget_errors import (
    BudgetAmendmentAlreadyMade,
    BudgetLineBelowZero,
    ExpenditureAlreadyRecorded,
    RefreshPlanAlreadyAdopted,
    RefreshPlanEmpty,
)
from events.base import Event
from events.contracts.budget import (
    BudgetAmended,
    BudgetLine,
    BudgetSet,
    CostComponent,
    ExpenditureRecorded,
    LicencePurchaseRef,
    LineChange,
    RefreshGroup,
    RefreshPlanAdopted,
    SpendingKind,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable

ZERO = Decimal("0.00")
LineKey = tuple[CostComponent, str]  # component, cost centre

# --- the fiscal calendar ----------------------------------------------------------------------------------------


def fiscal_bounds(year: int, first_month: int) -> tuple[date, date]:
    """The first and last day of fiscal `year`: with April first, 2025 runs from 2024-04-01 to 2025-03-31."""
    starts = date(year if first_month == 1 else year - 1, first_month, 1)
    return starts, date(starts.year + 1, first_month, 1) - timedelta(days=1)


def month_number(day: date, year: int, first_month: int) -> int:
    """Which of the year's months `day` falls in, 1 to 12; 0 before the year, 13 after it."""
    starts, ends = fiscal_bounds(year, first_month)
    if day < starts or day > ends:
        return 0 if day < starts else 13
    return (day.year - starts.year) * 12 + day.month - first_month + 1


def calendar_month(number: int, year: int, first_month: int) -> str:
    """The fiscal month `number` (1 to 12) as a calendar month, 2026-05."""
    starts, _ = fiscal_bounds(year, first_month)
    months = starts.month - 1 + number - 1
    return f"{starts.year + months // 12:04d}-{months % 12 + 1:02d}"


def even(amount: Decimal, months: int = 12) -> list[Decimal]:
    """`amount` over `months` months to the cent; the odd cents go to the first months."""
    base, rest = divmod(int(amount * 100), months)
    return [Decimal(base + (1 if i < rest else 0)) / 100 for i in range(months)]


def from_month(amount: Decimal, first: int) -> list[Decimal]:
    """`amount` evenly over months `first` to 12 of the year, nothing before."""
    first = min(max(first, 1), 12)
    return [ZERO] * (first - 1) + even(amount, 13 - first)


# --- the budget -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    fiscal_year: int | None = None
    first_month: int = 1
    lines: Mapping[LineKey, tuple[Decimal, ...]] = field(default_factory=dict)  # the twelve months of each line
    inventory_cost_centre: str = ""
    amendments: frozenset[UUID] = frozenset()
    refresh_adopted: bool = False


@dataclass(frozen=True)
class PlannedLine:
    component: CostComponent
    cost_centre: str
    amount: Decimal
    months: tuple[Decimal, ...] | None = None  # even over the year, unless given


@dataclass(frozen=True)
class SetBudget:
    fiscal_year: int
    first_month: int
    lines: tuple[PlannedLine, ...]
    inventory_cost_centre: str
    set_by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class AmendBudget:
    amendment_id: UUID
    reason: str
    approver_id: str
    changes: tuple[PlannedLine, ...]  # `amount` is the change, negative to take away
    at: datetime


@dataclass(frozen=True)
class AdoptRefreshPlan:
    component: CostComponent
    cost_centre: str
    months: tuple[Decimal, ...]  # the plan's cost in each month its devices fall due
    groups: tuple[RefreshGroup, ...]
    approver_id: str
    plan_as_of: date
    at: datetime
    reason: str = ""


def _budget_must_exist(state: Budget, command: object) -> None:
    if state.fiscal_year is None:
        raise NotFound("no budget is set for that fiscal year: set it first (PUT /budgets/{fiscal_year})")


def _phased(lines: tuple[PlannedLine, ...], name: str, default) -> list[tuple[PlannedLine, list[Decimal]]]:
    """Each line with its twelve months, the months given checked against its amount."""
    keys = [(line.component, line.cost_centre.casefold()) for line in lines]
    if len(set(keys)) != len(keys):
        raise Unprocessable(name, "names a component at a cost centre twice: one entry per line")
    phased = []
    for i, line in enumerate(lines):
        months = list(line.months) if line.months is not None else default(line.amount)
        if sum(months, ZERO) != line.amount:
            raise Unprocessable(f"{name}[{i}].months", f"the months sum to {sum(months, ZERO)}, not {line.amount}")
        phased.append((line, months))
    return phased


def _set(state: Budget, c: SetBudget) -> list[Event]:
    starts, ends = fiscal_bounds(c.fiscal_year, c.first_month)
    lines = [
        BudgetLine(component=line.component, cost_centre=line.cost_centre, amount=line.amount, months=months)
        for line, months in _phased(c.lines, "lines", even)
    ]
    return [
        BudgetSet(
            at=c.at,
            fiscal_year=c.fiscal_year,
            first_month=c.first_month,
            starts_on=starts,
            ends_on=ends,
            lines=lines,
            inventory_cost_centre=c.inventory_cost_centre,
            set_by=c.set_by,
            note=c.note,
        )
    ]


def _amend(state: Budget, c: AmendBudget) -> list[Event]:
    if c.amendment_id in state.amendments:
        raise BudgetAmendmentAlreadyMade(f"amendment {c.amendment_id} is already made")
    # A change made during the year is spread over the months left, not over months already spent.
    first = month_number(c.at.date(), state.fiscal_year, state.first_month)
    changes = [
        LineChange(component=line.component, cost_centre=line.cost_centre, change=line.amount, months=months)
        for line, months in _phased(c.changes, "changes", lambda amount: from_month(amount, first))
    ]
    _never_below_zero(_amended(state, changes).lines)
    return [
        BudgetAmended(
            at=c.at,
            fiscal_year=state.fiscal_year,
            amendment_id=c.amendment_id,
            reason=c.reason,
            approver_id=c.approver_id,
            changes=changes,
        )
    ]


def _never_below_zero(lines: Mapping[LineKey, tuple[Decimal, ...]]) -> None:
    for (component, cost_centre), months in lines.items():
        if sum(months, ZERO) < 0 or min(months) < 0:
            raise BudgetLineBelowZero(
                f"the change leaves {component} at {cost_centre} below nothing"
                f" ({sum(months, ZERO)}, months {[str(m) for m in months]})"
            )


def _adopt(state: Budget, c: AdoptRefreshPlan) -> list[Event]:
    if state.refresh_adopted:
        raise RefreshPlanAlreadyAdopted(f"the refresh plan is already in the {state.fiscal_year} budget")
    amount = sum(c.months, ZERO)
    if amount == 0:
        raise RefreshPlanEmpty(f"the {state.fiscal_year} refresh plan replaces nothing at a known price")
    return [
        RefreshPlanAdopted(
            at=c.at,
            fiscal_year=state.fiscal_year,
            component=c.component,
            cost_centre=c.cost_centre,
            amount=amount,
            months=list(c.months),
            groups=list(c.groups),
            approver_id=c.approver_id,
            reason=c.reason,
            plan_as_of=c.plan_as_of,
        )
    ]


def _key(component: CostComponent, cost_centre: str, lines: Mapping[LineKey, tuple]) -> LineKey:
    """The line's key as first written: cost centres match whatever their case."""
    return next(
        (k for k in lines if k[0] == component and k[1].casefold() == cost_centre.casefold()), (component, cost_centre)
    )


def _added(lines: Mapping[LineKey, tuple[Decimal, ...]], key: LineKey, months) -> dict:
    key = _key(*key, lines)
    before = lines.get(key, (ZERO,) * 12)
    return {**lines, key: tuple(a + b for a, b in zip(before, months, strict=True))}


def _budget_set(s: Budget, e: BudgetSet) -> Budget:
    lines = {(line.component, line.cost_centre): tuple(line.months) for line in e.lines}
    return Budget(e.fiscal_year, e.first_month, lines, e.inventory_cost_centre, s.amendments)


def _amended(s: Budget, changes: list[LineChange]) -> Budget:
    lines = s.lines
    for change in changes:
        lines = _added(lines, (change.component, change.cost_centre), change.months)
    return replace(s, lines=lines)


def _budget_amended(s: Budget, e: BudgetAmended) -> Budget:
    return replace(_amended(s, e.changes), amendments=s.amendments | {e.amendment_id})


def _plan_adopted(s: Budget, e: RefreshPlanAdopted) -> Budget:
    return replace(s, lines=_added(s.lines, (e.component, e.cost_centre), e.months), refresh_adopted=True)


BUDGET = Decider(
    initial=Budget(),
    evolvers={BudgetSet: _budget_set, BudgetAmended: _budget_amended, RefreshPlanAdopted: _plan_adopted},
    deciders={SetBudget: _set, AmendBudget: _amend, AdoptRefreshPlan: _adopt},
    precondition=_budget_must_exist,
    creates=(SetBudget,),
)

# --- expenditures -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordExpenditure:
    expenditure_id: UUID
    fiscal_year: int
    spent_on: date
    kind: SpendingKind
    component: CostComponent
    cost_centre: str
    amount: Decimal
    at: datetime
    capital: bool = False
    vendor: str = ""
    reference: str = ""
    description: str = ""
    commitment_id: UUID | None = None
    contract_id: UUID | None = None
    purchase_request_id: UUID | None = None
    device_ids: tuple[UUID, ...] = ()
    licence_purchases: tuple[LicencePurchaseRef, ...] = ()


def _spend(state: UUID | None, c: RecordExpenditure) -> list[Event]:
    if state is not None:
        raise ExpenditureAlreadyRecorded(f"expenditure {c.expenditure_id} is already recorded")
    if c.kind is SpendingKind.CONTRACT_PAYMENT and c.contract_id is None:
        raise Unprocessable("contract_id", "a contract payment names its contract")
    if len(set(c.device_ids)) != len(c.device_ids):
        raise Unprocessable("device_ids", "names a device twice: its purchase is counted once")
    if len(set(c.licence_purchases)) != len(c.licence_purchases):
        raise Unprocessable("licence_purchases", "names a licence purchase twice: it is counted once")
    return [
        ExpenditureRecorded(
            **{**vars(c), "device_ids": list(c.device_ids), "licence_purchases": list(c.licence_purchases)}
        )
    ]


EXPENDITURE = Decider(
    initial=None,
    evolvers={ExpenditureRecorded: lambda s, e: e.expenditure_id},
    deciders={RecordExpenditure: _spend},
    creates=(RecordExpenditure,),
)

# --- variance ---------------------------------------------------------------------------------------------------

FIGURES = ("budget", "committed", "actual", "forecast")
NO_MONTHS = (ZERO,) * 12


def forecast(budget: Decimal, committed: Decimal, actual: Decimal, month: int, current: int) -> Decimal:
    """A month ended costs what was spent in it and is still committed for it (its unspent budget lapsed); the
    month under way and those to come cost their budget, or more where more is already spent or committed."""
    spent = actual + committed
    return spent if month < current else max(budget, spent)


def warning(f: Mapping[str, Decimal]) -> str | None:
    """Overspent once the actual passes the budget; warned before, when commitments or the forecast would."""
    if f["actual"] > f["budget"]:
        return "overspent"
    if f["actual"] + f["committed"] > f["budget"]:
        return "committed_over_budget"
    return "forecast_over_budget" if f["forecast"] > f["budget"] else None


def totals(months: list[dict]) -> dict:
    sums = {name: sum((m[name] for m in months), ZERO) for name in FIGURES}
    return {
        **sums,
        "variance": sums["budget"] - sums["forecast"],
        "available": sums["budget"] - sums["committed"] - sums["actual"],
        "warning": warning(sums),
    }


def _months(budget, committed, actual, current: int, labels: list[str]) -> list[dict]:
    rows = zip(labels, budget, committed, actual, strict=True)
    return [
        {"month": label, "budget": b, "committed": c, "actual": a, "forecast": forecast(b, c, a, n, current)}
        for n, (label, b, c, a) in enumerate(rows, start=1)
    ]


def _summed(lines: list[dict]) -> list[dict]:
    """The lines' months added up month by month."""
    return [
        {"month": months[0]["month"], **{name: sum((m[name] for m in months), ZERO) for name in FIGURES}}
        for months in zip(*(line["months"] for line in lines), strict=True)
    ]


def variance(
    budget: Mapping[LineKey, tuple],
    committed: Mapping[LineKey, list],
    actual: Mapping[LineKey, list],
    current: int,
    labels: list[str],
) -> dict:
    """Budget, committed (open), actual and forecast per line and month, per component and in all, with warnings.

    `current` is the fiscal month under way (0 before the year, 13 after it); spending on a line the budget
    lacks is a line of its own, with no budget.
    """
    committed, actual = _onto(budget, committed), _onto(budget, actual)
    lines = []
    for key in sorted({*budget, *committed, *actual}):
        months = _months(
            budget.get(key, NO_MONTHS), committed.get(key, NO_MONTHS), actual.get(key, NO_MONTHS), current, labels
        )
        lines.append({"component": key[0], "cost_centre": key[1], **totals(months), "months": months})
    components = []
    for component in sorted({line["component"] for line in lines}):
        months = _summed([line for line in lines if line["component"] == component])
        components.append({"component": component, **totals(months), "months": months})
    total = _summed(lines) if lines else _months(NO_MONTHS, NO_MONTHS, NO_MONTHS, current, labels)
    return {"lines": lines, "components": components, "total": {**totals(total), "months": total}}


def _onto(budget: Mapping[LineKey, tuple], spending: Mapping[LineKey, list]) -> dict[LineKey, list]:
    """Spending keyed as the budget spells its lines, cost centres matched whatever their case."""
    found: dict[LineKey, list] = {}
    for key, months in spending.items():
        key = _key(*key, budget)
        found[key] = [a + b for a, b in zip(found.get(key, NO_MONTHS), months, strict=True)]
    return found
