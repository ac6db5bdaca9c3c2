"""The refresh plan, pure: a fleet with known purchase dates, lives and warranties, planned for a fiscal year."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from assets.domain.refresh import MODEL_PRICES, FleetDevice, Prices, SetModelPrice, life_ends_on, plan
from events.contracts.assets import DeviceKind, MbnClass
from events.contracts.purchasing import ModelPriceSet
from events.testing import given

LAPTOP, DESKTOP, PHONE = DeviceKind.LAPTOP, DeviceKind.DESKTOP, DeviceKind.SMARTPHONE
D = Decimal


def device(kind=LAPTOP, model="T14", bought=date(2022, 5, 10), life=48, warranty=None, tag=None) -> FleetDevice:
    mbn = {LAPTOP: MbnClass.LAPTOPS_TABLETS, DESKTOP: MbnClass.DESKTOPS_THIN_CLIENTS, PHONE: MbnClass.SMARTPHONES}
    return FleetDevice(uuid4(), tag or f"CITY-{uuid4().hex[:6]}", kind, mbn[kind], model, bought, life, warranty)


PRICES = Prices(
    listed={(LAPTOP, "t14"): D("1500.00"), (DESKTOP, ""): D("900.00")},
    latest_purchase={"t14": D("1300.00"), "iphone 13": D("800.00")},
)


def test_a_useful_life_ends_the_same_day_so_many_months_on_or_the_months_last_day():
    assert life_ends_on(device(bought=date(2022, 5, 10), life=48)) == date(2026, 5, 10)
    assert life_ends_on(device(bought=date(2023, 1, 31), life=13)) == date(2024, 2, 29)
    assert life_ends_on(device(bought=None)) is None


def test_devices_due_in_the_year_are_counted_per_kind_and_mbn_class_at_todays_prices():
    fleet = [
        device(tag="L1", bought=date(2022, 5, 10)),  # life ends 2026-05-10: due, price list
        device(tag="L2", bought=date(2022, 11, 1)),  # 2026-11-01: due
        device(tag="L3", bought=date(2023, 2, 1)),  # 2027-02-01: next year
        device(tag="D1", kind=DESKTOP, model="OptiPlex 7000", bought=date(2021, 3, 3), life=60),  # 2026-03-03: kind
        device(tag="P1", kind=PHONE, model="iPhone 13", bought=None, life=None, warranty=date(2026, 8, 31)),
        device(tag="P2", kind=PHONE, model="Pixel 4", bought=None, life=None, warranty=date(2026, 9, 30)),  # unpriced
        device(tag="OLD", bought=date(2019, 1, 1)),  # due 2023: overdue, not in the year
    ]
    found = plan(fleet, 2026, 1, PRICES)
    assert [r.device.asset_tag for r in found["replacements"]] == ["D1", "L1", "P1", "P2", "L2"]
    by_kind = {g["kind"]: g for g in found["groups"]}
    assert (by_kind[LAPTOP]["devices"], by_kind[LAPTOP]["replacement_cost"]) == (2, D("3000.00"))
    assert by_kind[LAPTOP]["priced_from"]["model_price"] == 2
    assert (by_kind[DESKTOP]["replacement_cost"], by_kind[DESKTOP]["priced_from"]["kind_price"]) == (D("900.00"), 1)
    assert (by_kind[PHONE]["devices"], by_kind[PHONE]["warranty_end"], by_kind[PHONE]["replacement_cost"]) == (
        2,
        2,
        D("800.00"),
    )
    assert by_kind[PHONE]["priced_from"] == {"model_price": 0, "latest_purchase": 1, "kind_price": 0, "unpriced": 1}
    assert (found["total"], found["unpriced"], found["overdue"]) == (D("4700.00"), 1, 1)
    assert found["months"][2] == D("900.00") and found["months"][4] == D("1500.00") and found["months"][7] == D("800")
    assert sum(found["months"], D(0)) == found["total"]


def test_a_warranty_ending_while_the_life_runs_on_is_counted_apart_at_no_cost():
    found = plan([device(bought=date(2024, 1, 15), life=60, warranty=date(2026, 1, 14))], 2026, 1, PRICES)
    assert (found["replacements"], found["warranty_ending"], found["total"]) == ([], 1, D("0"))
    assert found["groups"][0]["warranty_ending"] == 1


def test_a_fiscal_year_from_april_takes_the_devices_due_in_its_own_twelve_months():
    fleet = [device(tag="MAR", bought=date(2022, 3, 31)), device(tag="APR", bought=date(2022, 4, 1))]
    assert [r.device.asset_tag for r in plan(fleet, 2026, 4, PRICES)["replacements"]] == ["MAR"]
    found = plan(fleet, 2027, 4, PRICES)
    assert [(r.device.asset_tag, r.month) for r in found["replacements"]] == [("APR", 1)]


def test_a_price_set_is_appended_to_the_tenants_price_list():
    at = datetime(2026, 3, 2, tzinfo=UTC)
    given(MODEL_PRICES).then(
        SetModelPrice(LAPTOP, D("1450"), "maria", at, model="T14", source="quote Q-7"),
        ModelPriceSet(at=at, kind=LAPTOP, model="T14", unit_price=D("1450"), set_by="maria", source="quote Q-7"),
    )
