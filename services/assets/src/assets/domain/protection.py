"""The endpoint protection deciders: what each device runs (a stream per device) and the tenant's requirements.

A device's protection has its own stream, beside the device's: recording an anti-malware update must not clash
with a move or an assignment of the same device. The stream also remembers the gaps a work order was asked
for, so that asking again for the same open gap records nothing.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from assets.domain.security_errors import ProtectionNotRecorded, ProtectionRecordOutdated
from events.base import Event
from events.contracts.security import (
    KindRequirement,
    LockoutPolicy,
    ProtectionKind,
    ProtectionRecorded,
    ProtectionRemoved,
    ProtectionRequirementsSet,
    ProtectionStatus,
    ProtectionWorkRequested,
    UpdateAge,
)
from events.decider import Decider
from events.errors import Unprocessable

MISSING, OUTDATED = "missing", "outdated"

# --- a device's protection ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Protection:
    kind: ProtectionKind
    product: str
    version: str
    last_updated: datetime | None
    status: ProtectionStatus
    policy: LockoutPolicy | None
    recorded_at: datetime
    technician_id: str


@dataclass(frozen=True)
class WorkRequest:
    at: datetime
    requested_by: str


@dataclass(frozen=True)
class DeviceProtection:
    running: dict[ProtectionKind, Protection] = field(default_factory=dict)
    # (kind, MISSING or OUTDATED) a work order was asked for, until that kind is recorded or removed again
    requested: dict[tuple[ProtectionKind, str], WorkRequest] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordProtection:
    device_id: UUID
    kind: ProtectionKind
    product: str
    status: ProtectionStatus
    technician_id: str
    at: datetime
    version: str = ""
    last_updated: datetime | None = None
    policy: LockoutPolicy | None = None


@dataclass(frozen=True)
class RemoveProtection:
    device_id: UUID
    kind: ProtectionKind
    technician_id: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class RequestProtectionWork:
    """The device's gap as the service found it against the requirements; the decider keeps only what is new."""

    device_id: UUID
    asset_tag: str
    missing: tuple[ProtectionKind, ...]
    outdated: tuple[ProtectionKind, ...]
    requested_by: str
    at: datetime
    location: str = ""


def _record(state: DeviceProtection, c: RecordProtection) -> list[Event]:
    if (c.kind is ProtectionKind.SCREEN_LOCKOUT) != (c.policy is not None):
        raise Unprocessable("policy", "a screen lock-out is recorded with its policy, and only a screen lock-out")
    if c.last_updated is not None and c.last_updated > c.at:
        raise Unprocessable("last_updated", "cannot be after the moment the protection was found so")
    held = state.running.get(c.kind)
    if held is not None and held.recorded_at > c.at:
        raise ProtectionRecordOutdated(
            f"device {c.device_id}'s {c.kind} was recorded as of {held.recorded_at},"
            f" after {c.at}: record what it runs now"
        )
    return [
        ProtectionRecorded(
            at=c.at,
            device_id=c.device_id,
            kind=c.kind,
            product=c.product,
            version=c.version,
            last_updated=c.last_updated,
            status=c.status,
            policy=c.policy,
            technician_id=c.technician_id,
        )
    ]


def _remove(state: DeviceProtection, c: RemoveProtection) -> list[Event]:
    if c.kind not in state.running:
        raise ProtectionNotRecorded(f"device {c.device_id} is not recorded to run {c.kind}: nothing to remove")
    return [
        ProtectionRemoved(at=c.at, device_id=c.device_id, kind=c.kind, reason=c.reason, technician_id=c.technician_id)
    ]


def _request_work(state: DeviceProtection, c: RequestProtectionWork) -> list[Event]:
    """Only the parts of the gap no work order was asked for yet: a second request for the same gap records none."""
    missing = [k for k in dict.fromkeys(c.missing) if (k, MISSING) not in state.requested]
    outdated = [k for k in dict.fromkeys(c.outdated) if (k, OUTDATED) not in state.requested]
    if not missing and not outdated:
        return []
    return [
        ProtectionWorkRequested(
            at=c.at,
            device_id=c.device_id,
            asset_tag=c.asset_tag,
            location=c.location,
            missing=missing,
            outdated=outdated,
            requested_by=c.requested_by,
        )
    ]


def _without_requests_for(requested: dict, kind: ProtectionKind) -> dict:
    return {key: request for key, request in requested.items() if key[0] != kind}


def _recorded(s: DeviceProtection, e: ProtectionRecorded) -> DeviceProtection:
    protection = Protection(e.kind, e.product, e.version, e.last_updated, e.status, e.policy, e.at, e.technician_id)
    return DeviceProtection({**s.running, e.kind: protection}, _without_requests_for(s.requested, e.kind))


def _removed(s: DeviceProtection, e: ProtectionRemoved) -> DeviceProtection:
    running = {kind: p for kind, p in s.running.items() if kind != e.kind}
    return DeviceProtection(running, _without_requests_for(s.requested, e.kind))


def _work_requested(s: DeviceProtection, e: ProtectionWorkRequested) -> DeviceProtection:
    request = WorkRequest(e.at, e.requested_by)
    new = {**{(k, MISSING): request for k in e.missing}, **{(k, OUTDATED): request for k in e.outdated}}
    return replace(s, requested={**s.requested, **new})


DEVICE_PROTECTION = Decider(
    initial=DeviceProtection(),
    evolvers={ProtectionRecorded: _recorded, ProtectionRemoved: _removed, ProtectionWorkRequested: _work_requested},
    deciders={RecordProtection: _record, RemoveProtection: _remove, RequestProtectionWork: _request_work},
)

# --- the tenant's requirements --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    required: tuple[KindRequirement, ...] = ()
    max_update_age: tuple[UpdateAge, ...] = ()
    set_at: datetime | None = None
    set_by: str = ""


@dataclass(frozen=True)
class SetProtectionRequirements:
    required: tuple[KindRequirement, ...]
    max_update_age: tuple[UpdateAge, ...]
    set_by: str
    at: datetime


def _named_once(values: list, field_name: str) -> None:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise Unprocessable(field_name, f"{', '.join(repeated)} named more than once: name each once")


def _set_requirements(state: Requirements, c: SetProtectionRequirements) -> list[Event]:
    """The requirements whole; the same ones again record nothing."""
    _named_once([r.device_kind for r in c.required], "required")
    for requirement in c.required:
        _named_once(requirement.protections, "required")
    _named_once([a.kind for a in c.max_update_age], "max_update_age")
    if (c.required, c.max_update_age) == (state.required, state.max_update_age):
        return []
    return [
        ProtectionRequirementsSet(
            at=c.at, required=list(c.required), max_update_age=list(c.max_update_age), set_by=c.set_by
        )
    ]


def _requirements_set(s: Requirements, e: ProtectionRequirementsSet) -> Requirements:
    return Requirements(tuple(e.required), tuple(e.max_update_age), e.at, e.set_by)


REQUIREMENTS = Decider(
    initial=Requirements(),
    evolvers={ProtectionRequirementsSet: _requirements_set},
    deciders={SetProtectionRequirements: _set_requirements},
)
