"""Security events the assets service publishes on `assets.events`: endpoint protection and security advisories."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event
from events.contracts.assets import DeviceKind

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
Seconds = Annotated[int, Field(ge=0)]

# --- endpoint protection --------------------------------------------------------------------------------------


class ProtectionKind(StrEnum):
    ANTI_MALWARE = "anti_malware"
    DESKTOP_LOCKDOWN = "desktop_lockdown"  # the desktop restored at each logon, settings locked (e.g. Foolproof)
    SCREEN_LOCKOUT = "screen_lockout"  # the screen locks when idle; the account locks out after failed logons
    DISK_ENCRYPTION = "disk_encryption"


class ProtectionStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    FAILING = "failing"  # installed, but reporting errors: a stopped service, updates that do not apply


class LockoutPolicy(BaseModel):
    """A screen lock-out's policy: idle minutes before the screen locks, failed logons before the account locks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lock_after_minutes: Annotated[int, Field(ge=1, le=1_440)]
    lockout_after_failed_attempts: Annotated[int, Field(ge=1, le=100)]


class ProtectionRecorded(Event):
    """The protection of one kind the device runs, as a technician found or set it up: it replaces that kind's
    record. `last_updated` is when its definitions or signatures were last updated, where it has any."""

    event_type: ClassVar[str] = "assets.protection_recorded"

    at: datetime
    device_id: UUID
    kind: ProtectionKind
    product: Name
    version: Name = ""
    last_updated: datetime | None = None
    status: ProtectionStatus
    policy: LockoutPolicy | None = None
    technician_id: Name


class ProtectionRemoved(Event):
    """The device no longer runs protection of this kind."""

    event_type: ClassVar[str] = "assets.protection_removed"

    at: datetime
    device_id: UUID
    kind: ProtectionKind
    reason: Note = ""
    technician_id: Name


class KindRequirement(BaseModel):
    """The protections every deployed device of a kind must run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_kind: DeviceKind
    protections: Annotated[list[ProtectionKind], Field(min_length=1, max_length=len(ProtectionKind))]


class UpdateAge(BaseModel):
    """How old a protection's last update may be (anti-malware signatures: 7 days, say) before it is a gap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ProtectionKind
    days: Annotated[int, Field(ge=1, le=3_650)]


class ProtectionRequirementsSet(Event):
    """The tenant's protection requirements, whole: those it names are all that is required from now on."""

    event_type: ClassVar[str] = "assets.protection_requirements_set"

    at: datetime
    required: Annotated[list[KindRequirement], Field(max_length=len(DeviceKind))]
    max_update_age: Annotated[list[UpdateAge], Field(max_length=len(ProtectionKind))] = []
    set_by: Name


class ProtectionWorkRequested(Event):
    """A deployed device falls short of the requirements: a work order is asked for, once per gap.

    The tickets service owns work orders; it consumes this event to open one (assets never calls it)."""

    event_type: ClassVar[str] = "assets.protection_work_requested"

    at: datetime
    device_id: UUID
    asset_tag: Name
    location: Name = ""
    missing: Annotated[list[ProtectionKind], Field(max_length=len(ProtectionKind))]  # not running, or not active
    outdated: Annotated[list[ProtectionKind], Field(max_length=len(ProtectionKind))]  # last update too old
    requested_by: Name


# --- security advisories --------------------------------------------------------------------------------------


class AdvisoryKind(StrEnum):
    BREACH = "breach"
    VULNERABILITY = "vulnerability"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AffectedSoftware(BaseModel):
    """A catalogued title, or a product by name with the versions affected (inclusive; empty: unbounded)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title_id: UUID | None = None
    product: Name = ""
    min_version: Name = ""
    max_version: Name = ""


class AffectedModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: Name
    firmware: Name = ""  # as the vendor states it; the inventory does not record firmware


class AffectedAccount(BaseModel):
    """A network account the breach touched, and the person who holds it where known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: UUID | None = None
    username: Name = ""
    person_id: Name | None = None


class AdvisoryRecorded(Event):
    """A breach or vulnerability the department learned of, and what it affects, over the exposure window."""

    event_type: ClassVar[str] = "assets.advisory_recorded"

    at: datetime
    advisory_id: UUID
    title: Name
    kind: AdvisoryKind
    severity: Severity
    source: Name = ""
    reference: Name = ""  # a CVE id, a vendor bulletin
    description: Note = ""
    software: Annotated[list[AffectedSoftware], Field(max_length=100)] = []
    models: Annotated[list[AffectedModel], Field(max_length=100)] = []
    accounts: Annotated[list[AffectedAccount], Field(max_length=1_000)] = []
    window_start: datetime
    window_end: datetime | None = None  # none: still exposed
    recorded_by: Name


class AdvisoryExposureAssessed(Event):
    """The devices and people the advisory exposed, from the inventory as it was during the window.

    `people` are person ids (the user ids of their tokens): the notices service tells each of them."""

    event_type: ClassVar[str] = "assets.advisory_exposure_assessed"

    advisory_id: UUID
    at: datetime
    device_ids: list[UUID]
    people: list[Name]
    window_start: datetime
    window_end: datetime | None = None
    severity: Severity
    title: Name


class RemediationAction(StrEnum):
    PATCHED = "patched"
    UPGRADED = "upgraded"
    REMOVED_SOFTWARE = "removed_software"
    ISOLATED = "isolated"
    REPLACED = "replaced"
    ACCEPTED_RISK = "accepted_risk"


class AdvisoryDeviceRemediated(Event):
    """One exposed device remediated; `seconds_to_remediate` counts from the advisory's recording."""

    event_type: ClassVar[str] = "assets.advisory_device_remediated"

    at: datetime
    advisory_id: UUID
    device_id: UUID
    action: RemediationAction
    note: Note = ""
    remediated_by: Name
    seconds_to_remediate: Seconds


class AdvisoryRemediated(Event):
    """No exposed device is left unremediated: from the advisory's recording to its last device, and the mean."""

    event_type: ClassVar[str] = "assets.advisory_remediated"

    at: datetime
    advisory_id: UUID
    devices: Annotated[int, Field(ge=0)]
    seconds_to_remediate: Seconds
    mean_seconds_to_remediate: Annotated[float, Field(ge=0)] | None = None  # none when no device was exposed
