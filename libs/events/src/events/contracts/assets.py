"""Events the assets service publishes on `assets.events`: devices from purchase to certified disposal."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event
from events.fields import Day

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class DeviceKind(StrEnum):
    DESKTOP = "desktop"
    LAPTOP = "laptop"
    TABLET = "tablet"
    THIN_CLIENT = "thin_client"
    SMARTPHONE = "smartphone"
    PRINTER = "printer"
    MONITOR = "monitor"
    NETWORK_DEVICE = "network_device"
    SERVER = "server"
    PERIPHERAL = "peripheral"
    OTHER = "other"


class MbnClass(StrEnum):
    """The MBNCanada device classes: INTN212, INTN214, INTN216, or not counted in INTN205."""

    LAPTOPS_TABLETS = "laptops_tablets"  # INTN212
    DESKTOPS_THIN_CLIENTS = "desktops_thin_clients"  # INTN214
    SMARTPHONES = "smartphones"  # INTN216
    NOT_COUNTED = "not_counted"


class AmortizationMethod(StrEnum):
    STRAIGHT_LINE = "straight_line"  # PSAB 3150's usual choice for tangible capital assets
    DECLINING_BALANCE = "declining_balance"


class SanitizationMethod(StrEnum):
    """NIST SP 800-88 Rev. 1: clear (logical overwrite), purge (against lab attack), destroy (physical)."""

    CLEAR = "clear"
    PURGE = "purge"
    DESTROY = "destroy"


class Purchase(BaseModel):
    """What the device cost, from whom, when: in the tenant's currency, exact decimals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purchased_on: Day
    cost: Money
    supplier: Name = ""
    order_number: Name = ""


class Amortization(BaseModel):
    """How the device's cost is spread over its useful life, down to its salvage value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    useful_life_months: Annotated[int, Field(gt=0, le=600)]
    salvage_value: Money = Decimal("0")
    method: AmortizationMethod = AmortizationMethod.STRAIGHT_LINE
    # Declining balance: the yearly rate on the book value (e.g. 0.4); absent means twice straight-line's.
    declining_rate: Annotated[Decimal, Field(gt=0, lt=1, max_digits=5, decimal_places=4)] | None = None


class DeviceRegistered(Event):
    """A device entered the inventory, ordered or already in stock."""

    event_type: ClassVar[str] = "assets.device_registered"

    at: datetime
    device_id: UUID
    asset_tag: Name
    serial: Name = ""
    manufacturer: Name = ""
    model: Name = ""
    kind: DeviceKind
    holds_storage: bool
    purchase: Purchase | None = None
    amortization: Amortization | None = None
    warranty_ends_on: date | None = None
    location: Name = ""
    department: Name = ""
    mbn_class: MbnClass  # follows from the kind unless overridden, with the reason
    mbn_class_override_reason: Note = ""
    on_order: bool = False


class DeviceReceived(Event):
    """An ordered device arrived and is in stock."""

    event_type: ClassVar[str] = "assets.device_received"

    at: datetime
    device_id: UUID
    location: Name = ""


class DeviceInstalled(Event):
    """A technician set the device up where and for whom it will work, with the software loaded."""

    event_type: ClassVar[str] = "assets.device_installed"

    at: datetime
    device_id: UUID
    location: Name
    person_id: Name | None = None
    technician_id: Name
    software: Annotated[list[Name], Field(max_length=200)] = []


class DeviceAssigned(Event):
    """Checked out to a person."""

    event_type: ClassVar[str] = "assets.device_assigned"

    at: datetime
    device_id: UUID
    person_id: Name


class DeviceReturned(Event):
    """Checked back in from the person who had it; back in stock."""

    event_type: ClassVar[str] = "assets.device_returned"

    at: datetime
    device_id: UUID
    person_id: Name | None
    location: Name = ""


class DeviceMoved(Event):
    event_type: ClassVar[str] = "assets.device_moved"

    at: datetime
    device_id: UUID
    location: Name


class DeviceSentForRepair(Event):
    event_type: ClassVar[str] = "assets.device_sent_for_repair"

    at: datetime
    device_id: UUID
    reason: Note
    ticket_id: UUID | None = None


class DeviceBackFromRepair(Event):
    event_type: ClassVar[str] = "assets.device_back_from_repair"

    at: datetime
    device_id: UUID
    note: Note = ""


class DeviceRetired(Event):
    """Out of service, awaiting disposal."""

    event_type: ClassVar[str] = "assets.device_retired"

    at: datetime
    device_id: UUID
    reason: Note


class DeviceSanitized(Event):
    """The device's storage media sanitized as NIST SP 800-88 describes, with its certificate."""

    event_type: ClassVar[str] = "assets.device_sanitized"

    at: datetime
    device_id: UUID
    method: SanitizationMethod
    tool: Name
    operator_id: Name
    verification: Note
    certificate_ref: Name


class DeviceHandedToDisposalVendor(Event):
    event_type: ClassVar[str] = "assets.device_handed_to_disposal_vendor"

    at: datetime
    device_id: UUID
    vendor: Name
    lot: Name = ""
    carrier: Name = ""


class DeviceDisposed(Event):
    """Gone from the city for good, with the certificate of disposal; what the device held is to be released."""

    event_type: ClassVar[str] = "assets.device_disposed"

    at: datetime
    device_id: UUID
    asset_tag: Name
    certificate_ref: Name
    vendor: Name = ""


class DeviceDetail(StrEnum):
    """The descriptive details a correction may change; kind, storage and MBN class are not among them."""

    SERIAL = "serial"
    MANUFACTURER = "manufacturer"
    MODEL = "model"
    DEPARTMENT = "department"
    WARRANTY_ENDS_ON = "warranty_ends_on"
    PURCHASE = "purchase"
    AMORTIZATION = "amortization"


class DeviceDetailsCorrected(Event):
    """Descriptive details corrected (a bulk import, a typo fixed): each field `changed` names takes its value here."""

    event_type: ClassVar[str] = "assets.device_details_corrected"

    at: datetime
    device_id: UUID
    changed: Annotated[list[DeviceDetail], Field(min_length=1, max_length=len(DeviceDetail))]
    serial: Name = ""
    manufacturer: Name = ""
    model: Name = ""
    department: Name = ""
    warranty_ends_on: date | None = None
    purchase: Purchase | None = None
    amortization: Amortization | None = None


class DeviceReportedMissing(Event):
    """Lost or stolen, from whatever state it was in."""

    event_type: ClassVar[str] = "assets.device_reported_missing"

    at: datetime
    device_id: UUID
    stolen: bool
    note: Note = ""


class DeviceRepairRecorded(Event):
    """A repair the service desk logged on the device (`tickets.repair_logged`), in the device's own history.

    `at` is when the desk logged it. The texts are the desk's as it bounds them, so none is refused here;
    `parts_cost` sums the part lines whose unit cost the desk knew, in the tenant's currency."""

    event_type: ClassVar[str] = "assets.device_repair_recorded"

    at: datetime
    device_id: UUID
    repair_id: UUID
    ticket_id: UUID | None = None
    work_order_id: UUID
    technician_id: str
    fault: str
    action: str
    minutes: int = Field(ge=0, le=100_000)
    parts_cost: Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)] = Decimal("0")
