"""The device decider: a device's lifecycle from order to certified disposal, as commands, state and events.

on order -> in stock -> deployed -> in repair -> back -> retired (awaiting disposal) -> disposed;
lost or stolen from any state but the end ones.
"""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from assets.domain.commands import (
    AssignDevice,
    Command,
    CorrectDeviceDetails,
    DisposeDevice,
    HandToDisposalVendor,
    InstallDevice,
    MoveDevice,
    ReceiveDevice,
    RecordRepair,
    RegisterDevice,
    ReportMissing,
    RetireDevice,
    ReturnDevice,
    ReturnFromRepair,
    SanitizeDevice,
    SendForRepair,
)
from assets.domain.device_state import GONE, NO_DEVICE, Device, Status, mbn_class_of
from assets.domain.errors import (
    DeviceAlreadyRegistered,
    DeviceAssignedToSomeoneElse,
    DeviceGone,
    DeviceNotInThatState,
    DeviceStillAssigned,
    DisposalNeedsSanitization,
    RepairAlreadyRecorded,
)
from events.base import Event
from events.contracts import assets as ev
from events.contracts.work_orders import PartUsed
from events.decider import Decider
from events.errors import NotFound, Unprocessable


def _must_exist_and_be_here(state: Device, command: Command) -> None:
    if state.status is Status.NONE:
        raise NotFound("no such device")
    if state.status in GONE and not isinstance(command, RecordRepair):  # the desk's past work still lands
        raise DeviceGone(f"device {state.asset_tag} is {state.status}: nothing more happens to it")


def _must_be(state: Device, action: str, *statuses: Status) -> None:
    if state.status not in statuses:
        allowed = " or ".join(statuses)
        raise DeviceNotInThatState(
            f"device {state.asset_tag} is {state.status}: only a device {allowed} can be {action}")


def _register(state: Device, c: RegisterDevice) -> list[Event]:
    if state.status is not Status.NONE:
        raise DeviceAlreadyRegistered(f"device {c.device_id} is already registered")
    return [ev.DeviceRegistered(
        at=c.at, device_id=c.device_id, asset_tag=c.asset_tag, serial=c.serial, manufacturer=c.manufacturer,
        model=c.model, kind=c.kind, holds_storage=c.holds_storage, purchase=c.purchase, amortization=c.amortization,
        warranty_ends_on=c.warranty_ends_on, location=c.location, department=c.department,
        mbn_class=c.mbn_class_override or mbn_class_of(c.kind),
        mbn_class_override_reason=c.override_reason if c.mbn_class_override else "", on_order=c.on_order,
    )]


def _receive(state: Device, c: ReceiveDevice) -> list[Event]:
    _must_be(state, "received", Status.ON_ORDER)
    return [ev.DeviceReceived(at=c.at, device_id=state.device_id, location=c.location or state.location)]


def _install(state: Device, c: InstallDevice) -> list[Event]:
    _must_be(state, "installed", Status.IN_STOCK)
    return [ev.DeviceInstalled(at=c.at, device_id=state.device_id, location=c.location, person_id=c.person_id,
                               technician_id=c.technician_id, software=list(c.software))]


def _assign(state: Device, c: AssignDevice) -> list[Event]:
    _must_be(state, "assigned", Status.IN_STOCK, Status.DEPLOYED)
    if state.person_id is not None:
        raise DeviceAssignedToSomeoneElse(
            f"device {state.asset_tag} is with {state.person_id}: return it before assigning it again")
    return [ev.DeviceAssigned(at=c.at, device_id=state.device_id, person_id=c.person_id)]


def _return(state: Device, c: ReturnDevice) -> list[Event]:
    _must_be(state, "returned", Status.DEPLOYED)
    return [ev.DeviceReturned(at=c.at, device_id=state.device_id, person_id=state.person_id,
                              location=c.location or state.location)]


def _move(state: Device, c: MoveDevice) -> list[Event]:
    _must_be(state, "moved", Status.ON_ORDER, Status.IN_STOCK, Status.DEPLOYED, Status.IN_REPAIR, Status.RETIRED)
    return [ev.DeviceMoved(at=c.at, device_id=state.device_id, location=c.location)]


def _send_for_repair(state: Device, c: SendForRepair) -> list[Event]:
    _must_be(state, "sent for repair", Status.IN_STOCK, Status.DEPLOYED)
    return [ev.DeviceSentForRepair(at=c.at, device_id=state.device_id, reason=c.reason, ticket_id=c.ticket_id)]


