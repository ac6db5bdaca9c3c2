"""The city's MBN device counts and amortization from the assets events, through the projector's handler as the
consumer applies them, against Postgres: as at the fiscal-year close, backdated events and disposals included."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from uuid import UUID, uuid4

from events.consumer import Outcome
from events.contracts import assets as ev
from events.contracts.amortization import Holding, tenant_total
from events.envelope import Context, Envelope, wrap
from metrics.device_figures import close_of
from metrics.device_history import COUNTED
from metrics.projections import projection
from support.records import deliver_batch

YEAR = 2024
BEFORE_CLOSE = datetime(2024, 12, 1, tzinfo=UTC)  # when the first events were recorded
AFTER_CLOSE = datetime(2025, 2, 3, tzinfo=UTC)  # when the late ones were
COSTS = {"INTN243.salaries_wages_benefits": "100000", **{f"INTN243.{part}": "0" for part in (
    "materials", "contracted_services", "rents_financial_expenses", "external_transfers",
    "interfunctional_adjustments", "program_support_allocation")}}  # fmt: skip


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


@dataclass
class Device:
    """One device's stream, its events wrapped as the assets service appends them (version after version)."""

    tenant: str
    tag: str
    device_id: UUID = field(default_factory=uuid4)
    version: int = 0

    def record(self, event_class: type, day: str, recorded_at: datetime = BEFORE_CLOSE, **fields) -> Envelope:
        self.version += 1
        event = event_class(at=at(day), device_id=self.device_id, **fields)
        ctx = Context(tenant=self.tenant, actor="tom", correlation_id=f"corr-{self.tag}", recorded_at=recorded_at)
        return wrap(event, stream_id=str(self.device_id), stream_version=self.version, ctx=ctx)

    def registered(self, day: str, kind: ev.DeviceKind, mbn_class: ev.MbnClass, **fields) -> Envelope:
        return self.record(ev.DeviceRegistered, day, asset_tag=self.tag, kind=kind, holds_storage=False,
                           mbn_class=mbn_class, **fields)  # fmt: skip

    def leaving(self, retired: str, disposed: str, recorded_at: datetime = BEFORE_CLOSE) -> list[Envelope]:
        return [
            self.record(ev.DeviceRetired, retired, recorded_at, reason="end of life"),
            self.record(ev.DeviceDisposed, disposed, recorded_at, asset_tag=self.tag, certificate_ref="CD-1"),
        ]


def bought(day: str, cost: str, months: int) -> dict:
    return {"purchase": ev.Purchase(purchased_on=date.fromisoformat(day), cost=Decimal(cost)),
            "amortization": ev.Amortization(useful_life_months=months)}  # fmt: skip


LAPTOP = (ev.DeviceKind.LAPTOP, ev.MbnClass.LAPTOPS_TABLETS)
DESKTOP = (ev.DeviceKind.DESKTOP, ev.MbnClass.DESKTOPS_THIN_CLIENTS)
PHONE = (ev.DeviceKind.SMARTPHONE, ev.MbnClass.SMARTPHONES)
PRINTER = (ev.DeviceKind.PRINTER, ev.MbnClass.NOT_COUNTED)


async def deliver(pool, *envelopes: Envelope) -> list[Outcome]:
    """The records as they come off `assets.events`, applied in one batch through the consumer and the projection."""
    return await deliver_batch(pool, "metrics.projector", projection, envelopes, "assets.events")


