"""The CSV import without I/O: reading a file, validating each row as POST /devices does, diffing it with a device."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from assets.device_csv import cell, cells_of, read_cell
from assets.domain import commands as cmd
from assets.domain.device import DEVICE
from assets.domain.device_state import Device
from assets.importing import Refusal, Row, UnreadableFile, decode, parse, plan_row
from events.contracts import assets as ev
from events.contracts.assets import Amortization, DeviceDetail, DeviceKind, MbnClass, Purchase

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HEADER = "asset_tag,kind,holds_storage,serial,model,purchased_on,cost,location"


def rows_of(*lines: str) -> tuple[list[Row], list[Refusal]]:
    return parse("\r\n".join(lines) + "\r\n")


def one_row(**cells: str) -> Row:
    return Row(2, {"asset_tag": "CITY-1", **cells})


def registered(**overrides) -> Device:
    fields = dict(at=datetime(2024, 1, 10, tzinfo=UTC), device_id=uuid4(), asset_tag="CITY-1", serial="5CG1",
                  manufacturer="Dell", model="Latitude 5440", kind=DeviceKind.LAPTOP, holds_storage=True,
                  purchase=Purchase(purchased_on=date(2024, 1, 5), cost=Decimal("1249.99"), supplier="Dell"),
                  amortization=Amortization(useful_life_months=48), location="City Hall", department="Finance",
                  mbn_class=MbnClass.LAPTOPS_TABLETS)
    return DEVICE.fold([ev.DeviceRegistered(**{**fields, **overrides})])


def test_rows_are_read_by_their_header_with_the_line_each_starts_on():
    rows, refusals = rows_of(HEADER, "CITY-1,laptop,true,5CG1,Latitude,2024-01-05,1249.99,City Hall",
                             "", '"CITY-2",desktop,false,,"OptiPlex\n7010",,,Library')
    assert refusals == []
    assert [(r.line, r.asset_tag) for r in rows] == [(2, "CITY-1"), (4, "CITY-2")]
    assert rows[1].cells["model"] == "OptiPlex\n7010" and rows[0].cells["cost"] == "1249.99"


def test_a_header_without_asset_tag_or_with_unknown_or_repeated_names_makes_the_file_unreadable():
    with pytest.raises(UnreadableFile) as bad:
        parse("tag,kind,kind,colour\nA,laptop,laptop,red\n")
    assert {(r.line, r.field) for r in bad.value.refusals} == {(1, "tag"), (1, "colour"), (1, "kind"),
                                                              (1, "asset_tag")}
    with pytest.raises(UnreadableFile):
        parse("")


def test_a_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte():
    with pytest.raises(UnreadableFile) as bad:
        decode("asset_tag,location\nA,Hôtel de ville\n".encode("latin-1"))
    assert (bad.value.refusals[0].line, bad.value.refusals[0].field) == (2, "file")
    assert decode("\ufeffasset_tag\nA\n".encode()) == "asset_tag\nA\n"  # Excel's byte-order mark


def test_rows_with_the_wrong_number_of_cells_a_nul_or_a_tag_given_twice_are_refused_by_line():
    rows, refusals = rows_of("asset_tag,location", "A,Hall", "B", "C,Lib\x00rary", "A,Annex", "D,Depot")
    assert [r.asset_tag for r in rows] == ["A", "D"]
    assert [(r.line, r.field) for r in refusals] == [(3, "row"), (4, "location"), (5, "asset_tag")]
    assert "line 2" in refusals[2].message


def test_an_export_column_is_read_past_and_a_defused_formula_comes_back_as_it_was():
    rows, refusals = rows_of("asset_tag,status,serial", "A,deployed,'=1+2")
    assert refusals == [] and rows[0].cells == {"asset_tag": "A", "serial": "=1+2"}
    assert cell("=1+2") == "'=1+2" and read_cell(cell("=1+2")) == "=1+2" and read_cell("'quoted") == "'quoted"


def test_a_new_tag_registers_the_device_as_post_devices_would():
    plan = plan_row(one_row(kind="laptop", holds_storage="yes", purchased_on="2024-01-05", cost="1249.99",
                            useful_life_months="48", registered_at="2024-01-10", location="City Hall"), NOW)
    (command,) = plan.commands
    assert plan.outcome == "created" and isinstance(command, cmd.RegisterDevice)
    assert (command.at, command.purchase.cost, command.amortization.useful_life_months, command.holds_storage) == (
        datetime(2024, 1, 10, tzinfo=UTC), Decimal("1249.99"), 48, True)
    assert plan_row(one_row(kind="laptop", holds_storage="false"), NOW).commands[0].at == NOW


@pytest.mark.parametrize(("cells", "field"), [
    ({"holds_storage": "true"}, "kind"),
    ({"kind": "toaster", "holds_storage": "true"}, "kind"),
    ({"kind": "laptop", "holds_storage": "maybe"}, "holds_storage"),
    ({"kind": "laptop", "holds_storage": "true", "cost": "12.50"}, "purchased_on"),
    ({"kind": "laptop", "holds_storage": "true", "purchased_on": "2024-02-30", "cost": "1"}, "purchased_on"),
    ({"kind": "laptop", "holds_storage": "true", "purchased_on": "2024-01-05", "cost": "1,249.99"}, "cost"),
    ({"kind": "laptop", "holds_storage": "true", "useful_life_months": "48", "amortization_method": "sum"},
     "amortization_method"),
    ({"kind": "other", "holds_storage": "true", "mbn_class_override": "smartphones"}, "override_reason"),
    ({"kind": "laptop", "holds_storage": "true", "registered_at": "2999-01-01"}, "registered_at"),
    ({"kind": "laptop", "holds_storage": "true", "serial": "x" * 201}, "serial"),
])
def test_a_bad_row_is_refused_naming_its_line_and_field(cells, field):
    plan = plan_row(one_row(**cells), NOW)
    assert plan.outcome == "refused" and plan.commands == ()
    assert (plan.refusals[0].line, plan.refusals[0].field) == (2, field), plan.refusals


def test_a_blank_asset_tag_is_refused_by_name():
    plan = plan_row(Row(7, {"asset_tag": "", "kind": "laptop", "holds_storage": "true"}), NOW)
    assert [(r.line, r.field) for r in plan.refusals] == [(7, "asset_tag")]


def test_a_row_that_says_what_the_device_already_is_records_nothing():
    device = registered()
    assert plan_row(Row(2, cells_of(device)), NOW, device).outcome == "unchanged"
    assert plan_row(one_row(location="City Hall", serial="5CG1"), NOW, device).outcome == "unchanged"


def test_a_changed_row_moves_the_device_and_corrects_its_other_details_as_of_now():
    device = registered()
    plan = plan_row(one_row(location="Library", serial="5CG9", cost="1200.00", warranty_ends_on="2027-01-05"), NOW,
                    device)
    move, correction = plan.commands
    assert plan.outcome == "changed" and move == cmd.MoveDevice("Library", NOW)
    assert correction.changed == (DeviceDetail.SERIAL, DeviceDetail.WARRANTY_ENDS_ON, DeviceDetail.PURCHASE)
    assert (correction.serial, correction.warranty_ends_on, correction.purchase.cost, correction.purchase.supplier) == (
        "5CG9", date(2027, 1, 5), Decimal("1200.00"), "Dell")  # the supplier left out stays as it was
    assert DEVICE.decide(device, correction) == [ev.DeviceDetailsCorrected(
        at=NOW, device_id=device.device_id, changed=list(correction.changed), serial="5CG9",
        warranty_ends_on=date(2027, 1, 5), purchase=correction.purchase)]


def test_a_blank_cell_empties_a_detail_but_never_the_kind_and_a_blank_location_is_refused():
    device = registered()
    (correction,) = plan_row(one_row(serial="", kind="", holds_storage=""), NOW, device).commands
    assert (correction.changed, correction.serial) == ((DeviceDetail.SERIAL,), "")
    assert plan_row(one_row(location=""), NOW, device).refusals[0].field == "location"


@pytest.mark.parametrize(("cells", "field"), [
    ({"kind": "desktop"}, "kind"),
    ({"holds_storage": "false"}, "holds_storage"),
    ({"mbn_class_override": "smartphones", "override_reason": "a phone now"}, "mbn_class_override"),
])
def test_an_import_never_changes_what_a_device_is(cells, field):
    plan = plan_row(one_row(**cells), NOW, registered())
    assert [r.field for r in plan.refusals] == [field]


def test_a_gone_device_takes_no_correction():
    device = DEVICE.evolve(registered(), ev.DeviceReportedMissing(at=NOW, device_id=uuid4(), stolen=True))
    plan = plan_row(one_row(model="Latitude 7440"), NOW, device)
    assert [r.field for r in plan.refusals] == ["model"] and "DeviceGone" in plan.refusals[0].message
    assert plan_row(one_row(model="Latitude 5440"), NOW, device).outcome == "unchanged"


def test_an_overridden_device_exported_and_imported_back_is_unchanged():
    kiosk = registered(kind=DeviceKind.OTHER, mbn_class=MbnClass.DESKTOPS_THIN_CLIENTS,
                       mbn_class_override_reason="Library kiosks are desktops", amortization=None, purchase=None)
    cells = {**cells_of(kiosk), "override_reason": "Library kiosks are desktops"}
    assert plan_row(Row(2, cells), NOW, kiosk).outcome == "unchanged"
