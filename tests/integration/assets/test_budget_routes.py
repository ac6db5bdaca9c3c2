"""The budget over REST against real Postgres: setting and amending it, commitments and spending, the variance with
a device purchase counted once, the overspend warning, tenants."""

from uuid import uuid4

import pytest

from assets.purchasing import record_inventory_spending
from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


async def answered(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def budget_request(**overrides) -> dict:
    lines = [
        {"component": "materials", "cost_centre": "IT-OPS", "amount": "10000"},
        {"component": "contracted_services", "cost_centre": "IT-OPS", "amount": "1200.00"},
    ]
    return {"lines": lines, "inventory_cost_centre": "IT-OPS", **overrides}


async def set_budget(client, headers, year: int = 2026, **overrides) -> dict:
    return await answered(await client.put(f"/budgets/{year}", json=budget_request(**overrides), headers=headers), 201)


async def line(client, headers, component: str = "materials", year: int = 2026, as_of: str = "2026-06-15") -> dict:
    found = await answered(await client.get(f"/budgets/{year}/variance", params={"as_of": as_of}, headers=headers))
    return next(row for row in found["lines"] if (row["component"], row["cost_centre"]) == (component, "IT-OPS"))


async def expenditure(client, headers, **overrides) -> dict:
    body = {
        "component": "materials",
        "cost_centre": "IT-OPS",
        "amount": "100",
        "spent_on": "2026-03-20",
        "vendor": "CDW",
        **overrides,
    }
    return await client.post("/expenditures", json=body, headers=headers)


async def test_a_budget_is_set_phased_read_and_replaced_only_at_the_version_seen(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager", sub="maria")
    budget = await set_budget(client, boss)
    materials = next(row for row in budget["lines"] if row["component"] == "materials")
    assert (budget["total"], materials["amount"], materials["months"][0]) == ("11200.00", "10000.00", "833.34")
    read = await client.get("/budgets/2026", headers=tokens.headers("auditor"))
    assert (read.status_code, read.headers["ETag"], read.json()["set_by"]) == (200, '"1"', "maria")
    stale = await client.put("/budgets/2026", json=budget_request(), headers={**boss, "If-Match": '"9"'})
    assert stale.status_code == 412
    replaced = await client.put("/budgets/2026", json=budget_request(lines=[]), headers={**boss, "If-Match": '"1"'})
    assert (replaced.status_code, replaced.json()["total"], replaced.headers["ETag"]) == (200, "0.00", '"2"')


async def test_bad_phasing_and_overlapping_fiscal_years_are_refused(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager")
    bad = budget_request(
        lines=[{"component": "materials", "cost_centre": "IT", "amount": "12", "months": ["1"] * 11 + ["2"]}]
    )
    refused = await client.put("/budgets/2026", json=bad, headers=boss)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lines[0].months"
    await set_budget(client, boss)
    overlap = await client.put("/budgets/2027", json=budget_request(first_month=4), headers=boss)
    assert (overlap.status_code, overlap.json()["rule"]) == (409, "FiscalYearsOverlap")


async def test_an_amendment_records_its_reason_and_approver_and_leaves_no_line_below_nothing(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager")
    missing = await client.post(
        "/budgets/2030/amendments",
        json={
            "reason": "r",
            "approver_id": "cfo",
            "changes": [{"component": "materials", "cost_centre": "IT-OPS", "change": "1"}],
        },
        headers=boss,
    )
    assert missing.status_code == 404
    await set_budget(client, boss)
    change = {"component": "materials", "cost_centre": "IT-OPS", "change": "-1200.00", "months": ["-100"] * 12}
    amended = await answered(
        await client.post(
            "/budgets/2026/amendments",
            json={"reason": "council motion 26-114", "approver_id": "cfo", "changes": [change]},
            headers=boss,
        ),
        201,
    )
    assert next(row for row in amended["lines"] if row["component"] == "materials")["amount"] == "8800.00"
    assert [(c["kind"], c["approver_id"], c["reason"]) for c in amended["changes"]] == [
        ("amendment", "cfo", "council motion 26-114")
    ]
    too_much = await client.post(
        "/budgets/2026/amendments",
        json={
            "reason": "cut",
            "approver_id": "cfo",
            "changes": [{"component": "contracted_services", "cost_centre": "it-ops", "change": "-1200.01"}],
        },
        headers=boss,
    )
    assert (too_much.status_code, too_much.json()["rule"]) == (409, "BudgetLineBelowZero")


async def test_a_device_purchase_counts_once_whether_an_invoice_names_it_or_the_inventory_alone_records_it(
    inventory, tokens, db
):
    client, boss = inventory.assets, tokens.headers("manager")
    tech, pool = tokens.headers("technician"), inventory.apps["assets"].state.pool
    await set_budget(client, boss)
    laptop = device_request(
        purchase={"purchased_on": "2026-03-10", "cost": "1200.00", "supplier": "CDW"},
        amortization={"useful_life_months": 48},
    )
    laptop = await answered(await client.post("/devices", json=laptop, headers=tech), 201)
    assert (await line(client, boss))["actual"] == "1200.00"
    invoice = await answered(await expenditure(client, boss, amount="1250.00", device_ids=[laptop["id"]]), 201)
    assert (await line(client, boss))["actual"] == "1250.00"
    again = await expenditure(client, boss, amount="1250.00", device_ids=[laptop["id"]])
    assert (again.status_code, again.json()["rule"]) == (409, "InventoryPurchaseAlreadyCounted")
    phone = device_request(kind="smartphone", purchase={"purchased_on": "2026-04-02", "cost": "800.00"})
    await answered(await client.post("/devices", json=phone, headers=tech), 201)
    title = await answered(await client.post("/software", json={"name": "Office"}, headers=tech), 201)
    await answered(
        await client.post(
            "/licences",
            json={
                "title_id": title["id"],
                "licence_type": "perpetual",
                "seats": 5,
                "purchase": {"cost": "500", "purchased_on": "2026-05-01"},
            },
            headers=tech,
        ),
        201,
    )
    assert (await line(client, boss))["actual"] == "2550.00"
    assert await record_inventory_spending(pool) == 2
    assert await record_inventory_spending(pool) == 0
    materials = await line(client, boss)
    assert (materials["actual"], [m["actual"] for m in materials["months"][2:5]]) == (
        "2550.00",
        ["1250.00", "800.00", "500.00"],
    )
    spent = await answered(await client.get("/expenditures", params={"fiscal_year": 2026}, headers=boss))
    assert sorted((e["kind"], e["amount"]) for e in spent["items"]) == [
        ("inventory_purchase", "500.00"),
        ("inventory_purchase", "800.00"),
        ("invoice", "1250.00"),
    ]
    assert invoice["device_ids"] == [laptop["id"]]
    schema = inventory.settings["assets"].schema
    recorded = await db.fetchval(
        f"SELECT count(*) FROM \"{schema}\".events WHERE event_type = 'assets.expenditure_recorded'"
    )
    assert recorded == 3


async def test_commitments_past_the_budget_warn_before_the_actual_overspends(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager")
    await set_budget(client, boss)
    order = {
        "component": "contracted_services",
        "cost_centre": "IT-OPS",
        "amount": "1000",
        "vendor": "Esri",
        "expected_month": "2026-09",
    }
    commitment = await answered(await client.post("/commitments", json=order, headers=boss), 201)
    await answered(await expenditure(client, boss, component="contracted_services", amount="300"), 201)
    services = await line(client, boss, "contracted_services")
    assert (services["committed"], services["actual"], services["warning"]) == (
        "1000.00",
        "300.00",
        "committed_over_budget",
    )
    variance = await answered(
        await client.get("/budgets/2026/variance", params={"as_of": "2026-06-15"}, headers=tokens.headers("auditor"))
    )
    assert any(w["kind"] == "committed_over_budget" and w["cost_centre"] == "IT-OPS" for w in variance["warnings"])
    settled = await expenditure(
        client,
        boss,
        component="contracted_services",
        amount="950",
        commitment_id=commitment["id"],
        spent_on="2026-09-02",
    )
    assert settled.status_code == 201, settled.text
    after = await answered(await client.get(f"/commitments/{commitment['id']}", headers=boss))
    assert (after["open_amount"], after["drawn"]) == ("50.00", "950.00")
    services = await line(client, boss, "contracted_services")
    assert (services["committed"], services["actual"], services["warning"]) == ("50.00", "1250.00", "overspent")
    closed = await answered(
        await client.post(f"/commitments/{commitment['id']}/close", json={"reason": "done"}, headers=boss)
    )
    assert (closed["open_amount"], closed["released"], closed["closed"]) == ("0.00", "50.00", True)
    late = await expenditure(client, boss, component="contracted_services", commitment_id=commitment["id"])
    assert (late.status_code, late.json()["rule"]) == (409, "CommitmentClosed")


async def test_spending_naming_what_the_tenant_lacks_is_refused_by_field_and_writes_nothing(inventory, tokens, db):
    client, boss = inventory.assets, tokens.headers("manager")
    other = await answered(
        await client.post(
            "/devices",
            json=device_request(purchase={"purchased_on": "2026-01-02", "cost": "10"}),
            headers=tokens.headers("technician", tenant="elsewhere"),
        ),
        201,
    )
    for field, body in (
        ("commitment_id", {"commitment_id": str(uuid4())}),
        ("device_ids", {"device_ids": [other["id"]]}),
        ("contract_id", {"kind": "contract_payment"}),
        ("licence_purchases", {"licence_purchases": [{"licence_id": str(uuid4()), "purchase": 0}]}),
    ):
        refused = await expenditure(client, boss, **body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
    schema = inventory.settings["assets"].schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".budget_spending') == 0
    await set_budget(client, boss)
    elsewhere = tokens.headers("manager", tenant="elsewhere")
    assert (await client.get("/budgets/2026/variance", headers=elsewhere)).status_code == 404
    assert (await client.get("/expenditures", headers=elsewhere)).json()["total"] == 0
