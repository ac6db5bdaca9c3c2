"""Purchasing over REST against real Postgres: a request from asked to received, devices and licences entering the
inventory, the commitment and the actual counted once, refusals out of order, staff's own requests."""

from datetime import UTC, datetime

import pytest

from assets.purchasing import record_inventory_spending
from support.builders import device_request
from support.suite import suite_of

YEAR = datetime.now(UTC).year  # receipts are dated the day they are recorded


@pytest.fixture
async def inventory(settings_for, db):
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


async def answered(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def refused(response, rule: str) -> None:
    assert (response.status_code, response.json().get("rule")) == (409, rule), response.text


async def ask(client, headers, **overrides) -> dict:
    body = {
        "item": "Laptops for the GIS interns",
        "justification": "two interns start in May",
        "for_whom": "GIS",
        "quantity": 2,
        "estimated_cost": "3000",
        "cost_centre": "GIS",
        **overrides,
    }
    return await answered(await client.post("/purchase-requests", json=body, headers=headers), 201)


def step(client, request: dict, name: str, headers, **body):
    return client.post(f"/purchase-requests/{request['id']}/{name}", json=body, headers=headers)


LAPTOPS = {
    "manufacturer": "Lenovo",
    "model": "ThinkPad T14",
    "specification": "16 GB, 512 GB SSD",
    "unit_cost": "1400",
    "device_kind": "laptop",
    "holds_storage": True,
    "useful_life_months": 48,
    "alternatives": [{"option": "Dell Latitude 5440", "cost": "1500", "why_not": "dearer"}],
}
ORDER = {"vendor": "CDW", "order_number": "PO-2201", "expected_month": f"{YEAR}-12"}


async def through_order(client, tom, boss, **overrides) -> dict:
    request = await ask(client, tom, **overrides.pop("ask", {}))
    await answered(await step(client, request, "recommend", tom, **overrides.pop("recommend", LAPTOPS)))
    await answered(await step(client, request, "approve", boss))
    return await answered(await step(client, request, "order", boss, **ORDER))


async def test_ordered_laptops_received_enter_the_inventory_in_stock_and_their_cost_counts_once(inventory, tokens):
    client, pool = inventory.assets, inventory.apps["assets"].state.pool
    tom, boss = tokens.headers("technician", sub="tom"), tokens.headers("manager", sub="maria")
    budget = {"lines": [{"component": "materials", "cost_centre": "GIS", "amount": "10000"}]}
    await answered(await client.put(f"/budgets/{YEAR}", json=budget, headers=boss), 201)
    ordered = await through_order(client, tom, boss)
    assert (ordered["status"], ordered["order"]["amount"], ordered["decision"]["approver_id"]) == (
        "ordered",
        "2800.00",
        "maria",
    )
    commitment = await answered(await client.get(f"/commitments/{ordered['order']['commitment_id']}", headers=boss))
    assert (commitment["open_amount"], commitment["purchase_request_id"]) == ("2800.00", ordered["id"])
    received = await answered(
        await step(
            client,
            ordered,
            "receive",
            tom,
            cost="2790.01",
            location="Stores",
            devices=[{"asset_tag": "GIS-101"}, {"asset_tag": "GIS-102"}],
        )
    )
    assert received["status"] == "received" and len(received["receipt"]["device_ids"]) == 2
    devices = (await answered(await client.get("/devices", params={"location": "Stores"}, headers=tom)))["items"]
    assert sorted((d["asset_tag"], d["status"], d["model"]) for d in devices) == [
        ("GIS-101", "in_stock", "ThinkPad T14"),
        ("GIS-102", "in_stock", "ThinkPad T14"),
    ]
    laptop = await answered(await client.get(f"/devices/{received['receipt']['device_ids'][0]}", headers=tom))
    assert (
        laptop["purchase"]["cost"],
        laptop["purchase"]["supplier"],
        laptop["amortization"]["useful_life_months"],
    ) == ("1395.01", "CDW", 48)
    assert await record_inventory_spending(pool) == 0  # the receipt's expenditure already names both laptops
    found = await answered(await client.get(f"/budgets/{YEAR}/variance", headers=boss))
    [gis] = found["lines"]
    assert (gis["actual"], gis["committed"]) == ("2790.01", "9.99")


async def test_a_licence_received_is_acquired_with_a_seat_per_unit_and_counted_once(inventory, tokens):
    client, pool = inventory.assets, inventory.apps["assets"].state.pool
    tom, boss = tokens.headers("technician", sub="tom"), tokens.headers("manager", sub="maria")
    title = await answered(await client.post("/software", json={"name": "ArcGIS Pro"}, headers=tom), 201)
    recommend = {
        "model": "ArcGIS Pro named user",
        "specification": "annual",
        "unit_cost": "700",
        "title_id": title["id"],
    }
    ordered = await through_order(client, tom, boss, ask={"quantity": 3}, recommend=recommend)
    received = await answered(
        await step(
            client,
            ordered,
            "receive",
            tom,
            licence_type="subscription",
            expires_on=f"{YEAR + 1}-06-30",
            key_reference="vault://esri",
        )
    )
    licence = await answered(await client.get(f"/licences/{received['receipt']['licence_id']}", headers=tom))
    assert (licence["seats"], licence["total_cost"], licence["licence_type"]) == (3, "2100.00", "subscription")
    assert await record_inventory_spending(pool) == 0
    spent = (await answered(await client.get("/expenditures", headers=boss)))["items"]
    assert [(e["kind"], e["amount"], e["licence_purchases"]) for e in spent] == [
        ("purchase_receipt", "2100.00", [{"licence_id": licence["id"], "purchase": 0}])
    ]


async def test_each_step_out_of_its_order_is_refused_and_changes_nothing(inventory, tokens):
    client = inventory.assets
    tom, boss = tokens.headers("technician", sub="tom"), tokens.headers("manager", sub="maria")
    request = await ask(client, tom)
    await refused(await step(client, request, "approve", boss), "PurchaseNotRecommended")
    await refused(await step(client, request, "order", boss, **ORDER), "PurchaseNotApproved")
    await refused(await step(client, request, "receive", tom, devices=[]), "PurchaseNotOrdered")
    await answered(await step(client, request, "recommend", tom, **LAPTOPS))
    await refused(await step(client, request, "recommend", tom, **LAPTOPS), "PurchaseAlreadyRecommended")
    own = await ask(client, boss)
    await answered(await step(client, own, "recommend", tom, **LAPTOPS))
    await refused(await step(client, own, "approve", boss), "PurchaseSelfApproval")
    await answered(await step(client, request, "reject", boss, reason="use the spare pool"))
    await refused(await step(client, request, "approve", boss), "PurchaseAlreadyDecided")
    await refused(await step(client, request, "order", boss, **ORDER), "PurchaseWasRejected")
    read = await client.get(f"/purchase-requests/{request['id']}", headers=tom)
    assert (read.json()["status"], read.json()["decision"]["reason"], read.headers["ETag"]) == (
        "rejected",
        "use the spare pool",
        '"3"',
    )


async def test_a_receipt_short_of_tags_or_with_a_tag_taken_writes_nothing(inventory, tokens, db):
    client = inventory.assets
    tom, boss = tokens.headers("technician", sub="tom"), tokens.headers("manager", sub="maria")
    ordered = await through_order(client, tom, boss)
    short = await step(client, ordered, "receive", tom, devices=[{"asset_tag": "GIS-201"}])
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "devices"
    await answered(await client.post("/devices", json=device_request(asset_tag="GIS-202"), headers=tom), 201)
    schema = inventory.settings["assets"].schema
    before = await db.fetchval(f'SELECT count(*) FROM "{schema}".events')
    taken = await step(client, ordered, "receive", tom, devices=[{"asset_tag": "GIS-201"}, {"asset_tag": "GIS-202"}])
    await refused(taken, "AssetTagTaken")
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == before
    assert (await client.get(f"/purchase-requests/{ordered['id']}", headers=tom)).json()["status"] == "ordered"
    await answered(
        await step(client, ordered, "receive", tom, devices=[{"asset_tag": "GIS-201"}, {"asset_tag": "GIS-203"}])
    )
    await refused(await step(client, ordered, "receive", tom, devices=[]), "PurchaseAlreadyReceived")


async def test_staff_ask_and_follow_only_their_own_requests(inventory, tokens):
    client = inventory.assets
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("staff", sub="bob")
    mine = await ask(client, alice, item="A second monitor", quantity=1, estimated_cost="250")
    await ask(client, bob)
    assert [r["id"] for r in (await client.get("/purchase-requests", headers=alice)).json()["items"]] == [mine["id"]]
    assert (await client.get(f"/purchase-requests/{mine['id']}", headers=bob)).status_code == 404
    everyone = (await client.get("/purchase-requests", headers=tokens.headers("auditor"))).json()
    assert everyone["total"] == 2
    other_tenant = tokens.headers("technician", tenant="elsewhere")
    assert (await client.get(f"/purchase-requests/{mine['id']}", headers=other_tenant)).status_code == 404
