"""The IT manager's dashboard in a real browser: tickets worked at the desk, devices installed and the city's MBN
figures reach the page's tiles, charts, text alternatives and CSV downloads through the metrics API; a staff member
is refused every tenant-wide figure and told which roles may read them."""

import asyncio
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from metrics.mbn import longform
from metrics.mbn.__main__ import load
from metrics.settings import Settings as MetricsSettings
from support.apps import eventually, ok
from support.browser import chromium, screenshot_path, served_suite
from support.builders import ticket_request

PUBLISHED = Path(__file__).resolve().parents[3] / "shared" / "data" / "mbnc_it_dev.csv"
TIMEZONE = "America/Toronto"  # the desk policy's default: the KPIs' local days, and the browser's here
COSTS = ("salaries_wages_benefits", "materials", "contracted_services", "rents_financial_expenses",
         "external_transfers", "interfunctional_adjustments", "program_support_allocation")  # fmt: skip
DEVICES = ("laptop", "laptop", "desktop", "smartphone")


@pytest.fixture
async def suite(settings_for, db):
    async with served_suite(settings_for, "tickets", "assets", "metrics", broker=True) as running:
        yield running


async def given_a_months_work(suite, tokens, settings_for, year: int) -> None:
    """Five tickets opened, three acknowledged, two resolved (one rated 4); four devices installed; the public MBN
    set; the city's 2018 figures and this year's FTE, population, web sessions and costs."""
    reading = longform.read(longform.decode(PUBLISHED.read_bytes()))
    await load(reading, PUBLISHED.name, "test", settings_for(MetricsSettings), show_progress=False)
    desk, inventory, metrics = (suite.clients[s] for s in ("tickets", "assets", "metrics"))
    alice, tom = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="tom")
    opened = [(await ok(await desk.post("/tickets", json=ticket_request(subject=f"Printer {i}"), headers=alice), 201))
              ["id"] for i in range(5)]  # fmt: skip
    for ticket in opened[:3]:
        await ok(await desk.post(f"/tickets/{ticket}/acknowledge", headers=tom))
    for ticket in opened[:2]:
        await ok(await desk.post(f"/tickets/{ticket}/resolve", json={"resolution_code": "solved", "note": "Done."},
                                 headers=tom))  # fmt: skip
    await ok(await desk.post(f"/tickets/{opened[0]}/satisfaction", json={"score": 4}, headers=alice))
    for i, kind in enumerate(DEVICES):
        # The smartphone, bought last December for a year, falls due for refresh in this fiscal year.
        bought, life = (f"{year - 1}-12-20", 12) if kind == "smartphone" else (f"{year}-01-15", 48)
        body = {"asset_tag": f"CITY-{i}", "kind": kind, "holds_storage": kind != "smartphone",
                "purchase": {"purchased_on": bought, "cost": "1200.00"},
                "amortization": {"useful_life_months": life}}  # fmt: skip
        device = await ok(await inventory.post("/devices", json=body, headers=tom), 201)
        await ok(await inventory.post(f"/devices/{device['id']}/install", json={"location": "City Hall"}, headers=tom))
    await ok(await inventory.post("/model-prices", json={"kind": "smartphone", "unit_price": "900.00"},
                                  headers=tokens.headers("manager", sub="mia")), 201)  # what replacing one costs
    figures = {2018: {"INTN010": "1000", "INTN212": "700", "INTN214": "500", "INTN216": "0", "INTN001": "160000",
                      "INTN105": "400000"},
               year: {"INTN010": "100", "INTN001": "50000", "INTN105": "120000",
                      **{f"INTN243.{part}": "1000" for part in COSTS}}}  # fmt: skip
    mia = tokens.headers("manager", sub="mia")
    for fiscal_year, inputs in figures.items():
        for input_id, value in inputs.items():
            body = {"fiscal_year": fiscal_year, "input_id": input_id, "value": value,
                    "provenance": {"source": "Finance"}}  # fmt: skip
            await ok(await metrics.post("/mbn/inputs", json=body, headers=mia), 201)


async def projected(suite, tokens, today: date) -> dict:
    """The metrics API's answers once the projector has applied every event made: what the page must show."""
    reporting, metrics = tokens.headers("reporting"), suite.clients["metrics"]
    month = {"from": today.replace(day=1).isoformat(), "to": today.isoformat(), "by": "month"}

    async def caught_up() -> dict | None:
        backlog = await ok(await metrics.get("/kpis/desk.backlog", params=month, headers=reporting))
        devices = await ok(await metrics.get("/kpis/assets.operating-devices", params=month, headers=reporting))
        results = await ok(await metrics.get("/mbn/results", params={"fiscal_year": today.year}, headers=reporting))
        intn243t = next(m for m in results["measures"] if m["measure"] == "INTN243T")
        amortization = [s["value"] for s in intn243t["sources"] if s["input_id"] == "INTN243T.amortization"]
        if sum(p["value"] for p in backlog["points"]) == 3 and sum(p["value"] for p in devices["points"]) == 4:
            return {"amortization": amortization} if amortization else None
        return None

    return await eventually(caught_up, within=30, interval=0.2)


