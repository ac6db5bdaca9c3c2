"""Request and response bodies of the security API: endpoint protection, its requirements, gaps and advisories."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from assets.domain.advisory import RecordAdvisory
from assets.domain.protection import DeviceProtection, RecordProtection, RemoveProtection
from events.contracts.assets import DeviceKind
from events.contracts.security import (
    AdvisoryKind,
    AffectedAccount,
    AffectedModel,
    AffectedSoftware,
    KindRequirement,
    LockoutPolicy,
    ProtectionKind,
    ProtectionStatus,
    RemediationAction,
    Severity,
    UpdateAge,
)
from events.errors import Unprocessable
from events.fields import Body, Instant, Short, UserId

Label = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(max_length=5_000)]

# --- protection -----------------------------------------------------------------------------------------------


class RecordProtectionRequest(Body):
    """What protection of one kind the device runs; or, with `removed`, that it no longer runs that kind."""

    kind: ProtectionKind
    product: Label = Field(default="", description="required unless removed, e.g. Microsoft Defender, Foolproof")
    version: Label = ""
    last_updated: Instant | None = Field(default=None, description="when its definitions or signatures were updated")
    status: ProtectionStatus = ProtectionStatus.ACTIVE
    policy: LockoutPolicy | None = Field(default=None, description="a screen lock-out's policy (and only its)")
    removed: bool = False
    reason: Reason = Field(default="", description="why it was removed")
    at: Instant | None = Field(default=None, description="when the device was found so, if earlier than now")

    def command(self, device_id: UUID, technician_id: str, at: datetime) -> RecordProtection | RemoveProtection:
        if self.removed:
            return RemoveProtection(device_id, self.kind, technician_id, at, self.reason)
        if not self.product:
            raise Unprocessable("product", "name the product the device runs, or say it was removed")
        fields = self.model_dump(include={"kind", "product", "status", "version", "last_updated"})
        return RecordProtection(device_id=device_id, technician_id=technician_id, at=at, policy=self.policy, **fields)


class ProtectionResponse(BaseModel):
    kind: ProtectionKind
    product: str
    version: str
    last_updated: datetime | None
    status: ProtectionStatus
    policy: LockoutPolicy | None
    recorded_at: datetime
    technician_id: str


class WorkRequestResponse(BaseModel):
    kind: ProtectionKind
    problem: str = Field(description="missing or outdated")
    requested_at: datetime
    requested_by: str


class DeviceProtectionResponse(BaseModel):
    device_id: UUID
    protections: list[ProtectionResponse]
    work_requested: list[WorkRequestResponse] = Field(description="gaps a work order was asked for, still open")
    version: int


def device_protection_body(device_id: UUID, state: DeviceProtection, version: int) -> dict[str, Any]:
    protections = [ProtectionResponse(**vars(p)) for p in state.running.values()]
    requested = [
        WorkRequestResponse(kind=k, problem=problem, requested_at=r.at, requested_by=r.requested_by)
        for (k, problem), r in state.requested.items()
    ]
    return DeviceProtectionResponse(
        device_id=device_id, protections=protections, work_requested=requested, version=version
    ).model_dump(mode="json")


class SetProtectionRequirementsRequest(Body):
    """The requirements whole: device kinds not named require nothing."""

    required: Annotated[list[KindRequirement], Field(max_length=len(DeviceKind))]
    max_update_age: Annotated[list[UpdateAge], Field(max_length=len(ProtectionKind))] = Field(
        default=[], description="how old a protection's last update may be, e.g. anti_malware 7 days"
    )


class ProtectionRequirementsResponse(BaseModel):
    required: list[KindRequirement]
    max_update_age: list[UpdateAge]
    set_at: datetime | None
    set_by: str
    version: int


class ProtectionGap(BaseModel):
    device_id: UUID
    asset_tag: str
    device_kind: DeviceKind
    model: str
    location: str
    person_id: str | None
    missing: list[ProtectionKind] = Field(description="required but not recorded, or recorded but not active")
    outdated: list[ProtectionKind] = Field(description="active, but last updated longer ago than allowed")
    work_requested: bool = Field(description="a work order was asked for every part of the gap")


class ProtectionGapPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ProtectionGap]


class RequestWorkOrdersRequest(Body):
    device_ids: Annotated[list[UUID], Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="the devices to ask for; absent: every gap no work order was asked for yet"
    )


class ProtectionWorkResponse(BaseModel):
    device_id: UUID
    asset_tag: str
    location: str
    missing: list[ProtectionKind]
    outdated: list[ProtectionKind]
    requested_by: str
    at: datetime


class WorkOrdersRequested(BaseModel):
    requested: list[ProtectionWorkResponse] = Field(description="one per device, with only the new parts of its gap")
    left: int = Field(description="gaps not asked for by this request (more than one request takes): ask again")


# --- advisories -----------------------------------------------------------------------------------------------


class AffectedSoftwareRequest(Body):
    """A catalogued title (`title_id`), or a product by name with the versions affected."""

    title_id: UUID | None = None
    product: Label = ""
    min_version: Label = Field(default="", description="the first version affected; empty: all before max_version")
    max_version: Label = Field(default="", description="the last version affected; empty: all from min_version")

    @model_validator(mode="after")
    def _title_or_product(self) -> "AffectedSoftwareRequest":
        if (self.title_id is None) == (not self.product):
            raise ValueError("name either the catalogued title_id or the product, not both")
        if self.title_id is not None and (self.min_version or self.max_version):
            raise ValueError("a catalogued title is one version: give a product to name a range of versions")
        return self


class AffectedModelRequest(Body):
    model: Short
    firmware: Label = ""


class AffectedAccountRequest(Body):
    account_id: UUID | None = None
    username: Label = ""
    person_id: UserId | None = Field(default=None, description="who holds the account: they are told")

    @model_validator(mode="after")
    def _named(self) -> "AffectedAccountRequest":
        if self.account_id is None and not self.username:
            raise ValueError("name the account by account_id or username")
        return self


class RecordAdvisoryRequest(Body):
    title: Short
    kind: AdvisoryKind
    severity: Severity
    source: Label = Field(default="", description="who published it: a vendor, a CERT")
    reference: Label = Field(default="", description="a CVE id, a vendor bulletin")
    description: Reason = ""
    software: Annotated[list[AffectedSoftwareRequest], Field(max_length=100)] = []
    models: Annotated[list[AffectedModelRequest], Field(max_length=100)] = []
    accounts: Annotated[list[AffectedAccountRequest], Field(max_length=1_000)] = []
    window_start: Instant = Field(description="when the exposure began")
    window_end: Instant | None = Field(default=None, description="when it ended; absent while it lasts")

    def command(self, advisory_id: UUID, recorded_by: str, at: datetime) -> RecordAdvisory:
        scalars = self.model_dump(exclude={"software", "models", "accounts"})
        return RecordAdvisory(
            advisory_id=advisory_id,
            recorded_by=recorded_by,
            at=at,
            **scalars,
            software=tuple(AffectedSoftware(**s.model_dump()) for s in self.software),
            models=tuple(AffectedModel(**m.model_dump()) for m in self.models),
            accounts=tuple(AffectedAccount(**a.model_dump()) for a in self.accounts),
        )


class RemediateDeviceRequest(Body):
    device_id: UUID
    action: RemediationAction
    note: Reason = ""
    at: Instant | None = Field(default=None, description="when it was remediated, if earlier than now")


class AdvisorySummary(BaseModel):
    id: UUID
    title: str
    kind: AdvisoryKind
    severity: Severity
    source: str
    reference: str
    window_start: datetime
    window_end: datetime | None
    recorded_at: datetime
    recorded_by: str
    exposed_devices: int
    remediated_devices: int
    exposed_people: int
    status: str = Field(description="open, or remediated once no exposed device is left")
    remediated_at: datetime | None
    seconds_to_remediate: int | None = Field(description="from the recording to the last device remediated")
    mean_seconds_to_remediate: float | None = Field(description="per device, from the recording")
    version: int


class AdvisoryPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AdvisorySummary]


class ExposedDevice(BaseModel):
    device_id: UUID
    asset_tag: str
    model: str
    person_id: str | None = Field(description="who has it now")
    location: str
    status: str
    remediated: bool
    remediated_at: datetime | None
    action: RemediationAction | None
    note: str
    remediated_by: str | None
    seconds_to_remediate: int | None


class AdvisoryDetail(AdvisorySummary):
    description: str
    software: list[AffectedSoftware]
    models: list[AffectedModel]
    accounts: list[AffectedAccount]
    people: list[str]
    devices: list[ExposedDevice]


class ExposureCounts(BaseModel):
    devices: int
    remediated: int
    left: int
    people: int


class ExposureResponse(BaseModel):
    advisory_id: UUID
    window_start: datetime
    window_end: datetime | None
    counts: ExposureCounts
    people: list[str] = Field(description="person ids of those who had an exposed device, or an affected account")
    devices: list[ExposedDevice]
    total: int = Field(description="the devices the `remediated` filter finds")
    limit: int
    offset: int


def advisory_body(row, devices: list) -> dict[str, Any]:
    fields = {k: v for k, v in dict(row).items() if k != "affected"}
    return AdvisoryDetail(**fields, **row["affected"], devices=devices).model_dump(mode="json")
