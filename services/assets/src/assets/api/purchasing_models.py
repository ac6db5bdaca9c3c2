"""Request and response bodies of the purchasing API: a purchase request and each of its steps."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from assets.api.budgets_models import Positive
from assets.api.contracts_models import Money
from assets.api.software_models import KeyReference
from assets.domain.purchase_request import RecommendPurchase
from events.contracts.assets import DeviceKind
from events.contracts.budget import CostCentre, CostComponent, Month
from events.contracts.purchasing import Alternative
from events.contracts.software import LicenceType
from events.fields import Body, Day, Note, Short

Label = Annotated[str, Field(max_length=200)]
Quantity = Annotated[int, Field(gt=0, le=10_000)]


class RequestPurchaseRequest(Body):
    item: Short = Field(description="what is asked for")
    justification: Note = Field(description="why")
    for_whom: Label = Field(default="", description="a person, a team or a department")
    quantity: Quantity = 1
    estimated_cost: Money = Field(description="the whole request's, as the requester guesses it")
    cost_centre: CostCentre | None = None


class AlternativeRequest(Body):
    option: Short
    cost: Money | None = None
    why_not: Annotated[str, Field(max_length=5_000)] = ""


class RecommendPurchaseRequest(Body):
    manufacturer: Label = ""
    model: Short
    specification: Note
    unit_cost: Money
    cost: Money | None = Field(default=None, description="the whole purchase; unit cost x quantity by default")
    alternatives: Annotated[list[AlternativeRequest], Field(max_length=20)] = []
    device_kind: DeviceKind | None = Field(default=None, description="received as devices of this kind, one per unit")
    holds_storage: bool = False
    useful_life_months: Annotated[int, Field(gt=0, le=600)] | None = None
    title_id: UUID | None = Field(default=None, description="received as a licence of this title, a seat per unit")

    def command(self, recommended_by: str, at: datetime) -> RecommendPurchase:
        fields = self.model_dump(exclude={"alternatives"})
        alternatives = tuple(Alternative(**a.model_dump()) for a in self.alternatives)
        return RecommendPurchase(recommended_by=recommended_by, at=at, alternatives=alternatives, **fields)


class ApprovePurchaseRequest(Body):
    note: Annotated[str, Field(max_length=5_000)] = ""


class RejectPurchaseRequest(Body):
    reason: Note


class OrderPurchaseRequest(Body):
    vendor: Short
    order_number: Label = ""
    amount: Positive | None = Field(default=None, description="what the order commits; the recommended cost by default")
    component: CostComponent = CostComponent.MATERIALS
    cost_centre: CostCentre | None = Field(default=None, description="the request's, by default")
    expected_month: Month = Field(description="when the money is expected to go out, 2026-05")


def _tags_once(devices: list) -> list:
    if len({d.asset_tag.casefold() for d in devices}) != len(devices):
        raise ValueError("gives an asset tag twice: a tag names one device")
    return devices


class ReceivedDevice(Body):
    asset_tag: Short
    serial: Label = ""


class ReceivePurchaseRequest(Body):
    devices: Annotated[list[ReceivedDevice], Field(max_length=10_000), AfterValidator(_tags_once)] = Field(
        default=[], description="for devices: each unit received, under its asset tag"
    )
    cost: Money | None = Field(default=None, description="what the receipt cost; the order's amount by default")
    invoice_reference: Label = ""
    location: Label = ""
    department: Label = ""
    warranty_ends_on: Day | None = None
    licence_type: LicenceType = Field(default=LicenceType.PERPETUAL, description="for a licence")
    expires_on: Day | None = Field(default=None, description="for a licence that lapses")
    key_reference: KeyReference = Field(default="", description="where a licence's key is kept, never the key")


class RecommendationView(BaseModel):
    at: datetime
    recommended_by: str
    manufacturer: str
    model: str
    specification: str
    unit_cost: Decimal
    cost: Decimal
    alternatives: list[Alternative]
    device_kind: DeviceKind | None
    holds_storage: bool
    useful_life_months: int | None
    title_id: UUID | None


class DecisionView(BaseModel):
    outcome: Literal["approved", "rejected"]
    at: datetime
    approver_id: str
    note: str = ""
    reason: str = ""


class OrderView(BaseModel):
    at: datetime
    commitment_id: UUID
    vendor: str
    order_number: str
    amount: Decimal
    component: CostComponent
    cost_centre: str
    expected_month: str


class ReceiptView(BaseModel):
    at: datetime
    received_by: str
    expenditure_id: UUID
    cost: Decimal
    device_ids: list[UUID]
    licence_id: UUID | None


class PurchaseRequestResponse(BaseModel):
    id: UUID
    requester_id: str
    item: str
    justification: str
    for_whom: str
    quantity: int
    estimated_cost: Decimal
    cost_centre: str | None
    status: Literal["requested", "recommended", "approved", "rejected", "ordered", "received"]
    recommendation: RecommendationView | None
    decision: DecisionView | None
    order: OrderView | None
    receipt: ReceiptView | None
    requested_at: datetime
    updated_at: datetime
    version: int


class PurchaseRequestPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[PurchaseRequestResponse]


def request_body(row) -> dict:
    return PurchaseRequestResponse(**row).model_dump(mode="json")
