"""Physical audit events the assets service publishes on `assets.events`: a location's tags scanned and classified."""

from datetime import datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=200)]

# An audit takes at most this many expected devices and this many distinct tags: its events stay well
# under the store's bound on one event (a location with more devices is audited room by room).
MAX_EXPECTED = 2_000
MAX_SCANS = 3_000


class AuditedDevice(BaseModel):
    """A device of the inventory by id, with the asset tag its label carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_id: UUID
    asset_tag: Tag


class DeviceFoundElsewhere(AuditedDevice):
    """A device scanned at the audited location that the inventory placed somewhere else, in that status."""

    recorded_location: Name
    status: Name


class AuditOpened(Event):
    """A physical audit of a location began; `expected` is what the inventory placed there at that moment."""

    event_type: ClassVar[str] = "assets.audit_opened"

    at: datetime
    audit_id: UUID
    location: Name
    expected: Annotated[list[AuditedDevice], Field(max_length=MAX_EXPECTED)]


class TagScanned(Event):
    """An asset tag was read at the audited location (a tag read again is not recorded twice)."""

    event_type: ClassVar[str] = "assets.tag_scanned"

    at: datetime
    audit_id: UUID
    asset_tag: Tag


class AuditClosed(Event):
    """The audit ended: every expected and every scanned tag classified. Nothing in the inventory changed by it."""

    event_type: ClassVar[str] = "assets.audit_closed"

    at: datetime
    audit_id: UUID
    location: Name
    found: Annotated[list[AuditedDevice], Field(max_length=MAX_SCANS)]  # here, as the inventory says
    missing: Annotated[list[AuditedDevice], Field(max_length=MAX_EXPECTED)]  # expected here, not scanned
    found_elsewhere: Annotated[list[DeviceFoundElsewhere], Field(max_length=MAX_SCANS)]  # scanned here, placed there
    unknown_tags: Annotated[list[Tag], Field(max_length=MAX_SCANS)]  # no device of the inventory carries them
