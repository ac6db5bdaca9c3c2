"""Audit commands: what a technician asks of a physical audit, with the inventory's answers passed in, so no I/O."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from events.contracts.audits import AuditedDevice


@dataclass(frozen=True)
class OpenAudit:
    """Audit `location`; `expected` is what the inventory places there now (the caller reads it, the audit keeps it)."""

    audit_id: UUID
    location: str
    expected: tuple[AuditedDevice, ...]
    at: datetime


@dataclass(frozen=True)
class ScanTags:
    """Tags read at the location, at `at`; a tag the audit already holds is passed over, not refused."""

    tags: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class Placement:
    """Where the inventory places the device that carries a scanned tag, and in which status."""

    device_id: UUID
    location: str
    status: str


@dataclass(frozen=True)
class CloseAudit:
    """End the audit; `placements` holds, for each scanned tag it did not expect, the device carrying it, if any."""

    at: datetime
    placements: Mapping[str, Placement] = field(default_factory=dict)


AuditCommand = OpenAudit | ScanTags | CloseAudit
