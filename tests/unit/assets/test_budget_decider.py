"""The budget, commitment and expenditure deciders and the variance, given / when / then, without I/O."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from assets.domain.budget import (
    BUDGET,
    EXPENDITURE,
    AdoptRefreshPlan,
    AmendBudget,
    PlannedLine,
    RecordExpenditure,
    SetBudget,
    calendar_month,
    even,
    fiscal_bounds,
    month_number,
    variance,
)
from assets.domain.budget_errors import (
    BudgetLineBelowZero,
    CommitmentClosed,
    ExpenditureAlreadyRecorded,
    RefreshPlanAlreadyAdopted,
    RefreshPlanEmpty,
)
from assets.domain.purchase_request import COMMITMENT, CloseCommitment, DrawDownCommitment, RecordCommitment
from events.contracts.assets import DeviceKind, MbnClass
from events.contracts.budget import (
    BudgetAmended,
    BudgetLine,
    BudgetSet,
    CommitmentDrawnDown,
    CommitmentRecorded,
    CostComponent,
    ExpenditureRecorded,
    LineChange,
    RefreshGroup,
    SpendingKind,
)
from events.contracts.budget import (
    CommitmentClosed as Closed,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

MATERIALS, SERVICES = CostComponent.MATERIALS, CostComponent.CONTRACTED_SERVICES
JAN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OCT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
D = Decimal
ZEROS = [D("0.00")] * 12


def set_budget(*lines: PlannedLine) -> SetBudget:
    return SetBudget(2026, 1, lines or (PlannedLine(MATERIALS, "IT-OPS", D("1200.05")),), "IT-OPS", "maria", JAN)


SET = BudgetSet(
    at=JAN,
    fiscal_year=2026,
    first_month=1,
    starts_on=date(2026, 1, 1),
    ends_on=date(2026, 12, 31),
    lines=[
        BudgetLine(
            component=MATERIALS, cost_centre="IT-OPS", amount=D("1200.05"), months=[D("100.01")] * 5 + [D("100.00")] * 7
        )
    ],
    inventory_cost_centre="IT-OPS",
    set_by="maria",
)


def test_a_budget_line_is_phased_evenly_to_the_cent_unless_its_months_are_given():
    given(BUDGET).then(set_budget(), SET)
    assert sum(even(D("1200.05")), D(0)) == D("1200.05")
    months = (D("1200.05"),) + (D("0.00"),) * 11
    [event] = given(BUDGET).when(set_budget(PlannedLine(MATERIALS, "IT-OPS", D("1200.05"), months)))
    assert event.lines[0].months == list(months)


def test_phasing_that_does_not_sum_to_the_line_and_a_line_named_twice_are_refused_by_field():
    wrong = PlannedLine(MATERIALS, "IT-OPS", D("100.00"), (D("10.00"),) * 12)
    assert given(BUDGET).refuses(set_budget(wrong), Unprocessable, "sum to 120.00").field == "lines[0].months"
    twice = (PlannedLine(MATERIALS, "IT-OPS", D("1")), PlannedLine(MATERIALS, "it-ops", D("2")))
    assert given(BUDGET).refuses(set_budget(*twice), Unprocessable).field == "lines"


def test_an_amendment_is_spread_over_the_months_left_and_carries_its_reason_and_approver():
    amendment_id = uuid4()
    command = AmendBudget(
        amendment_id, "council motion 26-114", "cfo", (PlannedLine(SERVICES, "IT-OPS", D("300")),), OCT
    )
    [event] = given(BUDGET, SET).when(command)
    assert event == BudgetAmended(
        at=OCT,
        fiscal_year=2026,
        amendment_id=amendment_id,
        reason="council motion 26-114",
        approver_id="cfo",
        changes=[
            LineChange(
                component=SERVICES, cost_centre="IT-OPS", change=D("300"), months=[D("0.00")] * 9 + [D("100.00")] * 3
            )
        ],
    )
    state = given(BUDGET, SET, event).state
    assert sum(state.lines[(SERVICES, "IT-OPS")], D(0)) == D("300.00")


def test_an_amendment_leaves_no_line_below_nothing_and_needs_a_budget():
    cut = AmendBudget(uuid4(), "savings", "cfo", (PlannedLine(MATERIALS, "it-ops", D("-1300")),), JAN)
    given(BUDGET, SET).refuses(cut, BudgetLineBelowZero, "materials at IT-OPS")
    given(BUDGET).refuses(cut, NotFound)


def test_a_refresh_plan_is_adopted_once_and_only_when_it_costs_something():
    months = (D("0"),) * 5 + (D("4200.00"),) + (D("0"),) * 6
    groups = (
        RefreshGroup(
            kind=DeviceKind.LAPTOP, mbn_class=MbnClass.LAPTOPS_TABLETS, devices=3, replacement_cost=D("4200.00")
        ),
    )
    adopt = AdoptRefreshPlan(MATERIALS, "IT-OPS", months, groups, "cfo", date(2025, 11, 1), JAN)
    [adopted] = given(BUDGET, SET).when(adopt)
    assert adopted.amount == D("4200.00")
    assert given(BUDGET, SET, adopted).state.lines[(MATERIALS, "IT-OPS")][5] == D("4300.00")
    given(BUDGET, SET, adopted).refuses(adopt, RefreshPlanAlreadyAdopted)
    given(BUDGET, SET).refuses(
        AdoptRefreshPlan(MATERIALS, "IT-OPS", (D("0"),) * 12, (), "cfo", JAN.date(), JAN), RefreshPlanEmpty
    )


def test_a_fiscal_year_is_named_by_the_calendar_year_it_ends_in():
    assert fiscal_bounds(2025, 4) == (date(2024, 4, 1), date(2025, 3, 31))
    assert fiscal_bounds(2025, 1) == (date(2025, 1, 1), date(2025, 12, 31))
    assert [month_number(d, 2025, 4) for d in (date(2024, 3, 31), date(2024, 4, 1), date(2025, 3, 31))] == [0, 1, 12]
    assert month_number(date(2025, 4, 1), 2025, 4) == 13
    assert [calendar_month(n, 2025, 4) for n in (1, 9, 10, 12)] == ["2024-04", "2024-12", "2025-01", "2025-03"]


COMMITTED = CommitmentRecorded(
    at=JAN,
    commitment_id=uuid4(),
    fiscal_year=2026,
    component=MATERIALS,
    cost_centre="IT-OPS",
    amount=D("1000.00"),
    vendor="CDW",
    expected_month="2026-03",
)


def test_spending_draws_a_commitment_down_by_what_it_still_holds_and_a_closed_one_takes_no_more():
    c = RecordCommitment(COMMITTED.commitment_id, 2026, MATERIALS, "IT-OPS", D("1000.00"), "CDW", "2026-03", JAN)
    given(COMMITMENT).then(c, COMMITTED)
    first, second = uuid4(), uuid4()
    drawn = CommitmentDrawnDown(at=JAN, commitment_id=COMMITTED.commitment_id, expenditure_id=first, amount=D("600.00"))
    given(COMMITMENT, COMMITTED).then(DrawDownCommitment(first, D("600.00"), JAN), drawn)
    [rest] = given(COMMITMENT, COMMITTED, drawn).when(DrawDownCommitment(second, D("450.00"), JAN))
    assert rest.amount == D("400.00")
    given(COMMITMENT, COMMITTED, drawn, rest).refuses(
        DrawDownCommitment(uuid4(), D("1"), JAN), CommitmentClosed, "spent in full"
    )
    closed = Closed(at=JAN, commitment_id=COMMITTED.commitment_id, released=D("400.00"), reason="order cut")
    given(COMMITMENT, COMMITTED, drawn).then(CloseCommitment(JAN, "order cut"), closed)
    given(COMMITMENT, COMMITTED, drawn, closed).refuses(DrawDownCommitment(second, D("1"), JAN), CommitmentClosed)
    assert given(COMMITMENT, COMMITTED, drawn, closed).state.open_amount == 0


def test_an_expenditure_is_recorded_once_and_names_each_purchase_once():
    device = uuid4()
    spend = RecordExpenditure(
        uuid4(),
        2026,
        date(2026, 2, 3),
        SpendingKind.INVOICE,
        MATERIALS,
        "IT-OPS",
        D("99.00"),
        JAN,
        device_ids=(device,),
    )
    [spent] = given(EXPENDITURE).when(spend)
    assert isinstance(spent, ExpenditureRecorded) and spent.device_ids == [device]
    given(EXPENDITURE, spent).refuses(spend, ExpenditureAlreadyRecorded)
    twice = RecordExpenditure(
        uuid4(),
        2026,
        date(2026, 2, 3),
        SpendingKind.INVOICE,
        MATERIALS,
        "IT-OPS",
        D("1"),
        JAN,
        device_ids=(device, device),
    )
    assert given(EXPENDITURE).refuses(twice, Unprocessable).field == "device_ids"
    unnamed = RecordExpenditure(
        uuid4(), 2026, date(2026, 2, 3), SpendingKind.CONTRACT_PAYMENT, MATERIALS, "IT-OPS", D("1"), JAN
    )
    assert given(EXPENDITURE).refuses(unnamed, Unprocessable).field == "contract_id"


LABELS = [calendar_month(n, 2026, 1) for n in range(1, 13)]
LINE = (MATERIALS, "IT-OPS")


def months(**amounts) -> list[Decimal]:
    found = list(ZEROS)
    for name, amount in amounts.items():
        found[int(name[1:]) - 1] = D(amount)
    return found


def test_commitments_past_the_budget_warn_before_the_actual_does():
    budget = {LINE: tuple(months(m3="1000"))}
    found = variance(budget, {LINE: months(m3="800")}, {LINE: months(m2="300")}, current=2, labels=LABELS)
    line = found["lines"][0]
    assert (line["actual"], line["committed"], line["warning"]) == (D("300"), D("800"), "committed_over_budget")
    assert line["available"] == D("-100")
    assert found["total"]["warning"] == "committed_over_budget"


def test_the_forecast_warns_when_spending_to_date_plus_the_budget_left_passes_the_year():
    budget = {LINE: tuple([D("100")] * 12)}
    found = variance(budget, {}, {LINE: months(m1="100", m2="100", m3="250")}, current=4, labels=LABELS)
    line = found["lines"][0]
    assert line["forecast"] == D("1350") and line["variance"] == D("-150")
    assert line["warning"] == "forecast_over_budget"


def test_a_month_ended_costs_what_was_spent_in_it_its_unspent_budget_lapses():
    budget = {LINE: tuple([D("100")] * 12)}
    found = variance(budget, {}, {LINE: months(m1="40")}, current=3, labels=LABELS)
    assert [m["forecast"] for m in found["lines"][0]["months"][:3]] == [D("40"), D("0"), D("100")]
    assert found["lines"][0]["warning"] is None and found["lines"][0]["forecast"] == D("1040")


def test_spending_beyond_the_budget_is_overspent_and_spending_off_budget_is_its_own_line():
    budget = {LINE: tuple(months(m1="100"))}
    found = variance(
        budget,
        {},
        {(MATERIALS, "it-ops"): months(m1="150"), (SERVICES, "GIS"): months(m2="20")},
        current=13,
        labels=LABELS,
    )
    by_line = {(line["component"], line["cost_centre"]): line for line in found["lines"]}
    assert by_line[LINE]["warning"] == "overspent" and by_line[LINE]["actual"] == D("150")
    assert by_line[(SERVICES, "GIS")]["budget"] == 0 and by_line[(SERVICES, "GIS")]["warning"] == "overspent"
    assert {c["component"]: c["actual"] for c in found["components"]} == {MATERIALS: D("150"), SERVICES: D("20")}
