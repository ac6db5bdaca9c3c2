"""The public MBN benchmark set from the published file, through the command line and the API: every published
result of a computed measure is reproduced at its published precision from the submitted figures alone."""

import asyncio
import csv
import io
import os
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COLUMNS = ["fiscal_year", "municipality", "tier", "measure_number", "measure_name", "numerator", "denominator",
           "result"]  # fmt: skip
COMPUTED = {"INTN105", "INTN205", "INTN212", "INTN214", "INTN216", "INTN243", "INTN243T", "INTN250"}
PUBLISHED_COMPUTED_RESULTS = 758  # the file's non-blank results of the eight computed measures
SUBMISSIONS = 126  # municipalities times the fiscal years each has rows for


@pytest.fixture(scope="module")
def published_file() -> Path:
    """../shared/data/mbnc_it_dev.csv beside the repository, as CI has it."""
    found = ROOT.parent / "shared" / "data" / "mbnc_it_dev.csv"
    assert found.exists(), f"the published MBN results belong in {found}"
    return found


async def run_cli(metrics, *args: str) -> tuple[int, str, str]:
    settings = metrics.settings["metrics"]
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DB_SCHEMA": settings.schema}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metrics.mbn", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def published_results(path: Path) -> dict[tuple[int, str, str], str]:
    return {(int(r["fiscal_year"]), r["municipality"], r["measure_number"]): r["result"] for r in rows_of(path)
            if r["measure_number"] in COMPUTED and r["result"]}  # fmt: skip


