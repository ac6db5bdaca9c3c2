"""Device facts from the assets events (ownership, operation, warranty, repairs, audits, sanitization and disposal),
and what each asset KPI counts of them. A device's stream gives its life in order; an audit names many devices."""

from datetime import date, datetime, timedelta

from events.contracts import assets as ev
from events.contracts.audits import AuditClosed
from events.envelope import Envelope
from metrics.kpis.series import Count, Desk, Facts, Item, Kind, local_day, span

AUDIT_COVERS = timedelta(days=365)  # an audit that found a device covers it for a year


class DeviceFacts(Facts):
    mbn_class: str = str(ev.MbnClass.NOT_COUNTED)
    model: str = ""
    holds_storage: bool = False
    purchased_on: date | None = None
    warranty_ends_on: date | None = None
    owned_from: datetime | None = None  # entered stock (registered in stock, or received)
    deployed_from: datetime | None = None  # first installed or checked out
    retired_at: datetime | None = None
    gone_at: datetime | None = None  # disposed of, lost or stolen
    sanitized_at: datetime | None = None
    disposed_at: datetime | None = None
    audited_on: tuple[date, ...] = ()  # local days an audit found it (where expected or elsewhere)
    repairs: tuple[tuple[str, datetime], ...] = ()  # (repair id, logged at)


def _registered(f: DeviceFacts, e: ev.DeviceRegistered, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(
        update={
            "mbn_class": str(e.mbn_class),
            "model": e.model,
            "holds_storage": e.holds_storage,
            "purchased_on": e.purchase.purchased_on if e.purchase else None,
            "warranty_ends_on": e.warranty_ends_on,
            "owned_from": None if e.on_order else e.at,
        }
    )


def _received(f: DeviceFacts, e: ev.DeviceReceived, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"owned_from": f.owned_from or e.at})


def _deployed(f: DeviceFacts, e: ev.DeviceInstalled | ev.DeviceAssigned, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"owned_from": f.owned_from or e.at, "deployed_from": f.deployed_from or e.at})


def _retired(f: DeviceFacts, e: ev.DeviceRetired, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"retired_at": f.retired_at or e.at})


def _sanitized(f: DeviceFacts, e: ev.DeviceSanitized, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"sanitized_at": f.sanitized_at or e.at})


def _disposed(f: DeviceFacts, e: ev.DeviceDisposed, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"disposed_at": e.at, "gone_at": f.gone_at or e.at})


def _missing(f: DeviceFacts, e: ev.DeviceReportedMissing, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"gone_at": f.gone_at or e.at})


def _corrected(f: DeviceFacts, e: ev.DeviceDetailsCorrected, env: Envelope, desk: Desk) -> DeviceFacts:
    changed = set(e.changed)
    update = {"model": e.model} if ev.DeviceDetail.MODEL in changed else {}
    if ev.DeviceDetail.WARRANTY_ENDS_ON in changed:
        update["warranty_ends_on"] = e.warranty_ends_on
    if ev.DeviceDetail.PURCHASE in changed:
        update["purchased_on"] = e.purchase.purchased_on if e.purchase else None
    return f.model_copy(update=update)


def _repaired(f: DeviceFacts, e: ev.DeviceRepairRecorded, env: Envelope, desk: Desk) -> DeviceFacts:
    if any(repair == str(e.repair_id) for repair, _ in f.repairs):
        return f
    return f.model_copy(update={"repairs": (*f.repairs, (str(e.repair_id), e.at))})


def _audited(f: DeviceFacts, e: AuditClosed, env: Envelope, desk: Desk) -> DeviceFacts:
    return f.model_copy(update={"audited_on": tuple(sorted({*f.audited_on, local_day(e.at, f.timezone)}))})


def _found_by(event: AuditClosed, envelope: Envelope) -> list[str]:
    return [str(d.device_id) for d in (*event.found, *event.found_elsewhere)]