def the_city(tenant: str) -> tuple[list[Envelope], list[Envelope], dict[str, Device]]:
    """What the inventory recorded by December 1st, and what it recorded in February, some of it backdated."""
    d = {tag: Device(tenant, tag) for tag in ("L-1", "L-2", "L-3", "D-1", "D-2", "P-1", "PR-1")}
    early = [
        d["L-1"].registered("2024-03-01", *LAPTOP, **bought("2024-03-01", "1200.00", 36)),
        d["L-1"].record(ev.DeviceInstalled, "2024-03-04", location="City Hall", technician_id="tom"),
        d["L-2"].registered("2023-06-15", *LAPTOP, **bought("2023-06-15", "900.00", 24)),
        d["L-2"].record(ev.DeviceInstalled, "2023-06-16", location="Library", technician_id="tom"),
        *d["L-2"].leaving("2024-11-01", "2024-11-20"),  # disposed of before the close: not counted
        d["L-3"].registered("2024-01-10", *LAPTOP),
        d["D-1"].registered("2022-01-10", *DESKTOP, **bought("2022-01-10", "1500.00", 48)),
        d["D-1"].record(ev.DeviceInstalled, "2022-01-11", location="Works yard", technician_id="tom"),
        d["D-2"].registered("2024-11-20", *DESKTOP, on_order=True, **bought("2024-11-20", "2400.00", 60)),
        d["P-1"].registered("2024-02-01", *PHONE),
        d["P-1"].record(ev.DeviceAssigned, "2024-02-02", person_id="ana"),
        d["PR-1"].registered("2024-01-05", *PRINTER),
    ]
    late = [
        *d["D-1"].leaving("2024-12-28", "2025-01-15", AFTER_CLOSE),  # retired in the year, disposed of after it
        d["D-2"].record(ev.DeviceReceived, "2024-12-23", AFTER_CLOSE),  # arrived and installed before the close,
        d["D-2"].record(ev.DeviceInstalled, "2024-12-27", AFTER_CLOSE, location="Fire hall 2", technician_id="tom"),
        d["L-3"].record(ev.DeviceRetired, "2025-01-20", AFTER_CLOSE, reason="cracked screen"),
        d["L-3"].record(ev.DeviceReportedMissing, "2024-12-10", AFTER_CLOSE, stolen=False),  # lost before the close
    ]
    return early, late, d


async def results(client, headers) -> dict:
    response = await client.get("/mbn/results", params={"fiscal_year": YEAR}, headers=headers)
    assert response.status_code == 200, response.text
    return {m["measure"]: m for m in response.json()["measures"]}


def counts(found: dict) -> dict[str, str]:
    """The devices each class counted (the numerator; no FTE is recorded, so no ratio)."""
    return {measure: found[measure]["numerator"] for measure in ("INTN212", "INTN214", "INTN216")}


