"""The device decider, given / when / then, without I/O: every transition and every refusal of a device's life."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from assets.domain import commands as cmd
from assets.domain.device import DEVICE, fold_in_valid_time
from assets.domain.device_state import Status
from assets.domain.errors import (
    DeviceAlreadyRegistered,
    DeviceAssignedToSomeoneElse,
    DeviceGone,
    DeviceNotInThatState,
    DeviceStillAssigned,
    DisposalNeedsSanitization,
)
from events.contracts import assets as ev
from events.contracts.assets import Amortization, DeviceKind, MbnClass, Purchase, SanitizationMethod
from events.errors import NotFound
from events.testing import given

ID, TAG, TICKET = uuid4(), "CITY-004217", uuid4()
BOUGHT = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)  # the laptop arrives on the register
PURCHASE = Purchase(purchased_on=BOUGHT.date(), cost=Decimal("1249.99"), supplier="Dell", order_number="PO-8812")
AMORTIZATION = Amortization(useful_life_months=48, salvage_value=Decimal("100.00"))


def at(days: int) -> datetime:
    return BOUGHT + timedelta(days=days)


def register(**overrides) -> cmd.RegisterDevice:
    fields = dict(device_id=ID, asset_tag=TAG, kind=DeviceKind.LAPTOP, holds_storage=True, at=BOUGHT,
                  serial="5CG81234", manufacturer="Dell", model="Latitude 5490", purchase=PURCHASE,
                  amortization=AMORTIZATION, warranty_ends_on=at(3 * 365).date(), location="City Hall stores",
                  department="Finance")
    return cmd.RegisterDevice(**{**fields, **overrides})


REGISTERED = ev.DeviceRegistered(
    at=BOUGHT, device_id=ID, asset_tag=TAG, serial="5CG81234", manufacturer="Dell", model="Latitude 5490",
    kind=DeviceKind.LAPTOP, holds_storage=True, purchase=PURCHASE, amortization=AMORTIZATION,
    warranty_ends_on=at(3 * 365).date(), location="City Hall stores", department="Finance",
    mbn_class=MbnClass.LAPTOPS_TABLETS)
ORDERED = REGISTERED.model_copy(update={"on_order": True})
NO_STORAGE = REGISTERED.model_copy(update={"kind": DeviceKind.MONITOR, "holds_storage": False,
                                           "mbn_class": MbnClass.NOT_COUNTED})
RECEIVED = ev.DeviceReceived(at=at(1), device_id=ID, location="Stores B")
INSTALLED = ev.DeviceInstalled(at=at(2), device_id=ID, location="City Hall 2F", person_id="ann", technician_id="tom",
                               software=["Office 2016", "Acrobat"])
ASSIGNED_ANN = ev.DeviceAssigned(at=at(1), device_id=ID, person_id="ann")
SHARED = INSTALLED.model_copy(update={"person_id": None, "location": "Library kiosk"})  # deployed, with nobody
SENT = ev.DeviceSentForRepair(at=at(3), device_id=ID, reason="Cracked screen", ticket_id=TICKET)
RETIRED = ev.DeviceRetired(at=at(5), device_id=ID, reason="End of useful life")
SANITIZED = ev.DeviceSanitized(at=at(6), device_id=ID, method=SanitizationMethod.PURGE, tool="Blancco 7",
                               operator_id="tom", verification="Full read-back verified", certificate_ref="SAN-0042")
HANDED = ev.DeviceHandedToDisposalVendor(at=at(7), device_id=ID, vendor="GreenCycle", lot="LOT-19", carrier="Purolator")
DISPOSED = ev.DeviceDisposed(at=at(8), device_id=ID, asset_tag=TAG, certificate_ref="COD-7731", vendor="GreenCycle")
LOST = ev.DeviceReportedMissing(at=at(4), device_id=ID, stolen=False, note="Not seen since the move")
STOLEN = ev.DeviceReportedMissing(at=at(4), device_id=ID, stolen=True, note="Police report 18-4411")

# One history per state a command may meet; "deployed" is with nobody, so only the state decides.
HISTORIES = {
    "on_order": [ORDERED],
    "in_stock": [REGISTERED],
    "deployed": [REGISTERED, SHARED],
    "in_repair": [REGISTERED, SENT],
    "retired": [REGISTERED, RETIRED],
}
GONE = {"disposed": [REGISTERED, RETIRED, SANITIZED, DISPOSED], "lost": [REGISTERED, LOST],
        "stolen": [REGISTERED, INSTALLED, STOLEN]}

RECEIVE, INSTALL = cmd.ReceiveDevice(at=at(1), location="Stores B"), cmd.InstallDevice("City Hall 2F", "tom", at=at(2))
ASSIGN, RETURN, MOVE = cmd.AssignDevice("bob", at=at(2)), cmd.ReturnDevice(at=at(9)), cmd.MoveDevice("Depot", at=at(9))
REPAIR, BACK = cmd.SendForRepair("Cracked screen", at=at(3), ticket_id=TICKET), cmd.ReturnFromRepair(at=at(4))
RETIRE = cmd.RetireDevice("End of useful life", at=at(5))
SANITIZE = cmd.SanitizeDevice(SanitizationMethod.PURGE, "Blancco 7", "tom", "Full read-back verified", "SAN-0042",
                              at=at(6))
HAND_OVER = cmd.HandToDisposalVendor("GreenCycle", at=at(7), lot="LOT-19", carrier="Purolator")
DISPOSE = cmd.DisposeDevice("COD-7731", at=at(8), vendor="GreenCycle")
REPORT_LOST = cmd.ReportMissing(stolen=False, at=at(4), note="Not seen since the move")

# Where each command may act, in the decider's words; reporting a device missing is allowed everywhere.
ALLOWED = [
    (RECEIVE, "received", ["on_order"]), (INSTALL, "installed", ["in_stock"]),
    (ASSIGN, "assigned", ["in_stock", "deployed"]), (RETURN, "returned", ["deployed"]),
    (MOVE, "moved", ["on_order", "in_stock", "deployed", "in_repair", "retired"]),
    (REPAIR, "sent for repair", ["in_stock", "deployed"]), (BACK, "back from repair", ["in_repair"]),
    (RETIRE, "retired", ["in_stock", "deployed", "in_repair"]), (SANITIZE, "sanitized", ["retired"]),
    (HAND_OVER, "handed to a disposal vendor", ["retired"]), (DISPOSE, "disposed", ["retired"]),
]
EVERY_COMMAND = [command for command, _, _ in ALLOWED] + [REPORT_LOST]
OUT_OF_STATE = [(command, action, allowed, state) for command, action, allowed in ALLOWED
                for state in HISTORIES if state not in allowed]


def name(command) -> str:
    return type(command).__name__


# Registration


def test_registering_a_device_records_everything_known_about_it_in_stock():
    given(DEVICE).then(register(), REGISTERED)
    device = given(DEVICE, REGISTERED).state
    assert (device.status, device.asset_tag, device.purchase, device.amortization, device.location) == (
        Status.IN_STOCK, TAG, PURCHASE, AMORTIZATION, "City Hall stores")


def test_a_device_registered_on_order_waits_to_be_received():
    given(DEVICE).then(register(on_order=True), ORDERED)
    assert given(DEVICE, ORDERED).state.status is Status.ON_ORDER


@pytest.mark.parametrize(("kind", "mbn_class"), [
    (DeviceKind.LAPTOP, MbnClass.LAPTOPS_TABLETS), (DeviceKind.TABLET, MbnClass.LAPTOPS_TABLETS),
    (DeviceKind.DESKTOP, MbnClass.DESKTOPS_THIN_CLIENTS), (DeviceKind.THIN_CLIENT, MbnClass.DESKTOPS_THIN_CLIENTS),
    (DeviceKind.SMARTPHONE, MbnClass.SMARTPHONES), (DeviceKind.PRINTER, MbnClass.NOT_COUNTED),
    (DeviceKind.MONITOR, MbnClass.NOT_COUNTED), (DeviceKind.NETWORK_DEVICE, MbnClass.NOT_COUNTED),
    (DeviceKind.SERVER, MbnClass.NOT_COUNTED), (DeviceKind.PERIPHERAL, MbnClass.NOT_COUNTED),
    (DeviceKind.OTHER, MbnClass.NOT_COUNTED),
])
def test_the_mbn_class_follows_from_the_kind(kind, mbn_class):
    expected = REGISTERED.model_copy(update={"kind": kind, "mbn_class": mbn_class})
    given(DEVICE).then(register(kind=kind), expected)
    assert given(DEVICE, expected).state.mbn_class is mbn_class


def test_an_mbn_class_override_is_kept_with_its_reason():
    reason = "Loaner pool laptop, not issued to staff: outside INTN212"
    expected = REGISTERED.model_copy(update={"mbn_class": MbnClass.NOT_COUNTED, "mbn_class_override_reason": reason})
    given(DEVICE).then(register(mbn_class_override=MbnClass.NOT_COUNTED, override_reason=reason), expected)
    assert given(DEVICE, expected).state.mbn_class is MbnClass.NOT_COUNTED


def test_a_reason_given_without_an_override_records_no_override():
    given(DEVICE).then(register(override_reason="just because"), REGISTERED)


@pytest.mark.parametrize("history", [*HISTORIES, *GONE])
def test_a_device_cannot_be_registered_twice(history):
    given(DEVICE, *{**HISTORIES, **GONE}[history]).refuses(register(), DeviceAlreadyRegistered,
                                                           match="already registered")


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=name)
def test_every_command_on_a_device_that_does_not_exist_is_not_found(command):
    given(DEVICE).refuses(command, NotFound, match="no such device")


# The lifecycle


def test_an_ordered_device_is_received_into_stock_where_it_arrived():
    given(DEVICE, ORDERED).then(RECEIVE, RECEIVED)
    device = given(DEVICE, ORDERED, RECEIVED).state
    assert (device.status, device.location) == (Status.IN_STOCK, "Stores B")


def test_a_device_received_without_a_location_stays_where_it_was_registered():
    received = RECEIVED.model_copy(update={"location": "City Hall stores"})
    given(DEVICE, ORDERED).then(cmd.ReceiveDevice(at=at(1)), received)


def test_installing_records_where_for_whom_by_which_technician_and_the_software_loaded():
    command = cmd.InstallDevice("City Hall 2F", "tom", at=at(2), person_id="ann", software=("Office 2016", "Acrobat"))
    given(DEVICE, REGISTERED).then(command, INSTALLED)
    device = given(DEVICE, REGISTERED, INSTALLED).state
    assert (device.status, device.location, device.person_id, device.software) == (
        Status.DEPLOYED, "City Hall 2F", "ann", ("Office 2016", "Acrobat"))


def test_a_device_installed_for_nobody_is_deployed_with_nobody():
    assert given(DEVICE, REGISTERED, SHARED).state.person_id is None


@pytest.mark.parametrize("history", ["in_stock", "deployed"])
def test_a_device_in_stock_or_deployed_with_nobody_is_assigned_to_a_person(history):
    assigned = ev.DeviceAssigned(at=at(2), device_id=ID, person_id="bob")
    given(DEVICE, *HISTORIES[history]).then(ASSIGN, assigned)
    device = given(DEVICE, *HISTORIES[history], assigned).state
    assert (device.status, device.person_id) == (Status.DEPLOYED, "bob")


@pytest.mark.parametrize("history", [[REGISTERED, INSTALLED], [REGISTERED, ASSIGNED_ANN]],
                         ids=["installed_for_ann", "assigned_to_ann"])
def test_a_device_with_someone_is_not_assigned_to_another_until_returned(history):
    given(DEVICE, *history).refuses(ASSIGN, DeviceAssignedToSomeoneElse, match="is with ann: return it before")


def test_returning_a_deployed_device_puts_it_back_in_stock_with_nobody():
    returned = ev.DeviceReturned(at=at(9), device_id=ID, person_id="ann", location="City Hall stores")
    given(DEVICE, REGISTERED, INSTALLED).then(cmd.ReturnDevice(at=at(9), location="City Hall stores"), returned)
    device = given(DEVICE, REGISTERED, INSTALLED, returned).state
    assert (device.status, device.person_id, device.location) == (Status.IN_STOCK, None, "City Hall stores")


def test_a_device_returned_without_a_location_stays_where_it_was():
    returned = ev.DeviceReturned(at=at(9), device_id=ID, person_id="ann", location="City Hall 2F")
    given(DEVICE, REGISTERED, INSTALLED).then(RETURN, returned)


@pytest.mark.parametrize("history", ["on_order", "in_stock", "deployed", "in_repair", "retired"])
def test_a_device_the_city_holds_is_moved_in_any_state_and_keeps_it(history):
    moved = ev.DeviceMoved(at=at(9), device_id=ID, location="Depot")
    given(DEVICE, *HISTORIES[history]).then(MOVE, moved)
    before, after = given(DEVICE, *HISTORIES[history]).state, given(DEVICE, *HISTORIES[history], moved).state
    assert (after.status, after.location) == (before.status, "Depot")


@pytest.mark.parametrize("history", [[REGISTERED], [REGISTERED, INSTALLED]], ids=["in_stock", "deployed"])
def test_a_device_back_from_repair_returns_to_the_state_it_left(history):
    back = ev.DeviceBackFromRepair(at=at(4), device_id=ID, note="Screen replaced")
    given(DEVICE, *history).then(REPAIR, SENT)
    given(DEVICE, *history, SENT).then(cmd.ReturnFromRepair(at=at(4), note="Screen replaced"), back)
    left, returned = given(DEVICE, *history).state, given(DEVICE, *history, SENT, back).state
    assert given(DEVICE, *history, SENT).state.status is Status.IN_REPAIR
    assert (returned.status, returned.person_id) == (left.status, left.person_id)


@pytest.mark.parametrize("history", ["in_stock", "deployed", "in_repair"])
def test_a_device_with_nobody_is_retired_with_a_reason_to_await_disposal(history):
    given(DEVICE, *HISTORIES[history]).then(RETIRE, RETIRED)
    assert given(DEVICE, *HISTORIES[history], RETIRED).state.status is Status.RETIRED


@pytest.mark.parametrize("history", [[REGISTERED, INSTALLED], [REGISTERED, INSTALLED, SENT]],
                         ids=["deployed", "in_repair"])
def test_a_device_still_with_someone_is_not_retired(history):
    given(DEVICE, *history).refuses(RETIRE, DeviceStillAssigned, match="is with ann: return it before retiring")


# Disposal with a chain of custody


def test_a_retired_device_is_sanitized_as_nist_800_88_describes():
    given(DEVICE, REGISTERED, RETIRED).then(SANITIZE, SANITIZED)
    assert given(DEVICE, REGISTERED, RETIRED, SANITIZED).state.sanitized


def test_a_sanitized_device_is_handed_to_a_disposal_vendor():
    given(DEVICE, REGISTERED, RETIRED, SANITIZED).then(HAND_OVER, HANDED)
    device = given(DEVICE, REGISTERED, RETIRED, SANITIZED, HANDED).state
    assert (device.status, device.disposal_vendor) == (Status.RETIRED, "GreenCycle")


@pytest.mark.parametrize("command", [HAND_OVER, DISPOSE], ids=name)
def test_a_device_holding_storage_does_not_leave_without_a_sanitization_record(command):
    given(DEVICE, REGISTERED, RETIRED).refuses(command, DisposalNeedsSanitization, match="sanitization record")


def test_disposing_a_sanitized_device_records_its_certificate_and_asset_tag():
    given(DEVICE, REGISTERED, RETIRED, SANITIZED, HANDED).then(DISPOSE, DISPOSED)
    device = given(DEVICE, REGISTERED, RETIRED, SANITIZED, HANDED, DISPOSED).state
    assert (device.status, device.person_id) == (Status.DISPOSED, None)


def test_disposal_names_the_vendor_the_device_was_handed_to_when_the_command_does_not():
    given(DEVICE, REGISTERED, RETIRED, SANITIZED, HANDED).then(cmd.DisposeDevice("COD-7731", at=at(8)), DISPOSED)


@pytest.mark.parametrize(("command", "decided"), [(HAND_OVER, HANDED), (DISPOSE, DISPOSED)],
                         ids=["handed_over", "disposed"])
def test_a_device_without_storage_leaves_without_sanitization(command, decided):
    given(DEVICE, NO_STORAGE, RETIRED).then(command, decided)


@pytest.mark.parametrize("stolen", [False, True], ids=["lost", "stolen"])
@pytest.mark.parametrize("history", [*HISTORIES, "deployed_with_ann"])
def test_a_device_is_reported_lost_or_stolen_from_any_state_the_city_holds_it_in(history, stolen):
    events = HISTORIES.get(history, [REGISTERED, INSTALLED])
    reported = STOLEN if stolen else LOST
    given(DEVICE, *events).then(cmd.ReportMissing(stolen=stolen, at=at(4), note=reported.note), reported)
    assert given(DEVICE, *events, reported).state.status is (Status.STOLEN if stolen else Status.LOST)


@pytest.mark.parametrize("gone", GONE)
@pytest.mark.parametrize("command", EVERY_COMMAND, ids=name)
def test_a_gone_device_refuses_every_command(gone, command):
    given(DEVICE, *GONE[gone]).refuses(command, DeviceGone, match=f"is {gone}: nothing more happens to it")


@pytest.mark.parametrize(("command", "action", "allowed", "state"), OUT_OF_STATE,
                         ids=[f"{name(c)}-{s}" for c, _, _, s in OUT_OF_STATE])
def test_a_command_out_of_its_states_is_refused_naming_where_it_may_act(command, action, allowed, state):
    refusal = given(DEVICE, *HISTORIES[state]).refuses(command, DeviceNotInThatState,
                                                       match=f"is {state}: only a device .* can be {action}$")
    assert all(status in str(refusal) for status in allowed), f"{refusal} does not name {allowed}"


# True in valid time


def test_a_backdated_install_takes_its_place_before_a_later_move():
    moved = ev.DeviceMoved(at=at(10), device_id=ID, location="Depot")
    recorded = [(BOUGHT, BOUGHT, 1, REGISTERED), (at(10), at(10), 2, moved), (at(2), at(20), 3, INSTALLED)]
    timeline = fold_in_valid_time(recorded)
    assert [(began, s.status, s.location) for began, s in timeline] == [
        (BOUGHT, Status.IN_STOCK, "City Hall stores"), (at(2), Status.DEPLOYED, "City Hall 2F"),
        (at(10), Status.DEPLOYED, "Depot")]
    assert timeline[-1][1].person_id == "ann"


def test_events_at_the_same_instant_keep_their_stream_order():
    moved = ev.DeviceMoved(at=RECEIVED.at, device_id=ID, location="Depot")  # the same instant as the receipt
    recorded = [(at(1), at(1), 3, moved), (BOUGHT, BOUGHT, 1, ORDERED), (at(1), at(1), 2, RECEIVED)]
    timeline = fold_in_valid_time(recorded)
    assert [s.location for _, s in timeline] == ["City Hall stores", "Stores B", "Depot"]
    assert timeline[-1][1].status is Status.IN_STOCK
