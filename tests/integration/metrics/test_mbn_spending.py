"""The city's INTN243 from the assets service's actual spending, through the projector's batch handler as the consumer
applies it, against Postgres: operating actuals per component, capital purchases left to INTN243T's amortization,
a manager's figure winning over the actuals, the spending behind the figure, tenants apart."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from events.consumer import Outcome
from events.contracts import assets as ev
from events.contracts.budget import CostComponent, ExpenditureRecorded, SpendingKind
from events.envelope import Context, Envelope, wrap
from metrics.projections import projection
from support.apps import ok
from support.records import deliver_batch

YEAR = 2024
FTE = "1000.40"  # budgeted FTE: INTN243 divides by whole FTE, 1000
SERVER = uuid4()


async def deliver(pool, *envelopes: Envelope) -> list[Outcome]:
    """The records as they come off `assets.events`, applied in one batch through the consumer and the projection."""
    return await deliver_batch(pool, "metrics.projector", projection, envelopes, "assets.events")


def context(tenant: str) -> Context:
    return Context(tenant=tenant, actor="maria", correlation_id="corr-spending", recorded_at=datetime.now(UTC))


def spent(tenant: str, component: CostComponent, amount: str, day: str, **fields) -> Envelope:
    """An expenditure as the assets service appends it: its own stream, version 1."""
    spent_on = date.fromisoformat(day)
    event = ExpenditureRecorded(
        at=datetime(spent_on.year, spent_on.month, spent_on.day, 15, tzinfo=UTC), expenditure_id=uuid4(),
        fiscal_year=spent_on.year, spent_on=spent_on, kind=fields.pop("kind", SpendingKind.INVOICE),
        component=component, cost_centre="IT-OPS", amount=Decimal(amount), **fields,
    )  # fmt: skip
    return wrap(event, stream_id=str(event.expenditure_id), stream_version=1, ctx=context(tenant))


def server_bought(tenant: str) -> Envelope:
    """The server the capital expenditure paid for, in the inventory: 36,000.00 over 36 months from January 2024."""
    event = ev.DeviceRegistered(
        at=datetime(2024, 1, 10, 9, tzinfo=UTC), device_id=SERVER, asset_tag="SRV-1", kind=ev.DeviceKind.SERVER,
        holds_storage=True, mbn_class=ev.MbnClass.NOT_COUNTED,
        purchase=ev.Purchase(purchased_on=date(2024, 1, 10), cost=Decimal("36000.00")),
        amortization=ev.Amortization(useful_life_months=36),
    )  # fmt: skip
    return wrap(event, stream_id=str(SERVER), stream_version=1, ctx=context(tenant))


def the_years_spending(tenant: str) -> list[Envelope]:
    c = CostComponent
    return [
        spent(tenant, c.MATERIALS, "1200.00", "2024-02-12", vendor="CDW", reference="INV-1", description="toner"),
        spent(tenant, c.MATERIALS, "300.50", "2024-05-03", kind=SpendingKind.OTHER, description="patch cables"),
        spent(tenant, c.CONTRACTED_SERVICES, "45000.00", "2024-03-31", contract_id=uuid4(), vendor="Telus"),
        spent(tenant, c.RENTS_FINANCIAL_EXPENSES, "12000.00", "2024-07-01", vendor="Bell", description="fibre"),
        spent(tenant, c.SALARIES_WAGES_BENEFITS, "5000.00", "2024-09-30", vendor="Agency", description="a temp"),
        spent(tenant, c.MATERIALS, "36000.00", "2024-01-10", capital=True, device_ids=[SERVER], vendor="Dell"),
        spent(tenant, c.MATERIALS, "999.00", "2023-12-20", vendor="CDW"),  # the year before
        server_bought(tenant),
    ]


async def results(client, headers, year: int = YEAR) -> dict:
    found = await ok(await client.get("/mbn/results", params={"fiscal_year": year}, headers=headers))
    return {m["measure"]: m for m in found["measures"]}


def figures(measure: dict) -> tuple[Decimal, Decimal, Decimal]:
    return Decimal(measure["numerator"]), Decimal(measure["denominator"]), Decimal(measure["value"])


async def record(client, headers, input_id: str, value: str, source: str = "Finance: FIR 2024") -> None:
    body = {"fiscal_year": YEAR, "input_id": input_id, "value": value, "provenance": {"source": source}}
    await ok(await client.post("/mbn/inputs", json=body, headers=headers), 201)


async def behind(client, headers, measure: str = "INTN243", **params) -> dict:
    url = f"/mbn/results/{measure}/spending"
    return await ok(await client.get(url, params={"fiscal_year": YEAR, **params}, headers=headers))


async def test_intn243_is_the_years_operating_spending_per_fte_and_intn243t_adds_the_amortization_not_the_purchase(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, auditor = suite.metrics, tokens.headers("auditor")
    spending = the_years_spending(tokens.tenant)
    assert set(await deliver(pool, *spending)) == {Outcome.APPLIED}
    await record(client, tokens.headers("manager"), "INTN010", FTE)

    found = await results(client, auditor)
    # 5,000.00 + 1,200.00 + 300.50 + 45,000.00 + 12,000.00 = 63,500.50 over 1,000 FTE = 63.5005, rounded half up;
    # the server's 36,000.00 is not in it: INTN243T adds its 2024 amortization, 12 months of 1,000.00, instead.
    assert figures(found["INTN243"]) == (Decimal("63500.50"), Decimal(1000), Decimal(64))
    assert figures(found["INTN243T"]) == (Decimal("75500.50"), Decimal(1000), Decimal(76))
    sources = {s["input_id"]: s for s in found["INTN243"]["sources"]}
    materials = sources["INTN243.materials"]
    assert (Decimal(materials["value"]), materials["document"]) == (
        Decimal("1500.50"),
        f"GET /mbn/results/INTN243/spending?fiscal_year={YEAR}&component=materials",
    )
    assert all(sources[f"INTN243.{c.value}"]["source"].startswith("assets events") for c in CostComponent)
    transfers = sources["INTN243.external_transfers"]
    assert Decimal(transfers["value"]) == 0 and transfers["note"].startswith("no operating expenditure")

    assert set(await deliver(pool, *spending)) == {Outcome.DUPLICATE}  # redelivered: nothing counts twice
    assert figures((await results(client, auditor))["INTN243"]) == (Decimal("63500.50"), Decimal(1000), Decimal(64))


async def test_a_managers_figure_for_a_component_wins_over_the_actuals_and_says_where_it_comes_from(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, manager = suite.metrics, tokens.headers("manager")
    await deliver(pool, *the_years_spending(tokens.tenant))
    await record(client, manager, "INTN010", FTE)
    await record(client, manager, "INTN243.salaries_wages_benefits", "820000.00", source="Payroll: 2024 T4 summary")

    found = await results(client, tokens.headers("reporting"))
    # 820,000.00 + 58,500.50 = 878,500.50 / 1,000 = 878.5005; with 12,000.00 of amortization, 890.5005
    assert figures(found["INTN243"]) == (Decimal("878500.50"), Decimal(1000), Decimal(879))
    assert figures(found["INTN243T"]) == (Decimal("890500.50"), Decimal(1000), Decimal(891))
    salaries = next(s for s in found["INTN243"]["sources"] if s["input_id"] == "INTN243.salaries_wages_benefits")
    assert (Decimal(salaries["value"]), salaries["source"]) == (Decimal("820000.00"), "Payroll: 2024 T4 summary")

    components = {c["component"]: c for c in (await behind(client, manager))["components"]}
    payroll = components["salaries_wages_benefits"]  # the actual beside the figure that counts instead
    assert (payroll["counted"], Decimal(payroll["actual"]), payroll["expenditures"]) == ("recorded input", 5000, 1)
    assert (Decimal(payroll["recorded"]), payroll["recorded_source"]) == (820000, "Payroll: 2024 T4 summary")
    assert (components["materials"]["counted"], Decimal(components["materials"]["actual"])) == (
        "actuals",
        Decimal("1500.50"),
    )


async def test_the_spending_behind_intn243_lists_the_years_operating_expenditures_by_component_and_day(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, auditor = suite.metrics, tokens.headers("auditor")
    await deliver(pool, *the_years_spending(tokens.tenant))

    listed = await behind(client, auditor, "INTN243T")
    assert [(i["component"], i["spent_on"], Decimal(i["amount"])) for i in listed["items"]] == [
        ("contracted_services", "2024-03-31", Decimal("45000.00")),
        ("materials", "2024-02-12", Decimal("1200.00")),
        ("materials", "2024-05-03", Decimal("300.50")),
        ("rents_financial_expenses", "2024-07-01", Decimal("12000.00")),
        ("salaries_wages_benefits", "2024-09-30", Decimal("5000.00")),
    ]  # the server's capital purchase and the year before's invoice are not behind it
    assert (listed["total"], listed["items"][1]["vendor"], listed["items"][1]["reference"]) == (5, "CDW", "INV-1")
    assert {c["component"]: c["expenditures"] for c in listed["components"]} == {
        "salaries_wages_benefits": 1, "materials": 2, "contracted_services": 1, "rents_financial_expenses": 1,
        "external_transfers": 0, "interfunctional_adjustments": 0, "program_support_allocation": 0,
    }  # fmt: skip

    second_page = await behind(client, auditor, component="materials", limit=1, offset=1)
    assert (second_page["total"], [i["description"] for i in second_page["items"]]) == (2, ["patch cables"])

    wrong = await client.get("/mbn/results/INTN205/spending", params={"fiscal_year": YEAR}, headers=auditor)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "path.measure"
    no_year = await client.get("/mbn/results/INTN243/spending", headers=auditor)
    assert no_year.status_code == 422 and no_year.json()["errors"][0]["field"] == "query.fiscal_year"


async def test_another_tenants_spending_is_neither_counted_nor_listed(metrics, projection_pool, tokens):
    suite, pool = metrics, projection_pool
    elsewhere = f"{tokens.tenant}-elsewhere"
    await deliver(pool, *the_years_spending(tokens.tenant), spent(elsewhere, CostComponent.MATERIALS, "7.00",
                                                                  "2024-04-01"))  # fmt: skip
    await record(suite.metrics, tokens.headers("manager"), "INTN010", FTE)
    ours = await results(suite.metrics, tokens.headers("auditor"))
    assert Decimal(ours["INTN243"]["numerator"]) == Decimal("63500.50")

    theirs = tokens.headers("auditor", tenant=elsewhere)
    their_sources = (await results(suite.metrics, theirs))["INTN243"]["sources"]
    assert {s["input_id"]: Decimal(s["value"]) for s in their_sources}["INTN243.materials"] == Decimal("7.00")
    listed = await behind(suite.metrics, theirs)
    assert (listed["total"], [Decimal(i["amount"]) for i in listed["items"]]) == (1, [Decimal("7.00")])


async def test_a_year_with_only_capital_purchases_has_no_operating_cost_to_count(metrics, projection_pool, tokens):
    suite, pool = metrics, projection_pool
    await deliver(pool, spent(tokens.tenant, CostComponent.MATERIALS, "36000.00", "2024-01-10", capital=True))
    found = await results(suite.metrics, tokens.headers("auditor"))
    assert found == {}  # no operating cost from the actuals, and nothing else recorded: a gap, not zero
    listed = await behind(suite.metrics, tokens.headers("auditor"))
    assert listed["total"] == 0 and {c["counted"] for c in listed["components"]} == {"none"}