async def record(client, headers, input_id: str, value: str) -> None:
    body = {"fiscal_year": YEAR, "input_id": input_id, "value": value, "provenance": {"source": "Finance: FIR 2024"}}
    response = await client.post("/mbn/inputs", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def test_counts_as_at_the_close_take_backdated_events_in_and_leave_out_a_device_disposed_before_it(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, auditor = suite.metrics, tokens.headers("auditor")
    early, late, _ = the_city(tokens.tenant)
    assert set(await deliver(pool, *early)) == {Outcome.APPLIED}
    assert counts(await results(client, auditor)) == {"INTN212": "2", "INTN214": "1", "INTN216": "1"}

    assert set(await deliver(pool, *late)) == {Outcome.APPLIED}
    found = await results(client, auditor)
    assert counts(found) == {"INTN212": "1", "INTN214": "2", "INTN216": "1"}
    [source] = found["INTN214"]["sources"]
    assert (source["input_id"], source["value"], source["document"]) == (
        "INTN214",
        "2",
        f"GET /mbn/results/INTN214/devices?fiscal_year={YEAR}",
    )
    assert source["source"].startswith("assets events")

    listed = await client.get("/mbn/results/INTN205/devices", params={"fiscal_year": YEAR}, headers=auditor)
    assert listed.status_code == 200, listed.text
    assert [(d["asset_tag"], d["mbn_class"]) for d in listed.json()["items"]] == [
        ("D-1", "desktops_thin_clients"), ("D-2", "desktops_thin_clients"), ("L-1", "laptops_tablets"),
        ("P-1", "smartphones")]  # fmt: skip
    assert listed.json()["total"] == 4

    assert set(await deliver(pool, *early, *late)) == {Outcome.DUPLICATE}  # redelivered: nothing changes
    assert counts(await results(client, auditor)) == {"INTN212": "1", "INTN214": "2", "INTN216": "1"}


async def test_the_years_amortization_is_each_devices_amount_added_up_and_a_managers_figure_wins(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, manager = suite.metrics, tokens.headers("manager")
    early, late, _ = the_city(tokens.tenant)
    await deliver(pool, *early)
    await deliver(pool, *late)
    for input_id, value in COSTS.items():
        await record(client, manager, input_id, value)

    # L-1 10 months of 1200/36: 333.33; L-2 January to October (it left in November) of 900/24: 375.00;
    # D-1 the whole year of 1500/48: 375.00; D-2 November and December of 2400/60: 80.00. Phones: no purchase.
    hand_worked = Decimal("333.33") + Decimal("375.00") + Decimal("375.00") + Decimal("80.00")
    holdings = [Holding(**bought("2024-03-01", "1200.00", 36)),
                Holding(**bought("2023-06-15", "900.00", 24), gone_on=date(2024, 11, 20)),
                Holding(**bought("2022-01-10", "1500.00", 48), gone_on=date(2025, 1, 15)),
                Holding(**bought("2024-11-20", "2400.00", 60))]  # fmt: skip
    assert tenant_total(holdings, YEAR) == hand_worked

    found = await results(client, tokens.headers("reporting"))
    amortization = next(s for s in found["INTN243T"]["sources"] if s["input_id"] == "INTN243T.amortization")
    assert Decimal(amortization["value"]) == hand_worked and amortization["source"].startswith("assets events")
    assert Decimal(found["INTN243T"]["numerator"]) == Decimal(100000) + hand_worked

    listed = await client.get("/mbn/results/INTN243T/devices", params={"fiscal_year": YEAR}, headers=manager)
    assert {d["asset_tag"]: Decimal(d["amortization"]) for d in listed.json()["items"]} == {
        "D-1": Decimal("375.00"),
        "D-2": Decimal("80.00"),
        "L-1": Decimal("333.33"),
        "L-2": Decimal("375.00"),
    }
    yearly = await client.get("/mbn/amortization", params={"from_year": YEAR, "to_year": YEAR}, headers=manager)
    [year] = yearly.json()["years"]  # the dashboard's amortization per year
    assert (year["fiscal_year"], Decimal(year["amount"]), year["devices"]) == (YEAR, hand_worked, 4)
    every = [y["fiscal_year"] for y in (await client.get("/mbn/amortization", headers=manager)).json()["years"]]
    assert every[0] == 2022 and every == sorted(every) and YEAR in every  # D-1, bought in January 2022, first
    csv = await client.get("/mbn/amortization", params={"to_year": YEAR, "format": "csv"}, headers=manager)
    assert csv.text.splitlines()[0] == "fiscal_year,amount,devices"
    assert csv.text.splitlines()[-1] == f"{YEAR},{hand_worked},4"

    await record(client, manager, "INTN216", "7")  # the manager counted the phones another way: that figure counts
    await record(client, manager, "INTN243T.amortization", "5000.00")
    found = await results(client, manager)
    assert counts(found) == {"INTN212": "1", "INTN214": "2", "INTN216": "7"}
    assert found["INTN216"]["sources"][0]["source"] == "Finance: FIR 2024"
    assert Decimal(found["INTN243T"]["numerator"]) == Decimal("105000.00")


async def test_a_closed_years_frozen_count_stands_and_a_backdated_install_shows_as_a_restatement(
    metrics, projection_pool, tokens
):
    suite, pool = metrics, projection_pool
    client, manager = suite.metrics, tokens.headers("manager")
    early, late, _ = the_city(tokens.tenant)
    await deliver(pool, *early)
    closed = await client.post(f"/mbn/fiscal-years/{YEAR}/close", headers=manager)
    assert closed.status_code == 200, closed.text

    await deliver(pool, *late)
    found = await results(client, manager)
    assert (found["INTN214"]["frozen"], found["INTN214"]["numerator"]) == (True, "1")
    assert found["INTN214"]["restatement"]["numerator"] == "2"
    assert (found["INTN212"]["numerator"], found["INTN212"]["restatement"]["numerator"]) == ("2", "1")  # L-3 lost
    assert found["INTN216"]["restatement"] is None  # unchanged: no restatement beside it


async def test_another_tenants_devices_are_not_counted(metrics, projection_pool, tokens):
    suite, pool = metrics, projection_pool
    early, _, _ = the_city(tokens.tenant)
    elsewhere = f"{tokens.tenant}-elsewhere"
    other = Device(elsewhere, "X-1")
    await deliver(pool, *early, other.registered("2024-05-01", *LAPTOP))
    assert counts(await results(suite.metrics, tokens.headers("auditor"))) == {
        "INTN212": "2",
        "INTN214": "1",
        "INTN216": "1",
    }
    theirs = await results(suite.metrics, tokens.headers("auditor", tenant=elsewhere))
    assert counts(theirs) == {"INTN212": "1", "INTN214": "0", "INTN216": "0"}


async def test_a_year_before_the_inventory_began_has_no_device_figures(metrics, projection_pool, tokens):
    suite, pool = metrics, projection_pool
    early, _, _ = the_city(tokens.tenant)
    await deliver(pool, *early)
    response = await suite.metrics.get("/mbn/results", params={"fiscal_year": 2020}, headers=tokens.headers("auditor"))
    assert response.status_code == 200 and response.json()["measures"] == []


# The count as first written: every counted state spanning the close. device_counts_by_year must agree with it.
SPANNING_THE_CLOSE = f"""
SELECT mbn_class, count(*) AS held FROM device_states
WHERE tenant = $1 AND valid_from <= $2 AND valid_to > $2 AND {COUNTED} GROUP BY mbn_class"""
BY_YEAR = "SELECT mbn_class, sum(held) AS held FROM device_counts_by_year WHERE tenant = $1 AND fiscal_year <= $2" \
          " GROUP BY mbn_class HAVING sum(held) <> 0"  # fmt: skip


async def held_each_year(conn, tenant: str, query: str, at_close) -> dict[int, dict[str, int]]:
    return {year: {row["mbn_class"]: row["held"] for row in await conn.fetch(query, tenant, at_close(year))}
            for year in range(2021, 2027)}  # fmt: skip


async def test_each_years_changes_add_up_to_the_states_spanning_its_close_and_the_migration_backfills_them(
    metrics, projection_pool, tokens
):
    early, late, _ = the_city(tokens.tenant)
    await deliver(projection_pool, *early)
    await deliver(projection_pool, *late)  # backdated: states re-derived, their old counts taken away
    async with projection_pool.acquire() as conn:
        spanning = await held_each_year(conn, tokens.tenant, SPANNING_THE_CLOSE, close_of)
        kept = await held_each_year(conn, tokens.tenant, BY_YEAR, lambda year: year)
        assert kept == spanning
        assert spanning[2024] == {"laptops_tablets": 1, "desktops_thin_clients": 2, "smartphones": 1}

        # A projection that had states before the table existed gets the same counts from the migration.
        await conn.execute("DELETE FROM device_counts_by_year WHERE tenant = $1", tokens.tenant)
        script = (files("metrics") / "projection_migrations" / "071_device_counts_by_year.sql").read_text()
        backfill = next(s for s in script.split(";") if "INSERT INTO device_counts_by_year" in s)
        await conn.execute(backfill.replace("FROM device_states WHERE", "FROM device_states WHERE tenant = $1 AND"),
                           tokens.tenant)  # fmt: skip
        assert await held_each_year(conn, tokens.tenant, BY_YEAR, lambda year: year) == spanning