def blanked_copy(path: Path, tmp_path: Path) -> Path:
    """The file with every result cell of a computed measure left blank: only the submitted figures remain."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**r, "result": "" if r["measure_number"] in COMPUTED else r["result"]} for r in rows_of(path))
    copy = tmp_path / "mbnc_it_dev_results_blanked.csv"
    copy.write_text(out.getvalue(), encoding="utf-8")
    return copy


def at_published_precision(figure: str, printed: str) -> Decimal:
    """The figure rounded half up to the decimals the published cell prints ('1.3' has one: a float's 1.30)."""
    decimals = max(0, -Decimal(printed).normalize().as_tuple().exponent)
    return Decimal(figure).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


async def benchmark(client, headers, **params) -> dict:
    response = await client.get("/mbn/benchmark", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("results", ["published", "blanked"])
@pytest.mark.timeout(300)
async def test_every_published_result_is_reproduced_from_the_submitted_figures_alone(
    metrics, tokens, published_file, tmp_path, results
):
    path = published_file if results == "published" else blanked_copy(published_file, tmp_path)
    status, out, err = await run_cli(metrics, "load", str(path))
    assert status == 0, err
    assert f"{SUBMISSIONS} submissions recorded, 0 unchanged" in out and f"{SUBMISSIONS}/{SUBMISSIONS}" in err

    found = {(r["fiscal_year"], r["municipality"], r["measure"]): r
             for r in (await benchmark(metrics.metrics, tokens.headers("reporting")))["results"]}  # fmt: skip
    expected = published_results(published_file)
    reproduced = [
        key
        for key, printed in expected.items()
        if found[key]["ratio"] and at_published_precision(found[key]["ratio"], printed) == Decimal(printed)
    ]
    assert (len(expected), len(reproduced)) == (PUBLISHED_COMPUTED_RESULTS, PUBLISHED_COMPUTED_RESULTS)

    halton, waterloo = found[(2014, "Halton", "INTN243")], found[(2004, "Waterloo", "INTN205")]
    london = found[(2005, "London", "INTN216")]
    assert (halton["result"], halton["denominator"], halton["flags"]) == ("4605", "2068", [])
    assert (waterloo["result"], [f["code"] for f in waterloo["flags"]]) == ("0.80", ["denominator_as_reported"])
    assert (london["result"], london["definition"]) == ("0.0925", "INTN216@2005")  # published at 3 decimals: 0.092

    # The results were never read: the set loaded from one file is the set the other gives.
    other = published_file if results == "blanked" else blanked_copy(published_file, tmp_path)
    status, out, err = await run_cli(metrics, "load", str(other), "--no-progress")
    assert (status, err) == (0, "") and f"0 submissions recorded, {SUBMISSIONS} unchanged" in out


async def test_the_set_answers_as_csv_in_the_published_columns(metrics, tokens, published_file):
    assert (await run_cli(metrics, "load", str(published_file), "--no-progress"))[0] == 0
    reporting = tokens.headers("reporting")
    response = await metrics.metrics.get("/mbn/benchmark", params={"fiscal_year": 2018, "format": "csv"},
                                         headers=reporting)  # fmt: skip
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    exported = list(csv.DictReader(io.StringIO(response.text)))
    assert list(exported[0]) == COLUMNS
    published_2018 = {(r["municipality"], r["measure_number"]) for r in rows_of(published_file)
                      if r["fiscal_year"] == "2018"}  # fmt: skip
    assert {(r["municipality"], r["measure_number"]) for r in exported} == published_2018
    json_2018 = (await benchmark(metrics.metrics, reporting, fiscal_year=2018))["results"]
    assert [r["result"] or "" for r in exported] == [r["result"] or "" for r in json_2018]
    sudbury = next(r for r in exported if (r["municipality"], r["measure_number"]) == ("Sudbury (Greater)", "INTN205"))
    assert (sudbury["numerator"], sudbury["denominator"], sudbury["result"]) == ("2623.0", "2160.0", "1.21")


async def test_the_compare_command_counts_what_the_engine_reproduces(published_file):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metrics.mbn", "compare", str(published_file),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert "INTN243     49 of   49 published results reproduced" in lines
    assert any(line.endswith(f": {PUBLISHED_COMPUTED_RESULTS} of {PUBLISHED_COMPUTED_RESULTS} reproduced at their"
                             " published precision") for line in lines), lines  # fmt: skip
    assert "differences: none" in lines


SMALL = """fiscal_year,municipality,tier,measure_number,measure_name,numerator,denominator,result
2004,Montréal,single,INTN205,Devices per FTE,2000.0,2500.0,
2018,Montréal,single,INTN010,Total Budgeted Municipal FTE,,,24114.0
2018,Montréal,single,INTN205,Devices per FTE,27789.0,24114.0,
2018,Grand Sudbury (Greater),single,INTN010,Total Budgeted Municipal FTE,,,2546.0
2018,Grand Sudbury (Greater),single,INTN011,Override - Total Supported Municipal FTE,,,2160.0
2018,Grand Sudbury (Greater),single,INTN205,Devices per FTE,2623.0,2160.0,
2018,Lévis,single,INTN010,Total Budgeted Municipal FTE,,,1000
2018,Lévis,single,INTN205,Devices per FTE,,,
2018,Halton,upper,INTN011,Override - Total Supported Municipal FTE,,,2129.0
2018,Halton,upper,INTN205,Devices per FTE,3449.0,2129.0,
"""


async def test_accents_parentheses_blank_cells_early_years_tiers_and_the_tenants_place(metrics, tokens, tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(SMALL.encode("cp1252"))  # as a spreadsheet saves it
    assert (await run_cli(metrics, "load", str(path), "--no-progress"))[0] == 0
    client, auditor = metrics.metrics, tokens.headers("auditor")

    montreal = (await benchmark(client, auditor, municipality="MONTRÉAL", measure="INTN205"))["results"]
    assert [(r["fiscal_year"], r["municipality"], r["result"]) for r in montreal] == [
        (2004, "Montréal", "0.80"), (2018, "Montréal", "1.15")]  # fmt: skip
    assert [f["code"] for f in montreal[0]["flags"]] == ["denominator_as_reported"]  # before the input statistics
    levis = (await benchmark(client, auditor, municipality="Lévis", measure="INTN205"))["results"]
    assert (levis[0]["result"], [f["code"] for f in levis[0]["flags"]]) == (None, ["missing_numerator"])

    manager = tokens.headers("manager")
    for input_id, value in (("INTN010", "1000"), ("INTN212", "700"), ("INTN214", "500"), ("INTN216", "0")):
        body = {"fiscal_year": 2018, "input_id": input_id, "value": value, "provenance": {"source": "HR"}}
        assert (await client.post("/mbn/inputs", json=body, headers=manager)).status_code == 201
    found = await benchmark(client, manager, fiscal_year=2018, measure="INTN205")
    tiers = {t["tier"]: (t["count"], t["median"], t["minimum"], t["maximum"]) for t in found["tiers"]}
    assert tiers == {"single": (2, "1.18", "1.15", "1.21"), "upper": (1, "1.62", "1.62", "1.62")}
    assert [(p["tier"], p["value"], p["rank"], p["of"]) for p in found["place"]] == [("single", "1.20", 2, 3)]
    upper = await benchmark(client, manager, fiscal_year=2018, measure="INTN205", tier="upper")
    assert [(p["rank"], p["of"]) for p in upper["place"]] == [(2, 2)]
    assert (await benchmark(client, tokens.headers("auditor", tenant="elsewhere"), fiscal_year=2018))["place"] == []
