"""A device's amortization over REST against real Postgres: schedule, fiscal-year amount, book value on a date."""

from uuid import uuid4

import pytest

from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite.assets


def desktop(**overrides) -> dict:
    # 1000.00 less 100.00 salvage over 36 months from July 2021 (July counts in full): life Jul 2021 - Jun 2024.
    body = {"asset_tag": f"CITY-{uuid4().hex[:6]}", "kind": "desktop", "holds_storage": False,
            "at": "2021-07-20T14:00:00Z",
            "purchase": {"purchased_on": "2021-07-20", "cost": "1000.00", "supplier": "CDW"},
            "amortization": {"useful_life_months": 36, "salvage_value": "100.00"}}
    return {**body, **overrides}


async def register(inventory, tokens, **overrides) -> str:
    response = await inventory.post("/devices", json=desktop(**overrides), headers=tokens.headers("technician"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def amortization(inventory, headers, device_id: str, **params) -> dict:
    response = await inventory.get(f"/devices/{device_id}/amortization", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def rows(body: dict) -> list[tuple]:
    return [(r["year"], r["months"], r["opening_net_book_value"], r["amount"], r["closing_net_book_value"])
            for r in body["schedule"]]


async def test_straight_line_with_part_first_and_last_years_on_calendar_and_april_fiscal_years(inventory, tokens):
    device_id = await register(inventory, tokens)
    auditor = tokens.headers("auditor")
    body = await amortization(inventory, auditor, device_id, as_of="2022-06-30")
    # 900 x 6/36 = 150.00 (Jul-Dec 2021), 900 x 12/36 = 300.00, 300.00, then the rest: 900 - 750 = 150.00 (Jan-Jun).
    assert rows(body) == [
        (2021, 6, "1000.00", "150.00", "850.00"), (2022, 12, "850.00", "300.00", "550.00"),
        (2023, 12, "550.00", "300.00", "250.00"), (2024, 6, "250.00", "150.00", "100.00"),
    ]
    # On 2022-06-30, Jan-Jun 2022 have ended: 850.00 - 900 x 6/36 = 700.00.
    assert (body["fiscal_year"], body["amount_for_fiscal_year"], body["net_book_value"]) == (2022, "300.00", "700.00")
    assert (body["fiscal_year_starts_on"], body["fiscal_year_ends_on"]) == ("2022-01-01", "2022-12-31")
    assert (body["life_ends_on"], body["gone_on"], body["cost"], body["method"]) == (
        "2024-06-30", None, "1000.00", "straight_line")

    april = await amortization(inventory, auditor, device_id, as_of="2022-06-30", fiscal_year_start_month=4)
    # FY2022 (Apr 2021 - Mar 2022) has Jul-Mar, 9 months: 225.00; FY2023 300.00; FY2024 300.00; FY2025 Apr-Jun: 75.00.
    assert [(r[0], r[3]) for r in rows(april)] == [(2022, "225.00"), (2023, "300.00"), (2024, "300.00"),
                                                  (2025, "75.00")]
    # 2022-06-30 is in FY2023; Apr-Jun have ended: 775.00 - 900 x 3/36 = 700.00, the same book value.
    assert (april["fiscal_year"], april["amount_for_fiscal_year"], april["net_book_value"]) == (2023, "300.00",
                                                                                              "700.00")
    before = await amortization(inventory, auditor, device_id, as_of="2021-07-19")
    after = await amortization(inventory, auditor, device_id, as_of="2030-01-01")
    assert (before["net_book_value"], before["amount_for_fiscal_year"]) == (None, "150.00")
    assert (after["net_book_value"], after["amount_for_fiscal_year"]) == ("100.00", "0.00")


async def test_declining_balance_without_a_rate_takes_twice_the_straight_line_rate(inventory, tokens):
    # 60 months: 40 % a year. 5000.00 from October 2022: 5000 x 0.4 x 3/12 = 500.00; 4500 x 0.4 = 1800.00;
    # 2700 x 0.4 = 1080.00; 1620 x 0.4 = 648.00; 972 x 0.4 = 388.80; then down to the 500.00 salvage: 83.20.
    device_id = await register(inventory, tokens, at="2022-10-05T09:00:00Z",
                               purchase={"purchased_on": "2022-10-05", "cost": "5000.00"},
                               amortization={"useful_life_months": 60, "salvage_value": "500.00",
                                             "method": "declining_balance"})
    body = await amortization(inventory, tokens.headers("manager"), device_id, as_of="2024-12-31")
    assert [r["amount"] for r in body["schedule"]] == ["500.00", "1800.00", "1080.00", "648.00", "388.80", "83.20"]
    assert (body["amount_for_fiscal_year"], body["net_book_value"], body["declining_rate"]) == ("1080.00", "1620.00",
                                                                                              None)


async def test_a_device_reported_stolen_stops_amortizing_the_day_it_went(inventory, tokens):
    # 1200.00 over 36 months from January 2020, stolen 2021-03-15: Jan 2020 - Feb 2021 amortize.
    device_id = await register(inventory, tokens, at="2020-01-01T09:00:00Z",
                               purchase={"purchased_on": "2020-01-01", "cost": "1200.00"},
                               amortization={"useful_life_months": 36})
    technician = tokens.headers("technician")
    stolen = await inventory.post(f"/devices/{device_id}/lost", json={"stolen": True, "at": "2021-03-15T10:00:00Z"},
                                  headers=technician)
    assert stolen.status_code == 200, stolen.text
    body = await amortization(inventory, technician, device_id, as_of="2021-03-14")
    # 2020: 400.00; 2021: Jan-Feb, 1200 x 2/36 = 66.666... -> 66.67, leaving 733.33.
    assert rows(body) == [(2020, 12, "1200.00", "400.00", "800.00"), (2021, 2, "800.00", "66.67", "733.33")]
    assert (body["gone_on"], body["net_book_value"], body["amount_for_fiscal_year"]) == ("2021-03-15", "733.33",
                                                                                       "66.67")
    gone = await amortization(inventory, technician, device_id, as_of="2022-06-30")
    assert (gone["net_book_value"], gone["amount_for_fiscal_year"]) == (None, "0.00")


async def test_a_disposed_device_stops_amortizing_at_its_disposal(inventory, tokens):
    device_id = await register(inventory, tokens, at="2020-01-01T09:00:00Z",
                               purchase={"purchased_on": "2020-01-01", "cost": "1200.00"},
                               amortization={"useful_life_months": 36})
    technician = tokens.headers("technician")
    for action, body in (("retire", {"reason": "cracked housing", "at": "2021-01-10T10:00:00Z"}),
                         ("dispose", {"certificate_ref": "COD-1", "at": "2021-02-01T10:00:00Z"})):
        response = await inventory.post(f"/devices/{device_id}/{action}", json=body, headers=technician)
        assert response.status_code == 200, (action, response.text)
    body = await amortization(inventory, technician, device_id, as_of="2021-01-31")
    # Disposed in February: only January 2021 amortizes, 1200 x 1/36 = 33.33.
    assert [(r["year"], r["amount"]) for r in body["schedule"]] == [(2020, "400.00"), (2021, "33.33")]
    assert (body["gone_on"], body["net_book_value"]) == ("2021-02-01", "766.67")


async def test_unknown_and_unamortized_devices_and_who_may_read(inventory, tokens):
    device_id = await register(inventory, tokens)
    path = f"/devices/{device_id}/amortization"
    assert (await inventory.get(path, headers=tokens.headers("staff"))).status_code == 403
    assert (await inventory.get(path, headers=tokens.headers("technician", tenant="another-city"))).status_code == 404
    assert (await inventory.get(f"/devices/{uuid4()}/amortization", headers=tokens.headers("auditor"))).status_code \
        == 404
    today = await inventory.get(path, headers=tokens.headers("auditor"))
    assert today.status_code == 200 and today.headers["ETag"] == '"1"'

    no_purchase = await register(inventory, tokens, purchase=None)
    no_life = await register(inventory, tokens, amortization=None)
    for unamortized, field in ((no_purchase, "purchase"), (no_life, "amortization")):
        response = await inventory.get(f"/devices/{unamortized}/amortization", headers=tokens.headers("manager"))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
    for params, field in (({"fiscal_year_start_month": 13}, "fiscal_year_start_month"), ({"as_of": "2021-02-30"},
                                                                                         "as_of")):
        response = await inventory.get(path, params=params, headers=tokens.headers("manager"))
        assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == [f"query.{field}"]
    edge = await inventory.get(path, params={"as_of": "9999-12-31", "fiscal_year_start_month": 4},
                               headers=tokens.headers("manager"))
    assert edge.status_code == 422 and [e["field"] for e in edge.json()["errors"]] == ["as_of"]
