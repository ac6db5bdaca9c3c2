"""Request and response bodies of the audits API: a location's audit, its scans, result and proposed corrections."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from assets.domain.audit import AuditStatus
from assets.domain.device_state import Status
from events.contracts.assets import DeviceKind
from events.fields import Body, Instant, Short

# Tags one request carries: a handheld's buffer; more go in further requests.
MAX_TAGS_PER_REQUEST = 500


class OpenAuditRequest(Body):
    location: Short = Field(description="as the inventory names it (`location` of the devices)")


class ScanTagsRequest(Body):
    """One tag or a list of them, read at the audited location; a tag read before is passed over."""

    tag: Short | None = None
    tags: Annotated[list[Short], Field(max_length=MAX_TAGS_PER_REQUEST)] = []
    at: Instant | None = Field(default=None, description="when they were scanned, if earlier than now "
                                                         "(a handheld uploading later), not before the audit opened")

    @model_validator(mode="after")
    def _some_tag(self) -> "ScanTagsRequest":
        if self.tag is None and not self.tags:
            raise ValueError("tags: give the tag scanned (`tag`) or the tags (`tags`)")
        if len(self.all_tags()) > MAX_TAGS_PER_REQUEST:
            raise ValueError(f"tags: at most {MAX_TAGS_PER_REQUEST} tags a request")
        return self

    def all_tags(self) -> tuple[str, ...]:
        return (*([self.tag] if self.tag else []), *self.tags)


class AuditedDeviceResponse(BaseModel):
    device_id: UUID
    asset_tag: str


class FoundResponse(AuditedDeviceResponse):
    scanned_at: datetime


class FoundElsewhereResponse(FoundResponse):
    recorded_location: str = Field(description="where the inventory placed it when the audit closed")
    status: Status


class UnknownTagResponse(BaseModel):
    asset_tag: str
    scanned_at: datetime


class AuditResult(BaseModel):
    found: list[FoundResponse] = Field(description="scanned here, and the inventory places it here")
    missing: list[AuditedDeviceResponse] = Field(description="expected here, not scanned")
    found_elsewhere: list[FoundElsewhereResponse] = Field(description="scanned here, placed elsewhere: moved")
    unknown: list[UnknownTagResponse] = Field(description="no device of the inventory carries the tag")


class ProposalResponse(BaseModel):
    """A correction to send as an ordinary device command (`method` `path` with `body`); the audit applied none."""

    action: Literal["move", "lost"]
    device_id: UUID
    asset_tag: str
    method: Literal["POST"]
    path: str
    body: dict[str, Any]
    reason: str


class ScanResponse(BaseModel):
    scanned_at: datetime
    accepted: list[str] = Field(description="tags recorded by this request")
    already_scanned: list[str] = Field(description="tags the audit held already: passed over")
    not_expected: list[str] = Field(description="of those accepted, tags the inventory did not place here")
    scanned_count: int
    still_expected: int = Field(description="expected devices not scanned yet")
    version: int


class AuditSummary(BaseModel):
    id: UUID
    location: str
    status: AuditStatus
    opened_at: datetime
    opened_by: str
    expected_count: int
    scanned_count: int
    still_expected: int
    closed_at: datetime | None
    closed_by: str | None
    found_count: int | None
    missing_count: int | None
    found_elsewhere_count: int | None
    unknown_count: int | None
    updated_at: datetime
    version: int


class ScanEntry(BaseModel):
    asset_tag: str
    scanned_at: datetime
    scanned_by: str


class AuditResponse(AuditSummary):
    expected: list[AuditedDeviceResponse] = Field(description="what the inventory placed here when it opened")
    scans: list[ScanEntry]
    result: AuditResult | None = Field(description="once closed")
    proposals: list[ProposalResponse] = Field(description="once closed: the device commands it suggests")


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditSummary]


class UnauditedDevice(BaseModel):
    id: UUID
    asset_tag: str
    model: str
    kind: DeviceKind
    status: Status
    location: str
    department: str
    person_id: str | None
    last_audited_at: datetime | None = Field(description="when an audit last found it; none: never")
    last_audit_id: UUID | None
    last_audited_location: str | None = Field(description="where that audit found it")


class UnauditedPage(BaseModel):
    days: int
    total: int
    limit: int
    offset: int
    items: list[UnauditedDevice]


def audit_body(row, scans: list) -> dict[str, Any]:
    """The audit's row as the API answers it: the result and proposals once closed."""
    return AuditResponse(**{**row, "proposals": row["proposals"] or [], "scans": [dict(s) for s in scans]}
                         ).model_dump(mode="json")
