"""A tenant's MBN submission over REST against real Postgres: inputs to results, a close, restatements, tenants."""

import csv
import io
from decimal import Decimal

YEAR = 2024
COSTS = {"salaries_wages_benefits": "9000000", "materials": "222164.00", "contracted_services": "300000",
         "rents_financial_expenses": "0", "external_transfers": "0", "interfunctional_adjustments": "-50000.00",
         "program_support_allocation": "50000"}  # fmt: skip
INPUTS = {"INTN001": "583363", "INTN010": "3195.8", "INTN011": "2068.3", "INTN105": "3104310", "INTN212": "1409",
          "INTN214": "1166", "INTN216": "874", "INTN250": "52.8", "INTN800": "92", "INTN810": "117",
          "INTN243T.amortization": "2954116", **{f"INTN243.{part}": cost for part, cost in COSTS.items()}}  # fmt: skip
REASONS = {"INTN011": "IT supports 2,068.3 of the budgeted FTE: transit runs its own"}


def input_body(input_id: str, value: str, year: int = YEAR, **provenance) -> dict:
    source = {"source": "Finance: FIR schedule 40", "document": f"FIR {year}", "note": REASONS.get(input_id, "")}
    return {"fiscal_year": year, "input_id": input_id, "value": value, "provenance": {**source, **provenance}}


