"""Procurement events the assets service publishes on `assets.events`: vendor contracts, purchase requests from
request to receipt, and the price list that costs the refresh plan. Amounts are exact, in the tenant's currency."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event
from events.contracts.assets import DeviceKind
from events.contracts.budget import CostCentre, CostComponent, Month

Name = Annotated[str, Field(max_length=200)]
Required = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
PersonId = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Quantity = Annotated[int, Field(gt=0, le=10_000)]

# What one contract covers at most: a fleet's maintenance, a city's licences.
MAX_COVERED = 5_000
MAX_PAYMENTS = 600  # fifty years of monthly payments


class ContractType(StrEnum):
    HARDWARE_MAINTENANCE = "hardware_maintenance"
    SOFTWARE_SUPPORT = "software_support"
    LICENCE_SUBSCRIPTION = "licence_subscription"
    SAAS = "saas"  # software as a service
    TELECOMMUNICATIONS = "telecommunications"
    LEASING = "leasing"
    PROFESSIONAL_SERVICES = "professional_services"


class ScheduledPayment(BaseModel):
    """One payment the contract's term owes the vendor: how much, and when it falls due."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    due_on: date
    amount: Money


class VendorContractRecorded(Event):
    """The city holds a contract with a vendor for its first term, `starts_on` to `ends_on` (inclusive).

    `payments` sum to `value`, each due within the term. The renewal notice falls `renewal_notice_days` before
    `ends_on`: the owner is told then, so there is time to renew, renegotiate or let it end.
    """

    event_type: ClassVar[str] = "assets.vendor_contract_recorded"

    at: datetime
    contract_id: UUID
    contract_type: ContractType
    vendor: Required
    reference: Name = ""  # the contract's number with the vendor or the city clerk
    description: Note = ""
    starts_on: date
    ends_on: date
    value: Money
    payments: Annotated[list[ScheduledPayment], Field(max_length=MAX_PAYMENTS)] = []
    renewal_notice_days: Annotated[int, Field(ge=0, le=3_650)]
    device_ids: Annotated[list[UUID], Field(max_length=MAX_COVERED)] = []
    licence_ids: Annotated[list[UUID], Field(max_length=MAX_COVERED)] = []
    owner_id: PersonId


class VendorContractRenewed(Event):
    """The contract runs for another term (`term` counts from 1, the first), with that term's value and payments."""

    event_type: ClassVar[str] = "assets.vendor_contract_renewed"

    at: datetime
    contract_id: UUID
    term: Annotated[int, Field(ge=2)]
    starts_on: date
    ends_on: date
    value: Money
    payments: Annotated[list[ScheduledPayment], Field(max_length=MAX_PAYMENTS)] = []
    renewal_notice_days: Annotated[int, Field(ge=0, le=3_650)]


class VendorContractTerminated(Event):
    """The contract was ended before its term ran out: `effective_on` is its last day in force."""

    event_type: ClassVar[str] = "assets.vendor_contract_terminated"

    at: datetime
    contract_id: UUID
    effective_on: date
    reason: Annotated[str, Field(min_length=1, max_length=5_000)]


# --- purchase requests ------------------------------------------------------------------------------------------


class Alternative(BaseModel):
    """An option IT weighed and did not recommend, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    option: Required
    cost: Money | None = None
    why_not: Note = ""


class PurchaseRequested(Event):
    """Someone asked IT to buy something: what, why, for whom, how many, at about what cost (the whole request's)."""

    event_type: ClassVar[str] = "assets.purchase_requested"

    at: datetime
    request_id: UUID
    requester_id: PersonId
    item: Required
    justification: Annotated[str, Field(min_length=1, max_length=5_000)]
    for_whom: Name = ""  # a person, a team or a department
    quantity: Quantity
    estimated_cost: Money
    cost_centre: CostCentre | None = None


class PurchaseRecommended(Event):
    """IT's recommendation: the model and its specification, the cost (unit and whole), the alternatives weighed.

    What it becomes once received: devices of `device_kind` (one per unit), a licence of `title_id` (one seat per
    unit), or, with neither, something the inventory does not track (a service, cables).
    """

    event_type: ClassVar[str] = "assets.purchase_recommended"

    at: datetime
    request_id: UUID
    recommended_by: PersonId
    manufacturer: Name = ""
    model: Required
    specification: Annotated[str, Field(min_length=1, max_length=5_000)]
    unit_cost: Money
    cost: Money  # unit_cost x quantity, plus what the order adds (delivery, set-up)
    alternatives: Annotated[list[Alternative], Field(max_length=20)] = []
    device_kind: DeviceKind | None = None
    holds_storage: bool = False
    useful_life_months: Annotated[int, Field(gt=0, le=600)] | None = None
    title_id: UUID | None = None


class PurchaseApproved(Event):
    event_type: ClassVar[str] = "assets.purchase_approved"

    at: datetime
    request_id: UUID
    approver_id: PersonId
    note: Note = ""


class PurchaseRejected(Event):
    event_type: ClassVar[str] = "assets.purchase_rejected"

    at: datetime
    request_id: UUID
    approver_id: PersonId
    reason: Annotated[str, Field(min_length=1, max_length=5_000)]


class PurchaseOrdered(Event):
    """The order went to the vendor: the commitment `commitment_id` (on its own stream) holds the money."""

    event_type: ClassVar[str] = "assets.purchase_ordered"

    at: datetime
    request_id: UUID
    commitment_id: UUID
    vendor: Required
    order_number: Name = ""
    amount: Money
    component: CostComponent
    cost_centre: CostCentre
    expected_month: Month


class PurchaseReceived(Event):
    """The order arrived: the devices registered in stock, or the licence acquired, and the expenditure recorded
    for the receipt (which names them, so the inventory's purchase is not counted again)."""

    event_type: ClassVar[str] = "assets.purchase_received"

    at: datetime
    request_id: UUID
    received_by: PersonId
    expenditure_id: UUID
    cost: Money
    device_ids: Annotated[list[UUID], Field(max_length=10_000)] = []
    licence_id: UUID | None = None


# --- prices -----------------------------------------------------------------------------------------------------


class ModelPriceSet(Event):
    """What replacing a device of `kind` costs now: of the model named, or (model "") the kind's standard one."""

    event_type: ClassVar[str] = "assets.model_price_set"

    at: datetime
    kind: DeviceKind
    model: Name = ""
    unit_price: Money
    set_by: PersonId
    source: Name = ""  # a vendor's quote, a standing offer