FOLDS = {
    ev.DeviceRegistered: _registered,
    ev.DeviceReceived: _received,
    ev.DeviceInstalled: _deployed,
    ev.DeviceAssigned: _deployed,
    ev.DeviceRetired: _retired,
    ev.DeviceSanitized: _sanitized,
    ev.DeviceDisposed: _disposed,
    ev.DeviceReportedMissing: _missing,
    ev.DeviceDetailsCorrected: _corrected,
    ev.DeviceRepairRecorded: _repaired,
    AuditClosed: _audited,
}


# --- what each asset KPI counts of a device ---------------------------------------------------------------------


def _day(f: DeviceFacts, at: datetime | None) -> date | None:
    return local_day(at, f.timezone) if at is not None else None


def _owned(f: DeviceFacts) -> tuple[date, date | None] | None:
    return (_day(f, f.owned_from), _day(f, f.gone_at)) if f.owned_from else None


def _devices(f: DeviceFacts, kpi) -> list[Item]:
    owned = _owned(f)
    return span(*owned, part=f.mbn_class) if owned else []


def _age(f: DeviceFacts, kpi) -> list[Item]:
    """The mean starting day as a stock (n devices, their starting days' ordinals summed): age = day - mean."""
    if not (owned := _owned(f)):
        return []
    origin = f.purchased_on or owned[0]
    return span(*owned, part=f.mbn_class, total=origin.toordinal())


def _past_warranty(f: DeviceFacts, kpi) -> list[Item]:
    if not (owned := _owned(f)) or f.warranty_ends_on is None:
        return []
    lapsed = max(owned[0], f.warranty_ends_on + timedelta(days=1))
    return [*span(*owned, part=f.mbn_class, total=0), *span(lapsed, owned[1], part=f.mbn_class, n=0)]


def _operating(f: DeviceFacts, kpi) -> list[Item]:
    started = f.deployed_from or f.owned_from
    if started is None:
        return []
    stopped = min((at for at in (f.retired_at, f.gone_at) if at is not None), default=None)
    return span(_day(f, started), _day(f, stopped), part=f.model)


def _repairs(f: DeviceFacts, kpi) -> list[Item]:
    return [Count(_day(f, at), part=f.model) for _, at in f.repairs]


def _audit_coverage(f: DeviceFacts, kpi) -> list[Item]:
    """Owned devices (n) and, within that, the stretches a year after each audit that found it (total)."""
    if not (owned := _owned(f)):
        return []
    counts: list[Item] = span(*owned, total=0)
    for start, end in _covered(f.audited_on):
        last = end if owned[1] is None else min(end, owned[1])
        counts += span(max(start, owned[0]), last, n=0)
    return counts


def _covered(audited_on: tuple[date, ...]) -> list[tuple[date, date]]:
    """The audit days' years of cover, overlapping ones merged."""
    merged: list[tuple[date, date]] = []
    for day in audited_on:
        if merged and day <= merged[-1][1]:
            merged[-1] = (merged[-1][0], day + AUDIT_COVERS)
        else:
            merged.append((day, day + AUDIT_COVERS))
    return merged


def _disposals_sanitized(f: DeviceFacts, kpi) -> list[Item]:
    if f.disposed_at is None or not f.holds_storage:
        return []
    wiped = f.sanitized_at is not None and f.sanitized_at <= f.disposed_at
    return [Count(_day(f, f.disposed_at), 1, int(wiped))]


CONTRIBUTIONS = {
    "assets.devices": _devices,
    "assets.average-age": _age,
    "assets.past-warranty": _past_warranty,
    "assets.operating-devices": _operating,
    "assets.repairs": _repairs,
    "assets.audit-coverage": _audit_coverage,
    "assets.disposals-sanitized": _disposals_sanitized,
}


def _devices_of(event, envelope: Envelope) -> list[str]:
    return _found_by(event, envelope) if isinstance(event, AuditClosed) else [str(event.device_id)]


DEVICES = Kind(
    "device",
    DeviceFacts,
    {cls.event_type: fold for cls, fold in FOLDS.items()},
    entities=_devices_of,
    contributions=CONTRIBUTIONS,
)
