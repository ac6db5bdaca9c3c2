"""The audit decider, given / when / then, without I/O: open, scan, close and every classification and refusal."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from assets.domain.audit import AUDIT, AuditStatus, proposals
from assets.domain.audit_commands import CloseAudit, OpenAudit, Placement, ScanTags
from assets.domain.commands import MoveDevice, ReportMissing
from assets.domain.errors import AuditAlreadyClosed, AuditAlreadyOpened, AuditScanLimitReached
from events.contracts.audits import (
    MAX_EXPECTED,
    MAX_SCANS,
    AuditClosed,
    AuditedDevice,
    AuditOpened,
    DeviceFoundElsewhere,
    TagScanned,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

AUDIT_ID, HERE, THERE = uuid4(), "City Hall 2F", "Library, main branch"
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPTOP, DESKTOP, PRINTER = (AuditedDevice(device_id=uuid4(), asset_tag=tag) for tag in ("CITY-1", "CITY-2", "CITY-3"))
STRAY_ID, LATE_ID, GONE_ID = uuid4(), uuid4(), uuid4()  # a library laptop, one moved in since, one reported stolen


def at(minutes: int) -> datetime:
    return OPENED + timedelta(minutes=minutes)


OPEN = AuditOpened(at=OPENED, audit_id=AUDIT_ID, location=HERE, expected=[LAPTOP, DESKTOP, PRINTER])


def scanned(tag: str, minutes: int) -> TagScanned:
    return TagScanned(at=at(minutes), audit_id=AUDIT_ID, asset_tag=tag)


SCANS = (scanned("CITY-1", 1), scanned("LIB-7", 2), scanned("CITY-2", 3), scanned("NOPE-9", 4), scanned("CITY-8", 5))
PLACEMENTS = {"LIB-7": Placement(STRAY_ID, THERE, "deployed"), "CITY-8": Placement(LATE_ID, HERE, "in_stock")}
CLOSED = AuditClosed(
    at=at(60), audit_id=AUDIT_ID, location=HERE,
    found=[LAPTOP, DESKTOP, AuditedDevice(device_id=LATE_ID, asset_tag="CITY-8")], missing=[PRINTER],
    found_elsewhere=[DeviceFoundElsewhere(device_id=STRAY_ID, asset_tag="LIB-7", recorded_location=THERE,
                                          status="deployed")],
    unknown_tags=["NOPE-9"])


def test_opening_an_audit_keeps_what_the_inventory_placed_there():
    command = OpenAudit(audit_id=AUDIT_ID, location=HERE, expected=(LAPTOP, DESKTOP, PRINTER), at=OPENED)
    given(AUDIT).then(command, OPEN)
    state = given(AUDIT, OPEN).state
    assert (state.status, state.still_expected) == (AuditStatus.OPEN, 3)


def test_an_audit_is_opened_once():
    command = OpenAudit(audit_id=AUDIT_ID, location=HERE, expected=(), at=at(5))
    given(AUDIT, OPEN).refuses(command, AuditAlreadyOpened)


def test_an_audit_takes_a_bounded_snapshot_of_its_location():
    crowded = tuple(AuditedDevice(device_id=uuid4(), asset_tag=f"T-{n}") for n in range(MAX_EXPECTED + 1))
    refusal = given(AUDIT).refuses(OpenAudit(audit_id=AUDIT_ID, location=HERE, expected=crowded, at=OPENED),
                                   Unprocessable)
    assert refusal.field == "location"


def test_an_empty_location_can_be_audited_for_what_should_not_be_there():
    given(AUDIT).then(OpenAudit(audit_id=AUDIT_ID, location="Old annex", expected=(), at=OPENED),
                      AuditOpened(at=OPENED, audit_id=AUDIT_ID, location="Old annex", expected=[]))


def test_each_scan_records_the_tag_and_when_it_was_read():
    given(AUDIT, OPEN).then(ScanTags(tags=("CITY-1", "LIB-7"), at=at(1)),
                            TagScanned(at=at(1), audit_id=AUDIT_ID, asset_tag="CITY-1"),
                            TagScanned(at=at(1), audit_id=AUDIT_ID, asset_tag="LIB-7"))


def test_a_tag_scanned_twice_is_passed_over_and_its_first_reading_stands():
    given(AUDIT, OPEN, scanned("CITY-1", 1)).then(ScanTags(tags=("CITY-1", "CITY-2", "CITY-2"), at=at(2)),
                                                  scanned("CITY-2", 2))
    given(AUDIT, OPEN, scanned("CITY-1", 1)).then(ScanTags(tags=("CITY-1",), at=at(9)))  # nothing to record
    assert given(AUDIT, OPEN, scanned("CITY-1", 1), scanned("CITY-1", 9)).state.scans == {"CITY-1": at(1)}


def test_a_scan_before_the_audit_opened_is_refused():
    refusal = given(AUDIT, OPEN).refuses(ScanTags(tags=("CITY-1",), at=at(-1)), Unprocessable)
    assert refusal.field == "at"


def test_an_audit_that_was_never_opened_takes_no_scans_and_does_not_close():
    given(AUDIT).refuses(ScanTags(tags=("CITY-1",), at=at(1)), NotFound)
    given(AUDIT).refuses(CloseAudit(at=at(60)), NotFound)


def test_an_audit_holds_a_bounded_number_of_tags():
    full = [scanned(f"T-{n}", 1) for n in range(MAX_SCANS - 1)]
    given(AUDIT, OPEN, *full).then(ScanTags(tags=("T-0", "LAST"), at=at(2)), scanned("LAST", 2))
    given(AUDIT, OPEN, *full).refuses(ScanTags(tags=("ONE", "TOO-MANY"), at=at(2)), AuditScanLimitReached)


def test_closing_classifies_every_tag_found_missing_found_elsewhere_or_unknown():
    given(AUDIT, OPEN, *SCANS).then(CloseAudit(at=at(60), placements=PLACEMENTS), CLOSED)


def test_a_tag_the_inventory_places_here_since_the_audit_opened_is_found_not_moved():
    closed = given(AUDIT, OPEN, scanned("CITY-8", 5)).when(CloseAudit(at=at(60), placements=PLACEMENTS))[0]
    assert closed.found == [AuditedDevice(device_id=LATE_ID, asset_tag="CITY-8")] and not closed.found_elsewhere


def test_nothing_scanned_leaves_every_expected_device_missing():
    [closed] = given(AUDIT, OPEN).when(CloseAudit(at=at(60)))
    assert (closed.found, closed.missing, closed.unknown_tags) == ([], [LAPTOP, DESKTOP, PRINTER], [])


def test_a_closed_audit_takes_no_scans_and_is_not_closed_again():
    closed = given(AUDIT, OPEN, *SCANS, CLOSED)
    closed.refuses(ScanTags(tags=("CITY-3",), at=at(61)), AuditAlreadyClosed)
    closed.refuses(CloseAudit(at=at(62)), AuditAlreadyClosed)
    assert closed.state.status is AuditStatus.CLOSED


def test_closing_proposes_a_move_for_each_device_found_elsewhere_and_a_loss_report_for_each_missing():
    state = given(AUDIT, OPEN, *SCANS, CLOSED).state
    [move, loss] = proposals(state)
    assert (move.device_id, move.command) == (STRAY_ID, MoveDevice(location=HERE, at=at(2)))  # as of its scan
    assert loss.device_id == PRINTER.device_id and isinstance(loss.command, ReportMissing)
    assert (loss.command.stolen, loss.command.at) == (False, at(60))
    assert THERE in move.reason and HERE in loss.command.note


def test_a_device_the_inventory_holds_as_gone_is_listed_found_elsewhere_with_nothing_proposed():
    placements = {"GONE-1": Placement(GONE_ID, THERE, "stolen")}
    state = given(AUDIT, OPEN, scanned("GONE-1", 1), scanned("CITY-1", 1), scanned("CITY-2", 1),
                  scanned("CITY-3", 1)).state
    [closed] = AUDIT.decide(state, CloseAudit(at=at(60), placements=placements))
    assert [d.status for d in closed.found_elsewhere] == ["stolen"]
    assert proposals(AUDIT.evolve(state, closed)) == []


@pytest.mark.parametrize("history", [(), (OPEN,), (OPEN, *SCANS)])
def test_an_audit_not_closed_proposes_nothing(history):
    assert proposals(given(AUDIT, *history).state) == []
