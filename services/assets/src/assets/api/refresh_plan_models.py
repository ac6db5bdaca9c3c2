"""Request and response bodies of the refresh plan API and of the price list that costs it."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from assets.api.contracts_models import Money
from assets.device_csv import cell
from assets.domain.refresh import Replacement
from events import csvfiles
from events.contracts.assets import DeviceKind, MbnClass
from events.contracts.budget import CostCentre, CostComponent
from events.fields import Body, UserId

Label = Annotated[str, Field(max_length=200)]
PriceSource = Literal["model_price", "latest_purchase", "kind_price", "unpriced"]
PLAN_RULE = (
    "a device in service falls due when its useful life ends (purchase date + useful_life_months), or, with no"
    " useful life recorded, when its warranty ends; one whose warranty ends in the year but whose life runs on is"
    " counted in warranty_ending, at no cost. Its replacement costs the price list's price for its kind and model,"
    " else the latest purchase of the same model in the inventory, else the price list's standard price for its"
    ' kind (model ""), else it is unpriced.'
)


class SetModelPriceRequest(Body):
    kind: DeviceKind
    model: Label = Field(default="", description="the model it is the price of; empty: the kind's standard")
    unit_price: Money
    source: Label = Field(default="", description="a vendor's quote, a standing offer")


class ModelPriceResponse(BaseModel):
    kind: DeviceKind
    model: str
    unit_price: Decimal
    source: str
    set_by: str
    set_at: datetime


class AdoptRefreshPlanRequest(Body):
    approver_id: UserId = Field(description="who approved adding the plan to the budget")
    reason: Annotated[str, Field(max_length=5_000)] = ""
    component: CostComponent = CostComponent.MATERIALS
    cost_centre: CostCentre | None = Field(default=None, description="the budget's inventory cost centre by default")


class PlanGroup(BaseModel):
    kind: DeviceKind
    mbn_class: MbnClass
    devices: int = Field(description="devices falling due for replacement in the year")
    end_of_life: int
    warranty_end: int = Field(description="due because their warranty ends and no useful life is recorded")
    replacement_cost: Decimal
    priced_from: dict[PriceSource, int]
    warranty_ending: int = Field(description="warranty ends in the year, life runs on: not replaced, no cost")


class PlanMonth(BaseModel):
    month: str
    cost: Decimal


class PlannedReplacement(BaseModel):
    device_id: UUID
    asset_tag: str
    kind: DeviceKind
    mbn_class: MbnClass
    model: str
    due_on: date
    reason: Literal["end_of_life", "warranty_end"]
    price: Decimal | None
    price_source: PriceSource


class RefreshPlanResponse(BaseModel):
    fiscal_year: int
    first_month: int
    starts_on: date
    ends_on: date
    rule: str
    total: Decimal = Field(description="the replacement cost of every device due in the year, at today's prices")
    devices: int
    unpriced: int = Field(description="devices due for which no price is known: not in the total")
    overdue: int = Field(description="devices in service already due before the year: not in this year's plan")
    warranty_ending: int
    groups: list[PlanGroup]
    months: list[PlanMonth]
    replacements: list[PlannedReplacement] = Field(description="the devices due, soonest first, up to `limit`")


def _replacement(r: Replacement) -> PlannedReplacement:
    d = r.device
    return PlannedReplacement(
        device_id=d.device_id,
        asset_tag=d.asset_tag,
        kind=d.kind,
        mbn_class=d.mbn_class,
        model=d.model,
        due_on=r.due_on,
        reason=r.reason,
        price=r.price,
        price_source=r.price_source,
    )


def plan_body(found: dict, labels: list[str], limit: int) -> dict:
    months = [PlanMonth(month=label, cost=cost) for label, cost in zip(labels, found["months"], strict=True)]
    return RefreshPlanResponse(
        **{
            k: found[k]
            for k in (
                "fiscal_year",
                "first_month",
                "starts_on",
                "ends_on",
                "total",
                "unpriced",
                "overdue",
                "warranty_ending",
                "groups",
            )
        },
        rule=PLAN_RULE,
        devices=len(found["replacements"]),
        months=months,
        replacements=[_replacement(r) for r in found["replacements"][:limit]],
    ).model_dump(mode="json")


REPLACEMENT_COLUMNS = ("asset_tag", "kind", "mbn_class", "model", "due_on", "reason", "price", "price_source")


def replacements_csv(replacements: list[dict]) -> str:
    """The devices due, one row each (the plan's JSON, so both answers agree)."""
    return csvfiles.table(REPLACEMENT_COLUMNS, ([r[c] for c in REPLACEMENT_COLUMNS] for r in replacements), cell)
