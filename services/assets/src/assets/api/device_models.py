"""The devices API's request and response bodies, bounded so that bad input is refused by name."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from assets.domain import commands as cmd
from assets.domain.device_state import Device, Status
from events.contracts.assets import Amortization, DeviceKind, MbnClass, Purchase, SanitizationMethod
from events.errors import Unprocessable
from events.fields import Body, Day, Instant, Note, Short, UserId

Free = Annotated[str, Field(max_length=200)]
# A clock a little ahead of ours is not a future event; more than this is.
CLOCK_SKEW = timedelta(minutes=5)


def when(at: datetime | None, now: datetime) -> datetime:
    """When it happened: `at` if the caller says (an install recorded days later), else now; never later than now."""
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise Unprocessable("at", "is in the future: record what happened, once it has")
    return at


class Happened(Body):
    at: Instant | None = Field(default=None, description="when it happened, if earlier than now")


class RegisterDeviceRequest(Happened):
    asset_tag: Short
    kind: DeviceKind
    holds_storage: bool
    serial: Free = ""
    manufacturer: Free = ""
    model: Free = ""
    purchase: Purchase | None = None
    amortization: Amortization | None = None
    warranty_ends_on: Day | None = None
    location: Free = ""
    department: Free = ""
    mbn_class_override: MbnClass | None = None
    override_reason: Annotated[str, Field(max_length=2_000)] = ""
    on_order: bool = False

    @model_validator(mode="after")
    def _override_has_a_reason(self) -> "RegisterDeviceRequest":
        if self.mbn_class_override is not None and not self.override_reason:
            raise ValueError("override_reason: an MBN class other than the kind's needs its reason")
        return self

    def command(self, device_id: UUID, at: datetime) -> cmd.RegisterDevice:
        fields = self.model_dump(exclude={"at"})
        return cmd.RegisterDevice(device_id=device_id, at=at, **{**fields, "purchase": self.purchase,
                                                                  "amortization": self.amortization})


class InstallDeviceRequest(Happened):
    location: Short
    person_id: UserId | None = None
    software: Annotated[list[Short], Field(max_length=200)] = []


class AssignDeviceRequest(Happened):
    person_id: UserId


class ReturnDeviceRequest(Happened):
    location: Free = ""


class MoveDeviceRequest(Happened):
    location: Short


class RepairRequest(Happened):
    phase: Literal["out", "back"]
    reason: Annotated[str, Field(max_length=5_000)] = ""
    ticket_id: UUID | None = None
    note: Annotated[str, Field(max_length=5_000)] = ""

    @model_validator(mode="after")
    def _out_has_a_reason(self) -> "RepairRequest":
        if self.phase == "out" and not self.reason:
            raise ValueError("reason: a device goes for repair for a reason")
        return self


class RetireDeviceRequest(Happened):
    reason: Note


class SanitizeDeviceRequest(Happened):
    method: SanitizationMethod
    tool: Short
    verification: Note
    certificate_ref: Short
    operator_id: UserId | None = None


class HandOverRequest(Happened):
    vendor: Short
    lot: Free = ""
    carrier: Free = ""


class DisposeDeviceRequest(Happened):
    certificate_ref: Short
    vendor: Free = ""


class ReportMissingRequest(Happened):
    stolen: bool
    note: Annotated[str, Field(max_length=5_000)] = ""


class DeviceResponse(BaseModel):
    id: UUID
    asset_tag: str
    serial: str
    manufacturer: str
    model: str
    kind: DeviceKind
    mbn_class: MbnClass
    status: Status
    holds_storage: bool
    sanitized: bool
    purchase: Purchase | None
    amortization: Amortization | None
    warranty_ends_on: date | None
    location: str
    department: str
    person_id: str | None
    software: list[str]
    version: int


class DeviceSummary(BaseModel):
    id: UUID
    asset_tag: str
    serial: str
    model: str
    kind: DeviceKind
    mbn_class: MbnClass
    status: Status
    location: str
    department: str
    person_id: str | None


class DevicePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DeviceSummary]


class DeviceHistoryEntry(BaseModel):
    type: str
    at: datetime
    recorded_at: datetime
    actor: str
    version: int
    data: dict[str, Any]


class MbnCountsResponse(BaseModel):
    as_of: date
    known_at: date | datetime | None
    counts: dict[MbnClass, int]
    total: int = Field(description="INTN205's numerator: the three classes together")


def device_body(d: Device, version: int) -> dict[str, Any]:
    return DeviceResponse(
        id=d.device_id, asset_tag=d.asset_tag, serial=d.serial, manufacturer=d.manufacturer, model=d.model,
        kind=d.kind, mbn_class=d.mbn_class, status=d.status, holds_storage=d.holds_storage, sanitized=d.sanitized,
        purchase=d.purchase, amortization=d.amortization, warranty_ends_on=d.warranty_ends_on, location=d.location,
        department=d.department, person_id=d.person_id, software=list(d.software), version=version,
    ).model_dump(mode="json")
