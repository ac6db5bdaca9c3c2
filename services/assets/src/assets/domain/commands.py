"""Device commands: what a caller asks of the inventory, with when it happened, so the decider needs no I/O."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from events.contracts.assets import Amortization, DeviceDetail, DeviceKind, MbnClass, Purchase, SanitizationMethod
from events.contracts.work_orders import PartUsed


@dataclass(frozen=True)
class RegisterDevice:
    device_id: UUID
    asset_tag: str
    kind: DeviceKind
    holds_storage: bool
    at: datetime
    serial: str = ""
    manufacturer: str = ""
    model: str = ""
    purchase: Purchase | None = None
    amortization: Amortization | None = None
    warranty_ends_on: date | None = None
    location: str = ""
    department: str = ""
    mbn_class_override: MbnClass | None = None
    override_reason: str = ""
    on_order: bool = False


@dataclass(frozen=True)
class ReceiveDevice:
    at: datetime
    location: str = ""


@dataclass(frozen=True)
class InstallDevice:
    location: str
    technician_id: str
    at: datetime
    person_id: str | None = None
    software: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignDevice:
    person_id: str
    at: datetime


@dataclass(frozen=True)
class ReturnDevice:
    at: datetime
    location: str = ""


@dataclass(frozen=True)
class MoveDevice:
    location: str
    at: datetime


@dataclass(frozen=True)
class SendForRepair:
    reason: str
    at: datetime
    ticket_id: UUID | None = None


@dataclass(frozen=True)
class ReturnFromRepair:
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class RetireDevice:
    reason: str
    at: datetime


@dataclass(frozen=True)
class SanitizeDevice:
    method: SanitizationMethod
    tool: str
    operator_id: str
    verification: str
    certificate_ref: str
    at: datetime


@dataclass(frozen=True)
class HandToDisposalVendor:
    vendor: str
    at: datetime
    lot: str = ""
    carrier: str = ""


@dataclass(frozen=True)
class DisposeDevice:
    certificate_ref: str
    at: datetime
    vendor: str = ""


@dataclass(frozen=True)
class ReportMissing:
    stolen: bool
    at: datetime
    note: str = ""


Command = (RegisterDevice | ReceiveDevice | InstallDevice | AssignDevice | ReturnDevice | MoveDevice | SendForRepair
           | ReturnFromRepair | RetireDevice | SanitizeDevice | HandToDisposalVendor | DisposeDevice | ReportMissing)


@dataclass(frozen=True)
class CorrectDeviceDetails:
    """Set the descriptive details `changed` names to the values given; the decider keeps only those that differ."""

    at: datetime
    changed: tuple[DeviceDetail, ...]
    serial: str = ""
    manufacturer: str = ""
    model: str = ""
    department: str = ""
    warranty_ends_on: date | None = None
    purchase: Purchase | None = None
    amortization: Amortization | None = None


Command = Command | CorrectDeviceDetails  # widened here, not above: commands are appended, the union kept whole


@dataclass(frozen=True)
class RecordRepair:
    """A repair the service desk logged on the device, as its `RepairLogged` tells it."""

    repair_id: UUID
    work_order_id: UUID
    technician_id: str
    fault: str
    action: str
    minutes: int
    at: datetime
    ticket_id: UUID | None = None
    parts: tuple[PartUsed, ...] = ()


Command = Command | RecordRepair
