"""INTN243 from the department's own spending, across the suite: expenditures recorded through assets reach metrics
over Kafka, and its /mbn/results divides the year's operating cost by the supported FTE as the definition does,
INTN243T adding the devices' amortization in place of their purchase, with the spending behind the figure listed."""

from decimal import Decimal

import pytest

from support.apps import eventually, ok
from support.suite import suite_of

YEAR = 2025
OPERATING = [("materials", "2400.00", "2025-02-10", "toner and cables"),
             ("contracted_services", "18000.00", "2025-04-01", "help desk overflow"),
             ("rents_financial_expenses", "6000.00", "2025-06-30", "data centre rack")]  # fmt: skip


@pytest.fixture
async def suite(settings_for, db):
    """Assets and metrics with their relays, and the metrics projector consuming every topic."""
    async with suite_of(settings_for, "assets", "metrics", projector=True) as running_suite:
        yield running_suite


async def spend(suite, manager, component: str, amount: str, day: str, description: str, **fields) -> str:
    body = {"component": component, "cost_centre": "IT-OPS", "amount": amount, "spent_on": day, "vendor": "CDW",
            "description": description, **fields}  # fmt: skip
    return (await ok(await suite.assets.post("/expenditures", json=body, headers=manager), 201))["id"]


async def laptop_bought(suite, tokens) -> str:
    """A laptop in the inventory: 1,800.00 over 36 months from February 2025, 11 months of 50.00 in the year."""
    body = {"asset_tag": "L-100", "kind": "laptop", "holds_storage": True, "at": "2025-02-01T09:00:00Z",
            "purchase": {"purchased_on": "2025-02-01", "cost": "1800.00"},
            "amortization": {"useful_life_months": 36}}  # fmt: skip
    registered = await suite.assets.post("/devices", json=body, headers=tokens.headers("technician", sub="tom"))
    return (await ok(registered, 201))["id"]


@pytest.mark.timeout(120)
async def test_intn243_is_the_operating_spending_recorded_in_assets_per_supported_fte(suite, tokens):
    manager, auditor = tokens.headers("manager", sub="maria"), tokens.headers("auditor")
    spent = [await spend(suite, manager, *line) for line in OPERATING]
    await spend(suite, manager, "materials", "3600.00", "2025-02-01", "laptops", capital=True)  # amortized instead
    laptop = await laptop_bought(suite, tokens)
    fte = {"fiscal_year": YEAR, "input_id": "INTN010", "value": "312.90", "provenance": {"source": "HR: FTE 2025"}}
    await ok(await suite.metrics.post("/mbn/inputs", json=fte, headers=manager), 201)
    amortized = await ok(await suite.assets.get(f"/devices/{laptop}/amortization", params={"as_of": f"{YEAR}-12-31"},
                                                headers=auditor))  # fmt: skip
    assert Decimal(amortized["amount_for_fiscal_year"]) == Decimal("550.00")

    async def arrived() -> dict | None:
        found = await ok(await suite.metrics.get("/mbn/results", params={"fiscal_year": YEAR}, headers=auditor))
        measures = {m["measure"]: m for m in found["measures"]}
        numerators = {m: measures[m]["numerator"] for m in ("INTN243", "INTN243T") if m in measures}
        return measures if numerators == {"INTN243": "26400.00", "INTN243T": "26950.00"} else None

    measures = await eventually(arrived, within=60, interval=0.2)
    # 2,400.00 + 18,000.00 + 6,000.00 = 26,400.00 over 312 whole FTE = 84.6154, rounded half up; the capital laptops
    # are not in it: INTN243T adds the laptop's 550.00 of amortization, 26,950.00 / 312 = 86.3782.
    assert (measures["INTN243"]["value"], measures["INTN243"]["denominator"]) == ("85", "312")
    assert measures["INTN243T"]["value"] == "86"
    materials = next(s for s in measures["INTN243"]["sources"] if s["input_id"] == "INTN243.materials")
    assert materials["source"].startswith("assets events") and materials["value"] == "2400.00"

    behind = await ok(await suite.metrics.get("/mbn/results/INTN243/spending", params={"fiscal_year": YEAR},
                                              headers=tokens.headers("reporting")))  # fmt: skip
    assert sorted(i["expenditure_id"] for i in behind["items"]) == sorted(spent)
    assert [(i["component"], i["amount"], i["description"]) for i in behind["items"]] == [
        (component, amount, description) for component, amount, _, description in sorted(OPERATING)
    ]
