"""Budget events the assets service publishes on `assets.events`: the IT budget per fiscal year and its amendments,
commitments (purchase orders) and actual spending, each line by MBN cost component and cost centre.

Every actual is one `ExpenditureRecorded`, which carries its fiscal year, component and amount: summing them per
fiscal year and component gives IT's operating cost by MBN component (INTN243) without any other event. Device
and licence purchases the inventory records become expenditures too, each exactly once (`device_ids`,
`licence_purchases` name them); `capital` marks those the city amortizes, which INTN243T counts through their
amortization instead.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event
from events.contracts.assets import DeviceKind, MbnClass

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
PersonId = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Change = Annotated[Decimal, Field(ge=-(10**12), le=10**12, max_digits=14, decimal_places=2)]
FiscalYear = Annotated[int, Field(ge=1990, le=2100, description="named by the calendar year it ends in")]
CostCentre = Annotated[
    str,
    Field(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/\-]*$",
        description="a cost centre or a project code",
    ),
]
Month = Annotated[
    str,
    Field(
        pattern=r"^(199[0-9]|20[0-9]{2}|2100)-(0[1-9]|1[0-2])$",
        description="a calendar month from 1990 to 2100, 2026-05",
    ),
]

MAX_LINES = 500


class CostComponent(StrEnum):
    """The components of IT operating cost MBNCanada reports (INTN243)."""

    SALARIES_WAGES_BENEFITS = "salaries_wages_benefits"
    MATERIALS = "materials"
    CONTRACTED_SERVICES = "contracted_services"
    RENTS_FINANCIAL_EXPENSES = "rents_financial_expenses"
    EXTERNAL_TRANSFERS = "external_transfers"
    INTERFUNCTIONAL_ADJUSTMENTS = "interfunctional_adjustments"
    PROGRAM_SUPPORT_ALLOCATION = "program_support_allocation"


class BudgetLine(BaseModel):
    """A line's amount for the year and its phasing: `months` are the fiscal year's twelve, first month first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: CostComponent
    cost_centre: CostCentre
    amount: Money
    months: Annotated[list[Money], Field(min_length=12, max_length=12)]


class LineChange(BaseModel):
    """What an amendment adds to a line (a negative change takes away), phased over the twelve months."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: CostComponent
    cost_centre: CostCentre
    change: Change
    months: Annotated[list[Change], Field(min_length=12, max_length=12)]


class BudgetSet(Event):
    """The fiscal year's budget, whole: it replaces any budget set for the year before (amendments included).

    The year runs twelve months from the first of `first_month` (`starts_on`) to `ends_on`. Device and licence
    purchases recorded in the inventory, and not named by an expenditure, are charged to materials at
    `inventory_cost_centre`.
    """

    event_type: ClassVar[str] = "assets.budget_set"

    at: datetime
    fiscal_year: FiscalYear
    first_month: Annotated[int, Field(ge=1, le=12)]
    starts_on: date
    ends_on: date
    lines: Annotated[list[BudgetLine], Field(max_length=MAX_LINES)]
    inventory_cost_centre: CostCentre
    set_by: PersonId
    note: Note = ""


class BudgetAmended(Event):
    """An approved change to the year's budget lines, with its reason and who approved it."""

    event_type: ClassVar[str] = "assets.budget_amended"

    at: datetime
    fiscal_year: FiscalYear
    amendment_id: UUID
    reason: Annotated[str, Field(min_length=1, max_length=5_000)]
    approver_id: PersonId
    changes: Annotated[list[LineChange], Field(min_length=1, max_length=MAX_LINES)]


class RefreshGroup(BaseModel):
    """Devices of one kind and MBN class that reach the end of their life or warranty in the year, and their cost."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DeviceKind
    mbn_class: MbnClass
    devices: Annotated[int, Field(ge=0)]
    replacement_cost: Money


class RefreshPlanAdopted(Event):
    """The refresh plan for the fiscal year was added to its budget: `amount` onto the line, phased by the month
    each device falls due; `groups` say what it replaces."""

    event_type: ClassVar[str] = "assets.refresh_plan_adopted"

    at: datetime
    fiscal_year: FiscalYear
    component: CostComponent
    cost_centre: CostCentre
    amount: Money
    months: Annotated[list[Money], Field(min_length=12, max_length=12)]
    groups: Annotated[list[RefreshGroup], Field(max_length=MAX_LINES)]
    approver_id: PersonId
    reason: Note = ""
    plan_as_of: date


# --- commitments and spending -----------------------------------------------------------------------------------


class CommitmentRecorded(Event):
    """Money promised to a vendor (a purchase order), expected to be spent in `expected_month`."""

    event_type: ClassVar[str] = "assets.commitment_recorded"

    at: datetime
    commitment_id: UUID
    fiscal_year: FiscalYear
    component: CostComponent
    cost_centre: CostCentre
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    vendor: Annotated[str, Field(min_length=1, max_length=200)]
    expected_month: Month
    description: Note = ""
    order_number: Name = ""
    purchase_request_id: UUID | None = None
    contract_id: UUID | None = None


class CommitmentDrawnDown(Event):
    """An expenditure settled part (or all) of the commitment: its open amount went down by `amount`."""

    event_type: ClassVar[str] = "assets.commitment_drawn_down"

    at: datetime
    commitment_id: UUID
    expenditure_id: UUID
    amount: Money


class CommitmentClosed(Event):
    """Nothing more will be spent against the commitment: its open amount, `released`, is free again."""

    event_type: ClassVar[str] = "assets.commitment_closed"

    at: datetime
    commitment_id: UUID
    released: Money
    reason: Note = ""


class SpendingKind(StrEnum):
    INVOICE = "invoice"
    CONTRACT_PAYMENT = "contract_payment"
    OTHER = "other"
    PURCHASE_RECEIPT = "purchase_receipt"  # a purchase request received
    INVENTORY_PURCHASE = "inventory_purchase"  # a purchase the inventory recorded and no expenditure named


class LicencePurchaseRef(BaseModel):
    """One of a licence's purchases: its place in the licence's `purchases` list, 0 the first (the acquisition's
    if it cost something, then each renewal's that did)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    licence_id: UUID
    purchase: Annotated[int, Field(ge=0, le=10_000)]


class ExpenditureRecorded(Event):
    """Money spent: an invoice, a contract payment, other spend, or an inventory purchase, on `spent_on`."""

    event_type: ClassVar[str] = "assets.expenditure_recorded"

    at: datetime
    expenditure_id: UUID
    fiscal_year: FiscalYear
    spent_on: date
    kind: SpendingKind
    component: CostComponent
    cost_centre: CostCentre
    amount: Money
    capital: bool = False
    vendor: Name = ""
    reference: Name = ""  # the invoice's number
    description: Note = ""
    commitment_id: UUID | None = None
    contract_id: UUID | None = None
    purchase_request_id: UUID | None = None
    device_ids: Annotated[list[UUID], Field(max_length=10_000)] = []
    licence_purchases: Annotated[list[LicencePurchaseRef], Field(max_length=1_000)] = []