async def record(client, headers, input_id: str, value: str, **overrides) -> dict:
    response = await client.post("/mbn/inputs", json=input_body(input_id, value, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def record_all(client, headers, year: int = YEAR) -> None:
    for input_id, value in INPUTS.items():
        await record(client, headers, input_id, value, year=year)


async def results(client, headers, year: int = YEAR) -> dict:
    response = await client.get("/mbn/results", params={"fiscal_year": year}, headers=headers)
    assert response.status_code == 200, response.text
    return {m["measure"]: m for m in response.json()["measures"]} | {"": response.json()}


async def event_count(metrics, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{metrics.settings["metrics"].schema}".events')


async def test_recorded_inputs_give_each_measure_with_its_definition_sources_and_flags(metrics, tokens):
    client, manager = metrics.metrics, tokens.headers("manager", sub="maria")
    await record_all(client, manager)
    found = await results(client, tokens.headers("reporting"))
    assert found[""]["status"] == "open" and found["INTN205"]["frozen"] is False
    intn205, intn243 = found["INTN205"], found["INTN243"]
    assert (intn205["definition"], intn205["value"], intn205["numerator"], intn205["denominator"]) == (
        "INTN205@2018", "1.67", "3449", "2068.3")  # fmt: skip
    override = next(s for s in intn205["sources"] if s["role"] == "denominator")
    assert (override["input_id"], override["value"], override["note"]) == ("INTN011", "2068.3", REASONS["INTN011"])
    assert (intn243["value"], intn243["denominator"], intn243["flags"]) == ("4605", "2068", [])
    assert (Decimal(found["INTN243T"]["numerator"]), found["INTN243T"]["value"]) == (Decimal(12_476_280), "6033")
    assert (found["INTN001"]["value"], found["INTN800"]["value"], found["INTN105"]["value"]) == ("583363", "92", "5.32")

    detail = await client.get("/mbn/results/INTN243", params={"fiscal_year": YEAR}, headers=tokens.headers("auditor"))
    assert detail.status_code == 200, detail.text
    counted = [s["input_id"] for s in detail.json()["current"]["sources"]]
    assert counted == [f"INTN243.{part}" for part in COSTS] + ["INTN011"]
    assert detail.json()["definition"]["denominator"] == {"text": detail.json()["definition"]["denominator"]["text"],
                                                          "rule": "supported_fte", "inputs": ["INTN011", "INTN010"],
                                                          "whole": True}  # fmt: skip
    listed = (await client.get("/mbn/inputs", params={"fiscal_year": YEAR}, headers=manager)).json()
    assert len(listed["inputs"]) == len(INPUTS) and {i["recorded_by"] for i in listed["inputs"]} == {"maria"}


async def test_a_bad_input_is_refused_naming_the_field_and_nothing_is_recorded(metrics, tokens, db):
    client, manager = metrics.metrics, tokens.headers("manager")
    before = await event_count(metrics, db)
    cases = [(input_body("INTN011", "2068.3", note=""), "provenance.note"), (input_body("INTN999", "1"), "input_id"),
             (input_body("INTN212", "10.5"), "value"), (input_body("INTN010", "-3"), "value"),
             (input_body("INTN010", "3", year=1066), "fiscal_year")]  # fmt: skip
    for body, field in cases:
        response = await client.post("/mbn/inputs", json=body, headers=manager)
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert await event_count(metrics, db) == before
    staff = await client.post("/mbn/inputs", json=input_body("INTN010", "3"), headers=tokens.headers("technician"))
    assert staff.status_code == 403


async def test_a_closed_year_is_frozen_and_a_later_correction_shows_as_a_restatement_beside_it(metrics, tokens):
    client, manager = metrics.metrics, tokens.headers("manager", sub="maria")
    await record_all(client, manager)
    closed = await client.post(f"/mbn/fiscal-years/{YEAR}/close", headers=manager)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_by"]) == ("closed", "maria")

    await record(client, manager, "INTN011", "2200", note="audited count of supported FTE")
    found = await results(client, manager)
    intn205 = found["INTN205"]
    assert (intn205["frozen"], intn205["value"], intn205["denominator"]) == (True, "1.67", "2068.3")
    assert (intn205["restatement"]["value"], intn205["restatement"]["denominator"]) == ("1.57", "2200")
    assert found["INTN800"]["restatement"] is None  # what the correction does not touch stands as frozen
    frozen_source = next(s for s in intn205["sources"] if s["role"] == "denominator")
    assert frozen_source["value"] == "2068.3" and frozen_source["note"] == REASONS["INTN011"]
    listed = (await client.get("/mbn/inputs", params={"fiscal_year": YEAR}, headers=manager)).json()
    assert [i["restatement"] for i in listed["inputs"] if i["input_id"] == "INTN011"] == [True]

    again = await client.post(f"/mbn/fiscal-years/{YEAR}/close", headers=manager)
    assert (again.status_code, again.json()["rule"]) == (409, "FiscalYearAlreadyClosed")
    assert (await results(client, manager))["INTN205"]["value"] == "1.67"

    submitted = await client.get("/mbn/results", params={"fiscal_year": YEAR, "format": "csv"}, headers=manager)
    restated = await client.get("/mbn/results", params={"fiscal_year": YEAR, "restated": "true"},
                                headers={**manager, "Accept": "text/csv"})  # fmt: skip
    for response, value in ((submitted, "1.67"), (restated, "1.57")):
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert list(rows[0]) == ["fiscal_year", "municipality", "tier", "measure_number", "measure_name",
                                 "numerator", "denominator", "result"]  # fmt: skip
        [intn205_row] = [r for r in rows if r["measure_number"] == "INTN205"]
        assert (intn205_row["municipality"], intn205_row["result"]) == (tokens.tenant, value)


async def test_a_year_closes_only_once_over_and_with_inputs(metrics, tokens):
    client, manager = metrics.metrics, tokens.headers("manager")
    empty = await client.post("/mbn/fiscal-years/2023/close", headers=manager)
    assert (empty.status_code, empty.json()["rule"]) == (409, "SubmissionEmpty")
    await record(client, manager, "INTN010", "3000", year=2099)
    early = await client.post("/mbn/fiscal-years/2099/close", headers=manager)
    assert (early.status_code, early.json()["rule"]) == (409, "FiscalYearNotOver")
    stale = await client.post("/mbn/inputs", json=input_body("INTN010", "3100", year=2099),
                              headers={**manager, "If-Match": '"7"'})  # fmt: skip
    assert stale.status_code == 412


async def test_a_tenant_sees_only_its_own_inputs_and_results(metrics, tokens):
    client = metrics.metrics
    await record_all(client, tokens.headers("manager"))
    other = tokens.headers("manager", tenant="another-city")
    assert (await client.get("/mbn/inputs", params={"fiscal_year": YEAR}, headers=other)).json()["inputs"] == []
    assert (await results(client, other))[""]["measures"] == []
    missing = await client.get("/mbn/results/INTN205", params={"fiscal_year": YEAR}, headers=other)
    assert missing.status_code == 404
    await record(client, other, "INTN010", "100")
    assert (await results(client, tokens.headers("auditor")))["INTN010"]["value"] == "3195.8"