def _back_from_repair(state: Device, c: ReturnFromRepair) -> list[Event]:
    _must_be(state, "back from repair", Status.IN_REPAIR)
    return [ev.DeviceBackFromRepair(at=c.at, device_id=state.device_id, note=c.note)]


def _retire(state: Device, c: RetireDevice) -> list[Event]:
    _must_be(state, "retired", Status.IN_STOCK, Status.DEPLOYED, Status.IN_REPAIR)
    if state.person_id is not None:
        raise DeviceStillAssigned(f"device {state.asset_tag} is with {state.person_id}: return it before retiring it")
    return [ev.DeviceRetired(at=c.at, device_id=state.device_id, reason=c.reason)]


def _sanitize(state: Device, c: SanitizeDevice) -> list[Event]:
    _must_be(state, "sanitized", Status.RETIRED)
    return [ev.DeviceSanitized(at=c.at, device_id=state.device_id, method=c.method, tool=c.tool,
                               operator_id=c.operator_id, verification=c.verification,
                               certificate_ref=c.certificate_ref)]


def _hand_over(state: Device, c: HandToDisposalVendor) -> list[Event]:
    _must_be(state, "handed to a disposal vendor", Status.RETIRED)
    _must_be_sanitized(state)
    return [ev.DeviceHandedToDisposalVendor(at=c.at, device_id=state.device_id, vendor=c.vendor, lot=c.lot,
                                            carrier=c.carrier)]


def _dispose(state: Device, c: DisposeDevice) -> list[Event]:
    _must_be(state, "disposed", Status.RETIRED)
    _must_be_sanitized(state)
    return [ev.DeviceDisposed(at=c.at, device_id=state.device_id, asset_tag=state.asset_tag,
                              certificate_ref=c.certificate_ref, vendor=c.vendor or state.disposal_vendor)]


def _must_be_sanitized(state: Device) -> None:
    if state.holds_storage and not state.sanitized:
        raise DisposalNeedsSanitization(
            f"device {state.asset_tag} holds storage media: it leaves the city only after a sanitization record")


def _report_missing(state: Device, c: ReportMissing) -> list[Event]:
    return [ev.DeviceReportedMissing(at=c.at, device_id=state.device_id, stolen=c.stolen, note=c.note)]


def _correct(state: Device, c: CorrectDeviceDetails) -> list[Event]:
    """Only the details that differ are recorded, so a repeated correction records nothing and is refused."""
    changed = [d for d in dict.fromkeys(c.changed) if getattr(c, d) != getattr(state, d)]
    if not changed:
        raise Unprocessable("changed", f"device {state.asset_tag} already has these details: nothing to correct")
    values = {d.value: getattr(c, d) for d in changed}
    return [ev.DeviceDetailsCorrected(at=c.at, device_id=state.device_id, changed=changed, **values)]


def _record_repair(state: Device, c: RecordRepair) -> list[Event]:
    """Any registered device takes the desk's repairs, retired or gone too: logged work happened, however late
    it arrives; the same repair twice is refused, so a redelivery records nothing."""
    if c.repair_id in state.repairs:
        raise RepairAlreadyRecorded(f"repair {c.repair_id} is already in device {state.asset_tag}'s history")
    return [ev.DeviceRepairRecorded(
        at=c.at, device_id=state.device_id, repair_id=c.repair_id, ticket_id=c.ticket_id,
        work_order_id=c.work_order_id, technician_id=c.technician_id, fault=c.fault, action=c.action,
        minutes=c.minutes, parts_cost=parts_cost(c.parts),
    )]


def parts_cost(parts: tuple[PartUsed, ...]) -> Decimal:
    """What the parts cost: the lines whose unit cost the desk knew (an unpriced line adds nothing)."""
    return sum((p.quantity * p.unit_cost for p in parts if p.unit_cost is not None), Decimal("0"))


_DECIDERS = {
    RegisterDevice: _register, ReceiveDevice: _receive, InstallDevice: _install, AssignDevice: _assign,
    ReturnDevice: _return, MoveDevice: _move, SendForRepair: _send_for_repair, ReturnFromRepair: _back_from_repair,
    RetireDevice: _retire, SanitizeDevice: _sanitize, HandToDisposalVendor: _hand_over, DisposeDevice: _dispose,
    ReportMissing: _report_missing, CorrectDeviceDetails: _correct,
    RecordRepair: _record_repair,
}


