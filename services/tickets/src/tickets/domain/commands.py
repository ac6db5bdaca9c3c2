"""Ticket commands: what a caller asks for, with who asks and when, so the decider needs no I/O."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from events.contracts.tickets import (
    Channel,
    Level,
    Priority,
    ResolutionCode,
    SlaBreached,
    SlaWarningReached,
    Visibility,
)


@dataclass(frozen=True)
class Actor:
    id: str
    is_agent: bool  # a technician or manager, acting for the desk rather than as a requester


@dataclass(frozen=True)
class OpenTicket:
    ticket_id: UUID
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level
    by: Actor
    at: datetime
    channel: Channel = Channel.WEB
    device_id: UUID | None = None
    linked_ticket_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class AcknowledgeTicket:
    by: Actor
    at: datetime


@dataclass(frozen=True)
class AssignTicket:
    assignee_id: str | None
    group: str | None
    by: Actor
    at: datetime


@dataclass(frozen=True)
class CommentOnTicket:
    comment_id: UUID
    body: str
    visibility: Visibility
    by: Actor
    at: datetime


@dataclass(frozen=True)
class RequestInformation:
    question: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class ProvideInformation:
    answer: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class EscalateTicket:
    group: str | None
    level: int | None
    reason: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class ChangePriority:
    priority: Priority
    reason: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class ResolveTicket:
    resolution_code: ResolutionCode
    note: str
    by: Actor
    at: datetime
    article_id: UUID | None = None  # a knowledge-base article the resolution names


@dataclass(frozen=True)
class ConfirmResolution:
    by: Actor
    at: datetime


@dataclass(frozen=True)
class CloseResolvedTicket:
    """The tenant's window passed with no objection (the scheduler asks)."""

    at: datetime


@dataclass(frozen=True)
class RecordSlaMarks:
    """Warnings and breaches reached while nobody looked (the scheduler asks), each stamped with its moment."""

    marks: tuple[SlaWarningReached | SlaBreached, ...]


@dataclass(frozen=True)
class ReopenTicket:
    reason: str
    window_days: int  # the tenant's policy, passed in
    by: Actor
    at: datetime


@dataclass(frozen=True)
class CancelTicket:
    reason: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class RecordSatisfaction:
    score: int
    comment: str
    by: Actor
    at: datetime


Command = (
    OpenTicket | AcknowledgeTicket | AssignTicket | CommentOnTicket | RequestInformation | ProvideInformation
    | EscalateTicket | ChangePriority | ResolveTicket | ConfirmResolution | CloseResolvedTicket | RecordSlaMarks
    | ReopenTicket | CancelTicket | RecordSatisfaction
)
