"""The refresh plan, pure: which devices fall due for replacement in a fiscal year, what replacing them costs at
today's prices, per kind and MBN class and per month; and the decider of the model price list that prices them.

A device falls due when its useful life ends (purchase date + `useful_life_months`), or, with no useful life
recorded, when its warranty ends. A device whose warranty ends in the year but whose life runs on is counted
apart (`warranty_ending`), at no cost: the plan replaces it later, and the manager may extend its cover.

Its replacement costs, in this order: the price list's price for its kind and model; the latest purchase of the
same model in the inventory; the price list's standard price for its kind (model ""); else it is unpriced.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from assets.domain.budget import ZERO, fiscal_bounds, month_number
from events.base import Event
from events.contracts.assets import DeviceKind, MbnClass
from events.contracts.budget import RefreshGroup
from events.contracts.purchasing import ModelPriceSet
from events.decider import Decider

PRICE_SOURCES = ("model_price", "latest_purchase", "kind_price", "unpriced")


@dataclass(frozen=True)
class FleetDevice:
    device_id: UUID
    asset_tag: str
    kind: DeviceKind
    mbn_class: MbnClass
    model: str
    purchased_on: date | None
    useful_life_months: int | None
    warranty_ends_on: date | None


@dataclass(frozen=True)
class Prices:
    listed: Mapping[tuple[DeviceKind, str], Decimal]  # (kind, model casefolded; "" the kind's standard) -> price
    latest_purchase: Mapping[str, Decimal]  # model casefolded -> the cost of its latest purchase

    def of(self, device: FleetDevice) -> tuple[Decimal | None, str]:
        model = device.model.casefold()
        if model and (device.kind, model) in self.listed:
            return self.listed[(device.kind, model)], "model_price"
        if model and model in self.latest_purchase:
            return self.latest_purchase[model], "latest_purchase"
        if (device.kind, "") in self.listed:
            return self.listed[(device.kind, "")], "kind_price"
        return None, "unpriced"


@dataclass(frozen=True)
class Replacement:
    device: FleetDevice
    due_on: date
    reason: str  # end_of_life or warranty_end
    month: int  # of the fiscal year, 1 to 12
    price: Decimal | None
    price_source: str


def life_ends_on(device: FleetDevice) -> date | None:
    """The purchase date plus the useful life in calendar months (the month's last day where it is shorter)."""
    if device.purchased_on is None or device.useful_life_months is None:
        return None
    months = device.purchased_on.month - 1 + device.useful_life_months
    year, month = device.purchased_on.year + months // 12, months % 12 + 1
    if year > 9999:
        return None
    return date(year, month, min(device.purchased_on.day, calendar.monthrange(year, month)[1]))


def falls_due(device: FleetDevice) -> tuple[date, str] | None:
    life = life_ends_on(device)
    if life is not None:
        return life, "end_of_life"
    return (device.warranty_ends_on, "warranty_end") if device.warranty_ends_on else None


def plan(fleet: Iterable[FleetDevice], year: int, first_month: int, prices: Prices) -> dict:
    """The year's replacements with their groups, monthly costs and total; those overdue before it, apart."""
    starts, ends = fiscal_bounds(year, first_month)
    replacements, overdue, warranty_ending = [], [], []
    for device in fleet:
        due = falls_due(device)
        if due is not None and starts <= due[0] <= ends:
            replacements.append(Replacement(device, *due, month_number(due[0], year, first_month), *prices.of(device)))
        elif due is not None and due[0] < starts:
            overdue.append(device)
        if due is not None and due[0] > ends and device.warranty_ends_on and starts <= device.warranty_ends_on <= ends:
            warranty_ending.append(device)
    replacements.sort(key=lambda r: (r.due_on, r.device.asset_tag))
    months = [sum((r.price or ZERO for r in replacements if r.month == n), ZERO) for n in range(1, 13)]
    return {
        "fiscal_year": year,
        "starts_on": starts,
        "ends_on": ends,
        "replacements": replacements,
        "groups": groups(replacements, warranty_ending),
        "months": months,
        "total": sum(months, ZERO),
        "unpriced": sum(r.price is None for r in replacements),
        "overdue": len(overdue),
        "warranty_ending": len(warranty_ending),
    }


def groups(replacements: list[Replacement], warranty_ending: list[FleetDevice]) -> list[dict]:
    """Per kind and MBN class: devices due and why, the cost, where the prices came from, warranties ending."""
    keys = sorted(
        {(r.device.kind, r.device.mbn_class) for r in replacements} | {(d.kind, d.mbn_class) for d in warranty_ending}
    )
    found = []
    for kind, mbn_class in keys:
        due = [r for r in replacements if (r.device.kind, r.device.mbn_class) == (kind, mbn_class)]
        found.append(
            {
                "kind": kind,
                "mbn_class": mbn_class,
                "devices": len(due),
                "end_of_life": sum(r.reason == "end_of_life" for r in due),
                "warranty_end": sum(r.reason == "warranty_end" for r in due),
                "replacement_cost": sum((r.price or ZERO for r in due), ZERO),
                "priced_from": {source: sum(r.price_source == source for r in due) for source in PRICE_SOURCES},
                "warranty_ending": sum((d.kind, d.mbn_class) == (kind, mbn_class) for d in warranty_ending),
            }
        )
    return found


def adopted_groups(found: list[dict]) -> tuple[RefreshGroup, ...]:
    return tuple(
        RefreshGroup(
            kind=g["kind"], mbn_class=g["mbn_class"], devices=g["devices"], replacement_cost=g["replacement_cost"]
        )
        for g in found
        if g["devices"]
    )


# --- the price list ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetModelPrice:
    kind: DeviceKind
    unit_price: Decimal
    set_by: str
    at: datetime
    model: str = ""
    source: str = ""


def _set_price(state: int, c: SetModelPrice) -> list[Event]:
    return [ModelPriceSet(**vars(c))]


# The tenant's price list is one stream: each price set is appended to it; a later price for the same kind and
# model replaces the earlier one.
MODEL_PRICES = Decider(initial=0, evolvers={ModelPriceSet: lambda s, e: s + 1}, deciders={SetModelPrice: _set_price})
