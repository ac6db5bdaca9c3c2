"""The city's MBN figures agree across the suite: devices registered, installed and disposed of through assets reach
metrics over Kafka, and its /mbn/results counts what assets counts as at the fiscal-year close, and amortizes
what assets amortizes."""

from decimal import Decimal

import pytest

from support.apps import eventually, ok
from support.suite import suite_of

YEAR = 2025
CLOSE = f"{YEAR}-12-31"
COUNTED = {"laptops_tablets": "INTN212", "desktops_thin_clients": "INTN214", "smartphones": "INTN216"}
COSTS = {"salaries_wages_benefits": "250000", "materials": "0", "contracted_services": "0",
         "rents_financial_expenses": "0", "external_transfers": "0", "interfunctional_adjustments": "0",
         "program_support_allocation": "0"}  # fmt: skip


@pytest.fixture
async def suite(settings_for, db):
    """Assets and metrics with their relays, and the metrics projector consuming every topic."""
    async with suite_of(settings_for, "assets", "metrics", projector=True) as running_suite:
        yield running_suite


class Inventory:
    """The technician's side: the assets routes, each event dated when it happened."""

    def __init__(self, suite, tokens):
        self.client, self.tech = suite.assets, tokens.headers("technician", sub="tom")

    async def register(self, tag: str, kind: str, on: str, cost: str, months: int, **fields) -> str:
        body = {"asset_tag": tag, "kind": kind, "holds_storage": kind != "smartphone", "at": f"{on}T09:00:00Z",
                "purchase": {"purchased_on": on, "cost": cost}, "amortization": {"useful_life_months": months},
                **fields}  # fmt: skip
        return (await ok(await self.client.post("/devices", json=body, headers=self.tech), 201))["id"]

    async def act(self, device_id: str, action: str, on: str, **body) -> None:
        await ok(await self.client.post(f"/devices/{device_id}/{action}", json={"at": f"{on}T10:00:00Z", **body},
                                        headers=self.tech))  # fmt: skip

    async def install(self, device_id: str, on: str) -> None:
        await self.act(device_id, "install", on, location="City Hall")

    async def dispose(self, device_id: str, retired: str, disposed: str) -> None:
        await self.act(device_id, "retire", retired, reason="end of life")
        await self.act(device_id, "sanitize", retired, method="purge", tool="nwipe", verification="verified blank",
                       certificate_ref=f"SAN-{device_id[:8]}")  # fmt: skip
        await self.act(device_id, "dispose", disposed, certificate_ref=f"CD-{device_id[:8]}")


@pytest.mark.timeout(120)
async def test_metrics_counts_and_amortizes_the_citys_devices_as_assets_does_at_the_fiscal_year_close(suite, tokens):
    inventory = Inventory(suite, tokens)
    laptop = await inventory.register("L-100", "laptop", "2025-02-01", "1800.00", 36)
    await inventory.install(laptop, "2025-02-03")
    gone_before = await inventory.register("D-100", "desktop", "2024-05-01", "1200.00", 48)
    await inventory.install(gone_before, "2024-05-02")
    await inventory.dispose(gone_before, "2025-10-01", "2025-11-15")  # disposed of before the close
    gone_after = await inventory.register("D-200", "desktop", "2023-03-01", "1500.00", 60)
    await inventory.install(gone_after, "2023-03-02")
    await inventory.dispose(gone_after, "2025-12-20", "2026-01-10")  # retired in the year, disposed of after it
    ordered = await inventory.register("L-200", "laptop", "2025-12-10", "2100.00", 36, on_order=True)
    await inventory.act(ordered, "receive", "2025-12-20", location="Stores")
    await inventory.install(ordered, "2025-12-22")  # recorded now, long after the close it falls before
    phone = await inventory.register("P-100", "smartphone", "2025-06-01", "600.00", 24)
    await inventory.act(phone, "assign", "2025-06-02", person_id="ana")

    auditor = tokens.headers("auditor")
    as_assets = await ok(await suite.assets.get("/inventory/mbn-counts", params={"as_of": CLOSE}, headers=auditor))
    assert as_assets["counts"] == {"laptops_tablets": 2, "desktops_thin_clients": 1, "smartphones": 1}
    amounts = [await ok(await suite.assets.get(f"/devices/{device}/amortization", params={"as_of": CLOSE},
                                               headers=auditor))
               for device in (laptop, gone_before, gone_after, ordered, phone)]  # fmt: skip
    assets_amortization = sum((Decimal(a["amount_for_fiscal_year"]) for a in amounts), Decimal(0))
    # 11 months of 1800/36, 10 of 1200/48, 12 of 1500/60, 1 of 2100/36 (58.33), 7 of 600/24
    assert assets_amortization == Decimal("550.00") + Decimal("250.00") + Decimal("300.00") + Decimal("58.33") + 175

    manager = tokens.headers("manager")
    for part, cost in COSTS.items():
        body = {"fiscal_year": YEAR, "input_id": f"INTN243.{part}", "value": cost,
                "provenance": {"source": "Finance: FIR 2025"}}  # fmt: skip
        await ok(await suite.metrics.post("/mbn/inputs", json=body, headers=manager), 201)

    async def agreed() -> dict | None:
        found = await ok(await suite.metrics.get("/mbn/results", params={"fiscal_year": YEAR}, headers=auditor))
        measures = {m["measure"]: m for m in found["measures"]}
        counts = {c: measures[m]["numerator"] for c, m in COUNTED.items() if m in measures}
        amortized = [Decimal(s["value"]) for s in measures.get("INTN243T", {}).get("sources", [])
                     if s["input_id"] == "INTN243T.amortization"]  # fmt: skip
        wanted = {c: str(n) for c, n in as_assets["counts"].items()}
        return measures if counts == wanted and amortized == [assets_amortization] else None

    measures = await eventually(agreed, within=60, interval=0.2)
    assert Decimal(measures["INTN243T"]["numerator"]) == Decimal(250000) + assets_amortization
    assert all(s["source"].startswith("assets events") for m in COUNTED.values() for s in measures[m]["sources"])
