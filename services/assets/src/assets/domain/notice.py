"""The notice decider: a notice addressed to one person, read and acknowledged by that person alone, once, and
mailed to them once.

A notice is its own stream. One that reacts to another event has an id derived from that event and the person
(`notice_id_for`), so a redelivered cause finds the notice already issued and adds nothing.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid5

from assets.domain.errors import AssetsError
from events.base import Event
from events.contracts.notices import NoticeAcknowledged, NoticeIssued, NoticeKind, NoticeMailed
from events.decider import Decider
from events.errors import NotFound

# Fixed forever: changing it would give a redelivered cause a second notice.
_NOTICE_NAMESPACE = UUID("5b0d3c53-51c9-4b8e-9a43-3f3f0c6f2a61")


class NoticeAlreadyIssued(AssetsError):
    """A notice is issued once: a cause gives each person at most one notice."""


class NoticeAlreadyAcknowledged(AssetsError):
    """A notice is acknowledged once; the first acknowledgement stands."""


class NoticeAlreadyMailed(AssetsError):
    """A notice is mailed once."""


def notice_id_for(tenant: str, cause_event_id: UUID, person_id: str) -> UUID:
    """The one notice a cause gives a person in a tenant."""
    return uuid5(_NOTICE_NAMESPACE, f"{tenant}\n{cause_event_id}\n{person_id}")


@dataclass(frozen=True)
class Notice:
    notice_id: UUID | None = None
    person_id: str = ""
    kind: NoticeKind = NoticeKind.MESSAGE
    subject: str = ""
    body: str = ""
    issued_at: datetime | None = None
    cause_event_id: UUID | None = None
    cause_type: str = ""
    acknowledged_at: datetime | None = None
    mailed_at: datetime | None = None


@dataclass(frozen=True)
class IssueNotice:
    notice_id: UUID
    person_id: str
    kind: NoticeKind
    subject: str
    body: str
    at: datetime
    cause_event_id: UUID | None = None
    cause_type: str = ""


@dataclass(frozen=True)
class AcknowledgeNotice:
    person_id: str  # who acknowledges: only the addressee may
    at: datetime


@dataclass(frozen=True)
class RecordNoticeMailed:
    at: datetime


def addressed_to(person_id: str):
    """The stream check of a person's own notice: another's notice does not exist for them."""

    def check(state: Notice) -> None:
        if state.notice_id is not None and state.person_id != person_id:
            raise NotFound("no such notice")

    return check


def _notice_must_exist(state: Notice, command: object) -> None:
    if state.notice_id is None:
        raise NotFound("no such notice")


def _issue(state: Notice, c: IssueNotice) -> list[Event]:
    if state.notice_id is not None:
        raise NoticeAlreadyIssued(f"notice {c.notice_id} to {state.person_id} is already issued")
    return [
        NoticeIssued(
            at=c.at,
            notice_id=c.notice_id,
            person_id=c.person_id,
            kind=c.kind,
            subject=c.subject,
            body=c.body,
            cause_event_id=c.cause_event_id,
            cause_type=c.cause_type,
        )
    ]


def _acknowledge(state: Notice, c: AcknowledgeNotice) -> list[Event]:
    addressed_to(c.person_id)(state)
    if state.acknowledged_at is not None:
        raise NoticeAlreadyAcknowledged(f"notice {state.notice_id} was acknowledged at {state.acknowledged_at}")
    return [NoticeAcknowledged(at=c.at, notice_id=state.notice_id, person_id=state.person_id)]


def _mailed(state: Notice, c: RecordNoticeMailed) -> list[Event]:
    if state.mailed_at is not None:
        raise NoticeAlreadyMailed(f"notice {state.notice_id} was mailed at {state.mailed_at}")
    return [NoticeMailed(at=c.at, notice_id=state.notice_id, person_id=state.person_id)]


def _issued(s: Notice, e: NoticeIssued) -> Notice:
    return Notice(e.notice_id, e.person_id, e.kind, e.subject, e.body, e.at, e.cause_event_id, e.cause_type)


def _acknowledged(s: Notice, e: NoticeAcknowledged) -> Notice:
    return replace(s, acknowledged_at=e.at)


def _was_mailed(s: Notice, e: NoticeMailed) -> Notice:
    return replace(s, mailed_at=e.at)


NOTICE = Decider(
    initial=Notice(),
    evolvers={NoticeIssued: _issued, NoticeAcknowledged: _acknowledged, NoticeMailed: _was_mailed},
    deciders={IssueNotice: _issue, AcknowledgeNotice: _acknowledge, RecordNoticeMailed: _mailed},
    precondition=_notice_must_exist,
    creates=(IssueNotice,),
)
