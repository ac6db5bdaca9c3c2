"""The refresh plan over REST against real Postgres: a fleet with known purchase dates and lives, priced from the
price list and the latest purchases, adopted once into the next year's budget."""

import json

import pytest

from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


async def answered(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def register(client, headers, *, bought: str, cost: str = "1000", life: int | None = 48, **overrides) -> dict:
    body = device_request(purchase={"purchased_on": bought, "cost": cost}, **overrides)
    if life:
        body["amortization"] = {"useful_life_months": life}
    return await answered(await client.post("/devices", json=body, headers=headers), 201)


async def fleet(client, tech) -> dict:
    """Laptops and a desktop due in 2027, one laptop due later, a retired one, and a phone due on its warranty."""
    due = {
        "l1": await register(client, tech, bought="2023-03-15", cost="1350", model="ThinkPad T14"),
        "l2": await register(client, tech, bought="2023-09-01", cost="1380", model="ThinkPad T14"),
        "d1": await register(
            client, tech, bought="2022-06-30", cost="900", life=60, kind="desktop", model="OptiPlex 7010"
        ),
        "p1": await register(
            client,
            tech,
            bought="2025-01-10",
            cost="780",
            life=None,
            kind="smartphone",
            model="iPhone 15",
            warranty_ends_on="2027-01-09",
        ),
    }
    await register(client, tech, bought="2024-02-01", cost="1400", model="ThinkPad T14")  # due 2028
    retired = await register(client, tech, bought="2023-01-20", cost="1300", model="ThinkPad T14")
    await answered(await client.post(f"/devices/{retired['id']}/retire", json={"reason": "cracked"}, headers=tech))
    return due


async def test_the_plan_counts_devices_due_per_kind_and_class_with_their_replacement_cost(inventory, tokens):
    client, tech, boss = inventory.assets, tokens.headers("technician"), tokens.headers("manager")
    due = await fleet(client, tech)
    await answered(
        await client.post(
            "/model-prices",
            json={"kind": "laptop", "model": "thinkpad t14", "unit_price": "1450", "source": "quote Q-7"},
            headers=boss,
        ),
        201,
    )
    plan = await answered(await client.get("/refresh-plan", params={"fiscal_year": 2027}, headers=boss))
    assert [r["asset_tag"] for r in plan["replacements"]] == [due[k]["asset_tag"] for k in ("p1", "l1", "d1", "l2")]
    groups = {g["kind"]: g for g in plan["groups"]}
    laptops, desktops, phones = groups["laptop"], groups["desktop"], groups["smartphone"]
    assert (laptops["mbn_class"], laptops["devices"], laptops["replacement_cost"]) == ("laptops_tablets", 2, "2900.00")
    assert laptops["priced_from"]["model_price"] == 2
    assert (desktops["mbn_class"], desktops["replacement_cost"], desktops["priced_from"]["latest_purchase"]) == (
        "desktops_thin_clients",
        "900.00",
        1,
    )
    assert (phones["warranty_end"], phones["replacement_cost"]) == (1, "780.00")
    assert (plan["total"], plan["devices"], plan["unpriced"]) == ("4580.00", 4, 0)
    assert [(m["month"], m["cost"]) for m in plan["months"] if m["cost"] != "0.00"] == [
        ("2027-01", "780.00"),
        ("2027-03", "1450.00"),
        ("2027-06", "900.00"),
        ("2027-09", "1450.00"),
    ]
    csv = await client.get("/refresh-plan", params={"fiscal_year": 2027, "format": "csv"}, headers=boss)
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "asset_tag,kind,mbn_class,model,due_on,reason,price,price_source"
    assert [line.split(",")[0] for line in lines[1:]] == [r["asset_tag"] for r in plan["replacements"]]
    assert lines[1].split(",")[-2:] == [str(plan["replacements"][0]["price"]), plan["replacements"][0]["price_source"]]
    prices = await answered(await client.get("/model-prices", headers=tech))
    assert [(p["model"], p["unit_price"]) for p in prices] == [("thinkpad t14", "1450.00")]
    elsewhere = await answered(
        await client.get(
            "/refresh-plan", params={"fiscal_year": 2027}, headers=tokens.headers("manager", tenant="elsewhere")
        )
    )
    assert (elsewhere["devices"], elsewhere["total"]) == (0, "0.00")


async def test_the_plan_is_adopted_once_into_the_years_budget_phased_by_when_devices_fall_due(inventory, tokens, db):
    client, tech, boss = inventory.assets, tokens.headers("technician"), tokens.headers("manager")
    await fleet(client, tech)
    adopt = {"approver_id": "cfo", "reason": "2027 proposal"}
    missing = await client.post("/refresh-plan/2027/adopt", json=adopt, headers=boss)
    assert missing.status_code == 404
    await answered(
        await client.put("/budgets/2027", json={"lines": [], "inventory_cost_centre": "IT-OPS"}, headers=boss), 201
    )
    budget = await answered(await client.post("/refresh-plan/2027/adopt", json=adopt, headers=boss), 201)
    [line] = budget["lines"]
    assert (line["component"], line["cost_centre"], line["amount"]) == (
        "materials",
        "IT-OPS",
        "4480.00",
    )  # laptops at their latest purchase, 1400
    assert (line["months"][0], line["months"][2], budget["refresh_plan_adopted"]) == ("780.00", "1400.00", True)
    assert budget["changes"][0]["kind"] == "refresh_plan" and budget["changes"][0]["approver_id"] == "cfo"
    twice = await client.post("/refresh-plan/2027/adopt", json=adopt, headers=boss)
    assert (twice.status_code, twice.json()["rule"]) == (409, "RefreshPlanAlreadyAdopted")
    await answered(await client.put("/budgets/2035", json={"lines": []}, headers=boss), 201)
    empty = await client.post("/refresh-plan/2035/adopt", json=adopt, headers=boss)
    assert (empty.status_code, empty.json()["rule"]) == (409, "RefreshPlanEmpty")
    schema = inventory.settings["assets"].schema
    adopted = json.loads(
        await db.fetchval(
            f"SELECT envelope -> 'data' FROM \"{schema}\".events WHERE event_type = 'assets.refresh_plan_adopted'"
        )
    )
    assert sorted((g["kind"], g["devices"]) for g in adopted["groups"]) == [
        ("desktop", 1),
        ("laptop", 2),
        ("smartphone", 1),
    ]
