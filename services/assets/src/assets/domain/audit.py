"""The audit decider: a location's tags scanned, then classified against what the inventory placed there.

Open (with the inventory's snapshot of the location) -> scan tags -> close. Closing classifies every tag:
found (here, and the inventory places it here), missing (expected, not scanned), found elsewhere (scanned
here, the inventory places it at another location) and unknown (no device carries it). It proposes the
corrections, a move for each device found elsewhere and a loss report for each one missing, and applies none:
a proposal is an ordinary device command a technician sends or not. A tag scanned twice is passed over
(the first reading stands), so a handheld may send its whole buffer again; a closed audit takes no scans.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from assets.domain.audit_commands import AuditCommand, CloseAudit, OpenAudit, Placement, ScanTags
from assets.domain.commands import MoveDevice, ReportMissing
from assets.domain.device_state import GONE, Status
from assets.domain.errors import AuditAlreadyClosed, AuditAlreadyOpened, AuditScanLimitReached
from events.base import Event
from events.contracts.audits import (
    MAX_EXPECTED,
    MAX_SCANS,
    AuditClosed,
    AuditedDevice,
    AuditOpened,
    DeviceFoundElsewhere,
    TagScanned,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable

# The statuses in which a device should be on site: in repair it is with the repairer, on order not yet
# delivered, lost, stolen or disposed no longer the city's to find.
ON_SITE = frozenset({Status.IN_STOCK, Status.DEPLOYED, Status.RETIRED})


class AuditStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Audit:
    status: AuditStatus = AuditStatus.NONE
    audit_id: UUID | None = None
    location: str = ""
    opened_at: datetime | None = None
    expected: tuple[AuditedDevice, ...] = ()
    scans: dict[str, datetime] = field(default_factory=dict)  # tag -> first read, in scan order; never changed in place
    result: AuditClosed | None = None

    def unexpected_tags(self) -> list[str]:
        """The scanned tags no expected device carries: the inventory is asked about these before closing."""
        expected = {d.asset_tag for d in self.expected}
        return [tag for tag in self.scans if tag not in expected]

    @property
    def still_expected(self) -> int:
        return sum(1 for d in self.expected if d.asset_tag not in self.scans)


NO_AUDIT = Audit()


def _must_exist(state: Audit, command: AuditCommand) -> None:
    if state.status is AuditStatus.NONE:
        raise NotFound("no such audit")


def _must_be_open(state: Audit) -> None:
    if state.status is AuditStatus.CLOSED:
        raise AuditAlreadyClosed(f"audit {state.audit_id} of {state.location} is closed: open a new one")


def _open(state: Audit, c: OpenAudit) -> list[Event]:
    if state.status is not AuditStatus.NONE:
        raise AuditAlreadyOpened(f"audit {c.audit_id} is already opened")
    if len(c.expected) > MAX_EXPECTED:
        raise Unprocessable("location", f"the inventory places more than {MAX_EXPECTED} devices there:"
                                        " audit it in smaller locations")
    return [AuditOpened(at=c.at, audit_id=c.audit_id, location=c.location, expected=list(c.expected))]


def _scan(state: Audit, c: ScanTags) -> list[Event]:
    _must_be_open(state)
    if c.at < state.opened_at:
        raise Unprocessable("at", f"the audit opened at {state.opened_at.isoformat()}: a scan comes after")
    new = [tag for tag in dict.fromkeys(c.tags) if tag not in state.scans]
    if len(state.scans) + len(new) > MAX_SCANS:
        raise AuditScanLimitReached(f"audit {state.audit_id} holds {len(state.scans)} tags and takes at most"
                                    f" {MAX_SCANS}: close it and audit the rest in another")
    return [TagScanned(at=c.at, audit_id=state.audit_id, asset_tag=tag) for tag in new]


def _close(state: Audit, c: CloseAudit) -> list[Event]:
    _must_be_open(state)
    return [classify(state, c.placements, c.at)]


def classify(state: Audit, placements: dict[str, Placement], at: datetime) -> AuditClosed:
    """Every expected and every scanned tag in one class; the unexpected ones by where the inventory places them."""
    found = [d for d in state.expected if d.asset_tag in state.scans]
    missing = [d for d in state.expected if d.asset_tag not in state.scans]
    elsewhere, unknown = [], []
    for tag in state.unexpected_tags():
        placed = placements.get(tag)
        if placed is None:
            unknown.append(tag)
        elif placed.location == state.location:  # placed here after the audit opened, or not on site then
            found.append(AuditedDevice(device_id=placed.device_id, asset_tag=tag))
        else:
            elsewhere.append(DeviceFoundElsewhere(device_id=placed.device_id, asset_tag=tag,
                                                  recorded_location=placed.location, status=placed.status))
    return AuditClosed(at=at, audit_id=state.audit_id, location=state.location, found=found, missing=missing,
                       found_elsewhere=elsewhere, unknown_tags=unknown)


def _opened(s: Audit, e: AuditOpened) -> Audit:
    return Audit(status=AuditStatus.OPEN, audit_id=e.audit_id, location=e.location, opened_at=e.at,
                 expected=tuple(e.expected))


def _scanned(s: Audit, e: TagScanned) -> Audit:
    if e.asset_tag in s.scans:  # the first reading stands
        return s
    return replace(s, scans={**s.scans, e.asset_tag: e.at})


def _closed(s: Audit, e: AuditClosed) -> Audit:
    return replace(s, status=AuditStatus.CLOSED, result=e)


AUDIT = Decider(
    initial=NO_AUDIT,
    evolvers={AuditOpened: _opened, TagScanned: _scanned, AuditClosed: _closed},
    deciders={OpenAudit: _open, ScanTags: _scan, CloseAudit: _close},
    precondition=_must_exist,
    creates=(OpenAudit,),
)

# --- what a closed audit proposes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A correction the audit suggests: the device command a technician may send. The audit never sends it."""

    device_id: UUID
    asset_tag: str
    command: MoveDevice | ReportMissing
    reason: str


def proposals(state: Audit) -> list[Proposal]:
    """For a closed audit: move each device found elsewhere here (as of its scan), report each missing one lost.

    A device found elsewhere that the inventory holds as lost, stolen or disposed gets no move: no device
    command changes such a device, so it is only listed, for a person to look into.
    """
    closed = state.result
    if closed is None:
        return []
    where = f"{closed.location} (audit {closed.audit_id})"
    moves = [Proposal(d.device_id, d.asset_tag, MoveDevice(location=closed.location, at=state.scans[d.asset_tag]),
                      f"scanned at {where}; the inventory placed it at {d.recorded_location}")
             for d in closed.found_elsewhere if Status(d.status) not in GONE]
    losses = [Proposal(d.device_id, d.asset_tag,
                       ReportMissing(stolen=False, at=closed.at, note=f"not found at {where}"),
                       f"expected at {where} and not scanned")
              for d in closed.missing]
    return moves + losses
