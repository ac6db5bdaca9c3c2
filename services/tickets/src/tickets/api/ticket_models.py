"""The tickets API's request and response bodies, bounded so that bad input is refused by name."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from events.contracts.tickets import Channel, Level, Priority, ResolutionCode, SlaClock, Visibility
from events.envelope import Envelope
from events.fields import Body, Short, Text
from tickets.api.fields import Slug
from tickets.domain.sla import ClockState, ClockView
from tickets.domain.ticket_state import Status, Ticket


class OpenTicketRequest(Body):
    subject: Short
    description: Text
    category: Slug
    impact: Level
    urgency: Level
    channel: Channel = Channel.WEB
    device_id: UUID | None = None
    linked_ticket_ids: Annotated[list[UUID], Field(max_length=20)] = []
    requester_id: Short | None = None  # technicians and managers opening for a caller


class AssignTicketRequest(Body):
    assignee_id: Short | None = None
    group: Short | None = None


class CommentRequest(Body):
    body: Text
    visibility: Visibility | None = None


class RequestInformationRequest(Body):
    question: Text


class ProvideInformationRequest(Body):
    answer: Text


class EscalateTicketRequest(Body):
    group: Short | None = None
    level: Annotated[int, Field(ge=1, le=5)] | None = None
    reason: Text


class ChangePriorityRequest(Body):
    priority: Priority
    reason: Text


class ResolveTicketRequest(Body):
    resolution_code: ResolutionCode
    note: Text
    article_id: UUID | None = Field(default=None, description="a knowledge-base article (training service) that"
                                    " answers it: the resolution names it")


class ReopenTicketRequest(Body):
    reason: Text


class CancelTicketRequest(Body):
    reason: Text


class RecordSatisfactionRequest(Body):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=2000)] = ""


class ClockResponse(BaseModel):
    """`due_at`: when the target is used up (the deadline); `breaches_at`: when counting first goes past it
    (the next opening if the target runs out at closing time); `breached_at`: when a breached clock did."""

    target_seconds: float
    elapsed_seconds: float
    paused_seconds: float
    state: ClockState
    due_at: datetime | None
    breaches_at: datetime | None
    warning_at: datetime | None
    breached_at: datetime | None


class HistoryEntry(BaseModel):
    type: str
    at: datetime
    actor: str
    version: int
    data: dict[str, Any]


class TicketResponse(BaseModel):
    id: UUID
    status: Status
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level
    priority: Priority
    channel: Channel
    device_id: UUID | None
    linked_ticket_ids: list[UUID]
    assignee_id: str | None
    group: str | None
    level: int
    resolution_code: ResolutionCode | None
    first_contact_resolution: bool
    reopened: int
    satisfaction: int | None
    opened_at: datetime | None
    updated_at: datetime
    version: int
    clocks: dict[SlaClock, ClockResponse]
    history: list[HistoryEntry]


class TicketSummary(BaseModel):
    id: UUID
    subject: str
    category: str
    priority: Priority
    status: Status
    assignee_id: str | None
    group: str | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_breaches_at: datetime | None
    resolution_breaches_at: datetime | None
    sla_state: ClockState  # the most urgent of the ticket's clocks
    opened_at: datetime
    updated_at: datetime
    version: int


def _visible(envelope: Envelope, show_internal: bool) -> bool:
    return show_internal or envelope.data.get("visibility") != Visibility.INTERNAL


def ticket_response(
    t: Ticket, version: int, envelopes: list[Envelope], views: dict[SlaClock, ClockView], *, show_internal: bool
) -> TicketResponse:
    """The ticket with its clocks and its history; internal comments only for the desk and auditors."""
    clocks = {clock: ClockResponse(**{k: getattr(view, k) for k in ClockResponse.model_fields})
              for clock, view in views.items()}
    history = [HistoryEntry(type=e.type, at=e.time, actor=e.actor, version=e.streamversion, data=e.data)
               for e in envelopes if _visible(e, show_internal)]
    return TicketResponse(
        id=t.ticket_id, status=t.status, requester_id=t.requester_id, subject=t.subject, description=t.description,
        category=t.category, impact=t.impact, urgency=t.urgency, priority=t.priority, channel=t.channel,
        device_id=t.device_id, linked_ticket_ids=list(t.linked_ticket_ids), assignee_id=t.assignee_id,
        group=t.group, level=t.level, resolution_code=t.resolution_code,
        first_contact_resolution=t.first_contact_resolution, reopened=t.reopens, satisfaction=t.satisfaction,
        opened_at=t.opened_at, updated_at=envelopes[-1].recordedtime, version=version,
        clocks=clocks, history=history,
    )
