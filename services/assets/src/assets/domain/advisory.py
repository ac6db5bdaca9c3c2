"""The advisory decider: a breach or vulnerability, the exposure the service assessed, and remediation per device.

The exposure is computed by the service from the inventory as it was during the window (I/O) and handed in
with the command, so that the decider records it as a fact. The time to remediate counts from the advisory's
recording: when the department knew and could act.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from assets.domain.security_errors import AdvisoryAlreadyRecorded, DeviceAlreadyRemediated, DeviceNotExposed
from events.base import Event
from events.contracts.security import (
    AdvisoryDeviceRemediated,
    AdvisoryExposureAssessed,
    AdvisoryKind,
    AdvisoryRecorded,
    AdvisoryRemediated,
    AffectedAccount,
    AffectedModel,
    AffectedSoftware,
    RemediationAction,
    Severity,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable


@dataclass(frozen=True)
class Exposure:
    device_ids: tuple[UUID, ...] = ()
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Advisory:
    advisory_id: UUID | None = None
    recorded_at: datetime | None = None
    exposed: frozenset[UUID] = frozenset()
    remediated: dict[UUID, datetime] = field(default_factory=dict)  # device: when; never changed in place

    @property
    def left(self) -> int:
        return len(self.exposed) - len(self.remediated)


@dataclass(frozen=True)
class RecordAdvisory:
    advisory_id: UUID
    title: str
    kind: AdvisoryKind
    severity: Severity
    window_start: datetime
    recorded_by: str
    at: datetime
    window_end: datetime | None = None
    source: str = ""
    reference: str = ""
    description: str = ""
    software: tuple[AffectedSoftware, ...] = ()
    models: tuple[AffectedModel, ...] = ()
    accounts: tuple[AffectedAccount, ...] = ()
    exposure: Exposure = Exposure()  # filled in by the service before deciding


@dataclass(frozen=True)
class RemediateDevice:
    device_id: UUID
    action: RemediationAction
    remediated_by: str
    at: datetime
    note: str = ""


def _must_exist(state: Advisory, command: object) -> None:
    if state.advisory_id is None:
        raise NotFound("no such advisory")


def _check_window(c: RecordAdvisory) -> None:
    if c.window_start > c.at:
        raise Unprocessable("window_start", "the exposure is recorded once it began, not before")
    if c.window_end is not None and c.window_end <= c.window_start:
        raise Unprocessable("window_end", "must be after window_start")
    if c.window_end is not None and c.window_end > c.at:
        raise Unprocessable("window_end", "is in the future: leave it out while the exposure lasts")
    if not (c.software or c.models or c.accounts):
        raise Unprocessable("software", "name the affected software, device models or accounts")


def _record(state: Advisory, c: RecordAdvisory) -> list[Event]:
    if state.advisory_id is not None:
        raise AdvisoryAlreadyRecorded(f"advisory {c.advisory_id} is already recorded")
    _check_window(c)
    recorded = AdvisoryRecorded(
        at=c.at,
        advisory_id=c.advisory_id,
        title=c.title,
        kind=c.kind,
        severity=c.severity,
        source=c.source,
        reference=c.reference,
        description=c.description,
        software=list(c.software),
        models=list(c.models),
        accounts=list(c.accounts),
        window_start=c.window_start,
        window_end=c.window_end,
        recorded_by=c.recorded_by,
    )
    assessed = AdvisoryExposureAssessed(
        advisory_id=c.advisory_id,
        at=c.at,
        device_ids=sorted(set(c.exposure.device_ids)),
        people=sorted(set(c.exposure.people)),
        window_start=c.window_start,
        window_end=c.window_end,
        severity=c.severity,
        title=c.title,
    )
    if c.exposure.device_ids:
        return [recorded, assessed]
    # None exposed is none left: the advisory is remediated as it is recorded, so that no list keeps it open.
    return [
        recorded,
        assessed,
        AdvisoryRemediated(at=c.at, advisory_id=c.advisory_id, devices=0, seconds_to_remediate=0),
    ]


def _seconds(since: datetime, until: datetime) -> int:
    return int((until - since).total_seconds())


def _remediate(state: Advisory, c: RemediateDevice) -> list[Event]:
    if c.device_id not in state.exposed:
        raise DeviceNotExposed(f"advisory {state.advisory_id} did not expose device {c.device_id}")
    if c.device_id in state.remediated:
        raise DeviceAlreadyRemediated(
            f"device {c.device_id} was remediated under advisory {state.advisory_id} at {state.remediated[c.device_id]}"
        )
    if c.at < state.recorded_at:
        raise Unprocessable("at", f"a remediation follows the advisory, recorded at {state.recorded_at}")
    remediated = AdvisoryDeviceRemediated(
        at=c.at,
        advisory_id=state.advisory_id,
        device_id=c.device_id,
        action=c.action,
        note=c.note,
        remediated_by=c.remediated_by,
        seconds_to_remediate=_seconds(state.recorded_at, c.at),
    )
    if state.left > 1:
        return [remediated]
    return [remediated, _all_remediated(_device_remediated(state, remediated))]


def _all_remediated(state: Advisory) -> AdvisoryRemediated:
    times = [_seconds(state.recorded_at, at) for at in state.remediated.values()]
    last = max(state.remediated.values())
    return AdvisoryRemediated(
        at=last,
        advisory_id=state.advisory_id,
        devices=len(times),
        seconds_to_remediate=max(times),
        mean_seconds_to_remediate=sum(times) / len(times),
    )


def _recorded(s: Advisory, e: AdvisoryRecorded) -> Advisory:
    return Advisory(advisory_id=e.advisory_id, recorded_at=e.at)


def _assessed(s: Advisory, e: AdvisoryExposureAssessed) -> Advisory:
    return replace(s, exposed=frozenset(e.device_ids))


def _device_remediated(s: Advisory, e: AdvisoryDeviceRemediated) -> Advisory:
    return replace(s, remediated={**s.remediated, e.device_id: e.at})


ADVISORY = Decider(
    initial=Advisory(),
    evolvers={
        AdvisoryRecorded: _recorded,
        AdvisoryExposureAssessed: _assessed,
        AdvisoryDeviceRemediated: _device_remediated,
    },
    deciders={RecordAdvisory: _record, RemediateDevice: _remediate},
    precondition=_must_exist,
    creates=(RecordAdvisory,),
)

# --- versions -------------------------------------------------------------------------------------------------

_PARTS = re.compile(r"\d+|[a-z]+")


def version_key(version: str) -> tuple:
    """`10.2.1` after `9.12`: numbers compare as numbers, words as words (a number before a word in one place)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _PARTS.findall(version.lower()))


def within(version: str, low: str, high: str) -> bool:
    """Whether `version` falls in [low, high], either end open when empty. A title of no recorded version is
    taken as affected: an advisory errs towards telling people."""
    if not version:
        return True
    key = version_key(version)
    return (not low or version_key(low) <= key) and (not high or key <= version_key(high))