def _registered(s: Device, e: ev.DeviceRegistered) -> Device:
    return replace(
        s, status=Status.ON_ORDER if e.on_order else Status.IN_STOCK, device_id=e.device_id, asset_tag=e.asset_tag,
        serial=e.serial, manufacturer=e.manufacturer, model=e.model, kind=e.kind, holds_storage=e.holds_storage,
        purchase=e.purchase, amortization=e.amortization, warranty_ends_on=e.warranty_ends_on, location=e.location,
        department=e.department, mbn_class=e.mbn_class,
    )


def _received(s: Device, e: ev.DeviceReceived) -> Device:
    return replace(s, status=Status.IN_STOCK, location=e.location or s.location)


def _installed(s: Device, e: ev.DeviceInstalled) -> Device:
    return replace(s, status=Status.DEPLOYED, location=e.location, person_id=e.person_id or s.person_id,
                   software=tuple(dict.fromkeys((*s.software, *e.software))))


def _assigned(s: Device, e: ev.DeviceAssigned) -> Device:
    return replace(s, status=Status.DEPLOYED, person_id=e.person_id)


def _returned(s: Device, e: ev.DeviceReturned) -> Device:
    return replace(s, status=Status.IN_STOCK, person_id=None, location=e.location or s.location)


def _moved(s: Device, e: ev.DeviceMoved) -> Device:
    return replace(s, location=e.location)


def _sent_for_repair(s: Device, e: ev.DeviceSentForRepair) -> Device:
    return replace(s, status=Status.IN_REPAIR, before_repair=s.status)


def _back_from(s: Device, e: ev.DeviceBackFromRepair) -> Device:
    return replace(s, status=s.before_repair or Status.IN_STOCK, before_repair=None)


def _retired(s: Device, e: ev.DeviceRetired) -> Device:
    return replace(s, status=Status.RETIRED, before_repair=None)


def _sanitized(s: Device, e: ev.DeviceSanitized) -> Device:
    return replace(s, sanitized=True)


def _handed_over(s: Device, e: ev.DeviceHandedToDisposalVendor) -> Device:
    return replace(s, disposal_vendor=e.vendor)


def _disposed(s: Device, e: ev.DeviceDisposed) -> Device:
    return replace(s, status=Status.DISPOSED, person_id=None)


def _missing(s: Device, e: ev.DeviceReportedMissing) -> Device:
    return replace(s, status=Status.STOLEN if e.stolen else Status.LOST)


def _corrected(s: Device, e: ev.DeviceDetailsCorrected) -> Device:
    return replace(s, **{d.value: getattr(e, d) for d in e.changed})


def _repair_recorded(s: Device, e: ev.DeviceRepairRecorded) -> Device:
    return replace(s, repairs=s.repairs | {e.repair_id})


_EVOLVERS = {
    ev.DeviceRegistered: _registered, ev.DeviceReceived: _received, ev.DeviceInstalled: _installed,
    ev.DeviceAssigned: _assigned, ev.DeviceReturned: _returned, ev.DeviceMoved: _moved,
    ev.DeviceSentForRepair: _sent_for_repair, ev.DeviceBackFromRepair: _back_from, ev.DeviceRetired: _retired,
    ev.DeviceSanitized: _sanitized, ev.DeviceHandedToDisposalVendor: _handed_over, ev.DeviceDisposed: _disposed,
    ev.DeviceReportedMissing: _missing, ev.DeviceDetailsCorrected: _corrected,
    ev.DeviceRepairRecorded: _repair_recorded,
}

DEVICE = Decider(initial=NO_DEVICE, evolvers=_EVOLVERS, deciders=_DECIDERS, precondition=_must_exist_and_be_here,
                 creates=(RegisterDevice,))


def fold_in_valid_time(recorded: list[tuple[datetime, datetime, int, Event]]) -> list[tuple[datetime, Device]]:
    """The device's states along valid time: events applied in the order they happened (`at`), not recorded.

    `recorded` holds (at, recorded_at, stream_version, event); a backdated event takes its place in the past.
    Returns each state with the instant it began.
    """
    timeline, state = [], NO_DEVICE
    for at, _, _, event in sorted(recorded, key=lambda r: (r[0], r[2])):
        state = DEVICE.evolve(state, event)
        if state.status is not Status.NONE:  # a repair the desk logged before the device was registered
            timeline.append((at, state))
    return timeline

