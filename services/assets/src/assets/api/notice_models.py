"""Request and response bodies of the notices API: a person's own notices, and notices sent by hand."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.contracts.notices import NoticeKind
from events.fields import Body, Note, UserId

MAX_ADDRESSEES = 100


def _each_once(people: list[str]) -> list[str]:
    if len(set(people)) != len(people):
        raise ValueError("names a person more than once")
    return people


# A subject is one line: it becomes a mail header, where a line break would start another header.
Subject = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Addressees = Annotated[list[UserId], Field(min_length=1, max_length=MAX_ADDRESSEES), AfterValidator(_each_once)]
MailStatus = Literal["none", "queued", "sent"]


class SendNoticeRequest(Body):
    person_ids: Addressees = Field(description=f"who gets the notice (their user ids), at most {MAX_ADDRESSEES}")
    subject: Subject
    body: Note


class NoticeResponse(BaseModel):
    id: UUID
    person_id: str
    kind: NoticeKind
    subject: str
    body: str
    cause_event_id: UUID | None = Field(description="the event that called for the notice; none if sent by hand")
    cause_type: str = Field(description="that event's type, e.g. assets.account_locked")
    issued_at: datetime
    acknowledged_at: datetime | None
    mail_status: MailStatus = Field(
        description="none: no address on file when it was issued; queued: waiting for "
        "the mail server (retried until it takes it); sent: the mail server took it"
    )
    mailed_at: datetime | None
    version: int


class NoticePage(BaseModel):
    total: int
    limit: int
    offset: int
    unread: int = Field(description="the caller's notices not yet acknowledged, whatever the filter")
    items: list[NoticeResponse]


class SentNotice(BaseModel):
    id: UUID
    person_id: str
    mail_status: MailStatus


class SentNoticesResponse(BaseModel):
    notices: list[SentNotice] = Field(description="one per person, in the order named")


def notice_body(row) -> dict:
    return NoticeResponse(**row).model_dump(mode="json")


def sent_body(row) -> dict:
    return SentNotice(id=row["id"], person_id=row["person_id"], mail_status=row["mail_status"]).model_dump(mode="json")
