"""Devices in bulk against real Postgres: CSV import over REST and from the command line, and the CSV export."""

import asyncio
import csv
import io
import os
import sys

import pytest

from support.suite import suite_of

CSV = {"Content-Type": "text/csv"}
COLUMNS = ("asset_tag", "kind", "holds_storage", "serial", "manufacturer", "model", "purchased_on", "cost",
           "supplier", "useful_life_months", "location", "department")


@pytest.fixture
async def assets(settings_for, db):
    """The assets service alone, its relay off; its settings name the test's schema for the command line."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


@pytest.fixture
def inventory(assets):
    return assets.assets


def device_row(n: int, **overrides) -> dict:
    row = {"asset_tag": f"CITY-{n:05d}", "kind": "laptop", "holds_storage": "true", "serial": f"5CG{n:05d}",
           "manufacturer": "Dell", "model": "Latitude 5440", "purchased_on": "2024-01-05", "cost": "1249.99",
           "supplier": "Dell Canada", "useful_life_months": "48", "location": "City Hall", "department": "Finance"}
    return {**row, **overrides}


def csv_of(rows: list[dict], columns=None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


async def import_csv(inventory, headers, text: str, status: int = 200, **params) -> dict:
    response = await inventory.post("/devices/import", content=text.encode(), params=params,
                                    headers={**headers, **CSV})
    assert response.status_code == status, response.text
    return response.json()


async def devices(inventory, headers, **params) -> dict:
    response = await inventory.get("/devices", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def counts(report: dict) -> tuple[int, int, int, int]:
    return report["created"], report["changed"], report["unchanged"], report["refused"]


async def test_the_same_file_twice_creates_nothing_new(inventory, tokens):
    tech = tokens.headers("technician")
    text = csv_of([device_row(n) for n in range(1, 26)])
    assert counts(await import_csv(inventory, tech, text)) == (25, 0, 0, 0)
    assert counts(await import_csv(inventory, tokens.headers("manager"), text)) == (0, 0, 25, 0)
    found = await devices(inventory, tech)
    assert found["total"] == 25 and found["items"][0]["asset_tag"] == "CITY-00001"
    keyed = {**tech, **CSV, "Idempotency-Key": "import-26"}
    first = await inventory.post("/devices/import", content=csv_of([device_row(26)]), headers=keyed)
    replayed = await inventory.post("/devices/import", content=csv_of([device_row(26)]), headers=keyed)
    assert counts(first.json()) == counts(replayed.json()) == (1, 0, 0, 0)  # the first answer, not "unchanged"
    assert replayed.headers["Idempotent-Replayed"] == "true"


async def test_a_changed_row_records_what_changed_in_the_device_history(inventory, tokens):
    tech = tokens.headers("technician")
    await import_csv(inventory, tech, csv_of([device_row(1), device_row(2)]))
    changed = [device_row(1, location="Library, 2F", serial="5CG99999", cost="1199.00"), device_row(2)]
    assert counts(await import_csv(inventory, tech, csv_of(changed))) == (0, 1, 1, 0)
    (item,) = (await devices(inventory, tech, serial="5CG99999"))["items"]  # the list row follows
    history = (await inventory.get(f"/devices/{item['id']}/history", headers=tech)).json()
    assert [entry["type"] for entry in history] == ["assets.device_registered", "assets.device_moved",
                                                   "assets.device_details_corrected"]
    assert history[1]["data"]["location"] == "Library, 2F"
    correction = history[2]["data"]
    assert (correction["changed"], correction["serial"], correction["purchase"]["cost"]) == (
        ["serial", "purchase"], "5CG99999", "1199.00")
    device = (await inventory.get(f"/devices/{item['id']}", headers=tech)).json()
    assert (device["location"], device["serial"], device["purchase"]["supplier"]) == ("Library, 2F", "5CG99999",
                                                                                      "Dell Canada")
    assert counts(await import_csv(inventory, tech, csv_of(changed))) == (0, 0, 2, 0)


BAD_ROWS = [device_row(1), device_row(2, kind="toaster"), device_row(3), device_row(4, cost="12,50"),
            device_row(5, asset_tag="CITY-00001")]


async def test_a_file_with_bad_rows_names_each_line_and_field_and_imports_nothing(inventory, tokens):
    tech = tokens.headers("technician")
    refused = await import_csv(inventory, tech, csv_of(BAD_ROWS), status=422)
    assert [(e["line"], e["field"]) for e in refused["errors"]] == [(3, "kind"), (5, "cost"), (6, "asset_tag")]
    assert counts(refused) == (0, 0, 0, 3)
    assert (await devices(inventory, tech))["total"] == 0


async def test_the_good_rows_of_a_file_with_bad_ones_are_imported_when_asked(inventory, tokens):
    tech = tokens.headers("technician")
    report = await import_csv(inventory, tech, csv_of(BAD_ROWS), good_rows_only="true")
    assert counts(report) == (2, 0, 0, 3)
    assert [(r["line"], r["field"]) for r in report["refusals"]] == [(3, "kind"), (5, "cost"), (6, "asset_tag")]
    assert [d["asset_tag"] for d in (await devices(inventory, tech))["items"]] == ["CITY-00001", "CITY-00003"]


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"asset_tag,kind\nA,laptop\n", "application/json", 415),
    (b"", "text/csv", 422),
    (b"tag,kind\nA,laptop\n", "text/csv", 422),
    ("asset_tag,location\nA,H\u00f4tel de ville\n".encode("latin-1"), "text/csv", 422),
    (b"asset_tag,location\nA,Hall\x00\n", "text/csv", 422),
    (b'asset_tag,location\n"A,"Hall\n' + b"x" * 200_000 + b"\n", "text/csv", 422),
    (b"asset_tag\n" + b"A\n" * 600_000, "text/csv", 413),
])
async def test_a_file_that_is_not_good_csv_is_a_4xx_and_imports_nothing(inventory, tokens, body, content_type, status):
    tech = tokens.headers("technician")
    response = await inventory.post("/devices/import", content=body, headers={**tech, "Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await devices(inventory, tech))["total"] == 0


def mbn_rows() -> list[dict]:
    """50 devices: 20 laptops and tablets bought in 2018, the rest in 2019, 2 of them still on order."""
    kinds = ["laptop", "tablet"] * 10 + ["desktop", "thin_client"] * 7 + ["desktop"] + ["smartphone"] * 8 + [
        "printer", "monitor", "network_device", "server", "peripheral"] + ["laptop"] * 2
    rows = [device_row(n, kind=kind, registered_at="2018-06-01" if n <= 20 else "2019-06-01", on_order="")
            for n, kind in enumerate(kinds, start=1)]
    for row in rows[-2:]:
        row["on_order"] = "true"
    return rows


async def test_fifty_devices_imported_are_counted_per_mbn_class_as_of_two_dates(inventory, tokens):
    tech = tokens.headers("technician")
    rows = mbn_rows()
    assert len(rows) == 50
    assert counts(await import_csv(inventory, tech, csv_of(rows)))[0] == 50

    async def counted(as_of: str) -> dict:
        response = await inventory.get("/inventory/mbn-counts", params={"as_of": as_of}, headers=tech)
        assert response.status_code == 200, response.text
        return response.json()

    end_2018, end_2019 = await counted("2018-12-31"), await counted("2019-12-31")
    assert (end_2018["counts"], end_2018["total"]) == (
        {"laptops_tablets": 20, "desktops_thin_clients": 0, "smartphones": 0}, 20)
    assert (end_2019["counts"], end_2019["total"]) == (
        {"laptops_tablets": 20, "desktops_thin_clients": 15, "smartphones": 8}, 43)  # not the 2 on order
    assert (await counted("2018-05-31"))["total"] == 0


async def test_an_export_imported_back_changes_nothing(inventory, tokens):
    tech = tokens.headers("technician")
    kiosk = device_row(3, kind="other", mbn_class_override="desktops_thin_clients",
                       override_reason="Library kiosks are desktops", serial="=HYPERLINK(\"x\")")
    rows = [device_row(1), device_row(2, kind="smartphone", holds_storage="false", useful_life_months=""), kiosk]
    await import_csv(inventory, tech, csv_of(rows, columns=[*COLUMNS, "mbn_class_override", "override_reason"]))
    (phone,) = (await devices(inventory, tech, mbn_class="smartphones"))["items"]
    installed = await inventory.post(f"/devices/{phone['id']}/install", headers=tech,
                                     json={"location": "Clerk's office", "person_id": "ann"})
    assert installed.status_code == 200, installed.text

    export = await inventory.get("/devices", params={"format": "csv"}, headers=tech)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    exported = list(csv.DictReader(io.StringIO(export.text)))
    assert [row["asset_tag"] for row in exported] == ["CITY-00001", "CITY-00002", "CITY-00003"]
    assert (exported[1]["location"], exported[1]["status"], exported[1]["person_id"]) == ("Clerk's office",
                                                                                          "deployed", "ann")
    assert (exported[2]["mbn_class_override"], exported[2]["serial"]) == ("desktops_thin_clients",
                                                                          "'=HYPERLINK(\"x\")")
    assert counts(await import_csv(inventory, tech, export.text)) == (0, 0, 3, 0)

    filtered = await inventory.get("/devices", params={"format": "csv", "mbn_class": "smartphones"}, headers=tech)
    assert [row["asset_tag"] for row in csv.DictReader(io.StringIO(filtered.text))] == ["CITY-00002"]
    before = await inventory.get("/devices", params={"format": "csv", "as_of": "2000-01-01"}, headers=tech)
    assert before.text.splitlines()[0].startswith("asset_tag,kind,") and len(before.text.splitlines()) == 1


async def run_cli(assets, *args: str) -> tuple[int, str, str]:
    settings = assets.settings["assets"]
    env = {name: value for name, value in os.environ.items() if name != "TENANT"}
    env |= {"DATABASE_URL": settings.database_url, "DB_SCHEMA": settings.schema}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "assets.import_devices", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_the_command_line_imports_a_file_with_a_progress_bar(assets, tokens, tmp_path):
    tech = tokens.headers("technician")
    path = tmp_path / "devices.csv"
    path.write_text(csv_of([device_row(n) for n in range(1, 41)]))
    status, out, err = await run_cli(assets, str(path), "--tenant", tokens.tenant, "--actor", "import:ops")
    assert status == 0, err
    assert "40 created, 0 changed, 0 unchanged, 0 refused" in out
    assert "importing" in err and "40/40" in err  # tqdm's bar, on stderr
    found = await devices(assets.assets, tech)
    assert found["total"] == 40
    history = (await assets.assets.get(f"/devices/{found['items'][0]['id']}/history", headers=tech)).json()
    assert history[0]["actor"] == "import:ops"

    path.write_text(csv_of([device_row(1, location="Annex"), device_row(41, kind="toaster")]))
    status, out, err = await run_cli(assets, str(path), "--tenant", tokens.tenant, "--no-progress")
    assert (status, out) == (1, "") and "line 3, kind:" in err and "nothing imported" in err
    status, out, err = await run_cli(assets, str(path), "--tenant", tokens.tenant, "--good-rows-only")
    assert status == 0 and "0 created, 1 changed, 0 unchanged, 1 refused" in out and "line 3, kind:" in err


async def test_the_command_line_explains_itself_and_refuses_what_it_does_not_know(assets):
    status, out, _ = await run_cli(assets, "--help")
    assert status == 0 and "asset_tag" in out and "--good-rows-only" in out and "DATABASE_URL" in out
    status, _, err = await run_cli(assets, "devices.csv", "--tenant", "x", "--colour", "red")
    assert status == 2 and "unrecognized arguments: --colour" in err
    status, _, err = await run_cli(assets, "devices.csv")
    assert status == 2 and "--tenant" in err