CHART_DATA = """(id) => {
    const data = Chart.getChart(document.getElementById(id)).data;
    return {labels: data.labels, datasets: data.datasets.map((s) => ({label: s.label, data: s.data}))};
}"""


async def chart_data(page, name: str) -> dict:
    """What Chart.js draws on the page's canvas: its labels and each dataset's figures."""
    return await page.evaluate(CHART_DATA, f"chart-{name}")


def series(chart: dict, label: str) -> list:
    return next(s["data"] for s in chart["datasets"] if s["label"] == label)


@pytest.mark.timeout(120)
async def test_the_manager_sees_the_months_figures_and_staff_see_none(suite, tokens, settings_for):
    today = datetime.now(ZoneInfo(TIMEZONE)).date()  # the desk's local day, which the browser shares
    await given_a_months_work(suite, tokens, settings_for, today.year)
    expected = await projected(suite, tokens, today)
    dashboard = f"{suite.urls['metrics']}/dashboard"
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=TIMEZONE,
                                            accept_downloads=True)  # fmt: skip
        page = await context.new_page()
        await page.goto(f"{dashboard}#access_token={tokens('manager', sub='mia')}")
        await page.wait_for_selector("body[data-ready=true]")
        assert await page.locator("#message").is_hidden(), await page.locator("#message").text_content()

        tile = page.locator(".tile[data-kpi='desk.backlog']")
        assert await tile.locator(".figure").text_content() == "3"
        assert await page.locator(".tile[data-kpi='assets.operating-devices'] .figure").text_content() == "4"
        assert await page.locator(".tile[data-kpi='desk.satisfaction'] .figure").text_content() == "4 / 5"
        assert await page.locator(".tile[data-kpi='desk.first-contact-resolution'] .figure").text_content() == "100 %"
        assert "▲ 3 from 0" in await tile.locator(".trend").text_content()  # none open the month before
        link = tile.get_by_role("link", name="desk.backlog@1")
        await link.click()
        assert "Tickets not yet resolved" in await page.locator("[id='def-desk.backlog@1'] + dd").text_content()

        await page.screenshot(path=screenshot_path("dashboard"), full_page=True)
        await page.set_viewport_size({"width": 820, "height": 1180})
        await page.screenshot(path=screenshot_path("dashboard-tablet"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 900})

        weekly = await chart_data(page, "weekly")
        assert (series(weekly, "Opened")[-1], series(weekly, "Closed")[-1], series(weekly, "Backlog")[-1]) == (5, 0, 3)
        table = page.locator("[data-chart=weekly] details table")
        await page.locator("[data-chart=weekly] details summary").click()
        assert [await c.text_content() for c in await table.locator("tbody tr").last.locator("th, td").all()][1:] == [
            "5", "0", "3"]  # fmt: skip
        assert "5 opened, 0 closed, backlog 3" in await page.locator("#chart-weekly").get_attribute("aria-label")

        intn205 = await chart_data(page, "mbn-INTN205")
        at_2018 = intn205["labels"].index("2018")
        assert series(intn205, "City")[at_2018] == 1.2  # 1,200 devices over 1,000 FTE
        assert series(intn205, "Tier median")[at_2018] is not None and len(intn205["labels"]) > 10
        assert series(intn205, "City")[-1] == 0.04  # this year's four devices over 100 FTE
        devices = await chart_data(page, "devices")
        assert {s["label"]: s["data"][-1] for s in devices["datasets"]} == {
            "desktops thin clients": 1, "laptops tablets": 2, "smartphones": 1}  # fmt: skip
        amortization = await chart_data(page, "amortization")
        assert amortization["labels"][-1] == str(today.year)
        assert Decimal(str(amortization["datasets"][0]["data"][-1])) == Decimal(expected["amortization"][0])
        refresh = await chart_data(page, "refresh")
        assert refresh["labels"][-1] == f"{today.year}-12" and series(refresh, "Replacement cost (CAD)")[-1] == 900
        assert "1 devices fall due" in await page.locator("#chart-refresh").get_attribute("aria-label")
        assert await page.locator("canvas[role=img][aria-label]").count() == 8

        async with page.expect_download() as downloading:
            await tile.get_by_role("link", name="Download Open tickets as CSV").click()
        download = await downloading.value
        csv = await asyncio.to_thread(Path(await download.path()).read_text)
        assert csv.startswith("definition,period_start") and f"desk.backlog@1,{today:%Y-%m}-01" in csv

        await page.locator("#filters [name=preset]").select_option("last-month")
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_selector("body[data-ready=true]")
        assert await tile.locator(".figure").text_content() == "0"  # nothing was open at the end of last month
        assert "preset=last-month" in page.url

        staff = await browser.new_page(viewport={"width": 820, "height": 900})
        await staff.goto(f"{dashboard}#access_token={tokens('staff', sub='alice')}")
        await staff.wait_for_selector("body[data-ready=true]")
        refused = staff.get_by_role("alert").filter(has_text="needs the manager, auditor or reporting role")
        assert await refused.is_visible()
        assert await staff.locator("#dashboard").is_hidden()
        assert await staff.locator(".tile, canvas, .figure").count() == 0
