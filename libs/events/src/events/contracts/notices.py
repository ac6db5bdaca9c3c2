"""Notice events the assets service publishes on `assets.events`: what staff were told, that they read it, the mail."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from events.base import Event

PersonId = Annotated[str, Field(min_length=1, max_length=200)]
Subject = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=5_000)]


class NoticeKind(StrEnum):
    ADVISORY = "advisory"  # a breach or vulnerability touched the person's devices or accounts
    PASSWORD_CHANGE = "password_change"  # the person must change their password at next logon
    ACCOUNT_STATUS = "account_status"  # the person's network account was disabled, locked, enabled...
    MESSAGE = "message"  # written by hand by a manager


class NoticeIssued(Event):
    """A notice was addressed to one person. `cause_event_id` is the event that called for it (none for one
    written by hand): one cause gives a person at most one notice, however often it is delivered."""

    event_type: ClassVar[str] = "assets.notice_issued"

    at: datetime
    notice_id: UUID
    person_id: PersonId
    kind: NoticeKind
    subject: Subject
    body: Text
    cause_event_id: UUID | None = None
    cause_type: Annotated[str, Field(max_length=200)] = ""


class NoticeAcknowledged(Event):
    """The addressee said they read the notice."""

    event_type: ClassVar[str] = "assets.notice_acknowledged"

    at: datetime
    notice_id: UUID
    person_id: PersonId


class NoticeMailed(Event):
    """The notice left for the addressee's mailbox: the mail server took it (`at` is when). The address is not
    kept here: it is the account's, as of the notice."""

    event_type: ClassVar[str] = "assets.notice_mailed"

    at: datetime
    notice_id: UUID
    person_id: PersonId
