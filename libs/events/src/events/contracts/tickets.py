"""Events the tickets service publishes on `tickets.events`: the ticket lifecycle and its SLA marks."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event, renamed_to_at

Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(max_length=200)]


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Channel(StrEnum):
    WEB = "web"
    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk_in"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"  # technicians only; the requester never sees it


class ResolutionCode(StrEnum):
    SOLVED = "solved"
    WORKAROUND = "workaround"
    HARDWARE_REPLACED = "hardware_replaced"
    USER_GUIDANCE = "user_guidance"
    DUPLICATE = "duplicate"
    CANNOT_REPRODUCE = "cannot_reproduce"
    NO_ACTION_NEEDED = "no_action_needed"


class Closure(StrEnum):
    CONFIRMED = "confirmed"  # the requester (or a technician for them) accepted the resolution
    AUTOMATIC = "automatic"  # nobody objected within the tenant's window


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class SlaClock(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


def _device_uuid(value: Any) -> str | None:
    """v1 took any text as the device; an id that is not a UUID names no device the inventory knows."""
    try:
        return str(UUID(value)) if value else None
    except (TypeError, ValueError):
        return None


def _opened_v2(data: dict[str, Any], occurred_at: datetime) -> dict[str, Any]:
    """v2: the device is a UUID, and the business time is `at` (v1's `opened_at`, absent in the oldest streams)."""
    data = dict(data)
    opened_at = data.pop("opened_at", None)
    return {**data, "device_id": _device_uuid(data.get("device_id")), "at": opened_at or occurred_at.isoformat()}


class TicketOpened(Event):
    event_type: ClassVar[str] = "tickets.ticket_opened"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar = {1: _opened_v2}

    at: datetime
    ticket_id: UUID
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level
    priority: Priority
    channel: Channel = Channel.WEB
    device_id: UUID | None = None
    linked_ticket_ids: list[UUID] = []
    opened_by: str | None = None  # a technician opening it on the requester's behalf


class TicketAcknowledged(Event):
    event_type: ClassVar[str] = "tickets.ticket_acknowledged"

    at: datetime
    technician_id: str


class TicketAssigned(Event):
    event_type: ClassVar[str] = "tickets.ticket_assigned"

    at: datetime
    assignee_id: str | None
    group: Name | None


class CommentAdded(Event):
    event_type: ClassVar[str] = "tickets.comment_added"

    at: datetime
    comment_id: UUID
    author_id: str
    body: Text
    visibility: Visibility
    by_agent: bool


class InformationRequested(Event):
    event_type: ClassVar[str] = "tickets.information_requested"

    at: datetime
    question: Text


class InformationProvided(Event):
    event_type: ClassVar[str] = "tickets.information_provided"

    at: datetime
    answer: Text


class TicketEscalated(Event):
    event_type: ClassVar[str] = "tickets.ticket_escalated"

    at: datetime
    group: Name | None
    level: int
    reason: Text


class PriorityChanged(Event):
    event_type: ClassVar[str] = "tickets.priority_changed"

    at: datetime
    previous: Priority
    priority: Priority
    reason: Text


class TicketResolved(Event):
    event_type: ClassVar[str] = "tickets.ticket_resolved"

    at: datetime
    resolution_code: ResolutionCode
    note: Text
    technician_id: str
    article_id: UUID | None = None  # the knowledge-base article the resolution points the requester to


class TicketClosed(Event):
    event_type: ClassVar[str] = "tickets.ticket_closed"

    at: datetime
    closure: Closure


class TicketReopened(Event):
    event_type: ClassVar[str] = "tickets.ticket_reopened"

    at: datetime
    reason: Text


class TicketCancelled(Event):
    event_type: ClassVar[str] = "tickets.ticket_cancelled"

    at: datetime
    reason: Text


class SatisfactionRecorded(Event):
    event_type: ClassVar[str] = "tickets.satisfaction_recorded"

    at: datetime
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Text = ""


class SlaWarningReached(Event):
    """75 % of a target's business time used; `time` on the envelope is the moment it was reached."""

    event_type: ClassVar[str] = "tickets.sla_warning_reached"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar = {1: renamed_to_at("reached_at")}

    at: datetime
    clock: SlaClock
    target_seconds: float


class SlaBreached(Event):
    """A target's business time used up; `time` on the envelope is the moment it was breached."""

    event_type: ClassVar[str] = "tickets.sla_breached"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar = {1: renamed_to_at("breached_at")}

    at: datetime
    clock: SlaClock
    target_seconds: float


class CalendarDocument(BaseModel):
    """A tenant's working calendar: local working hours per weekday, and holidays."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: Name
    hours: dict[Weekday, list[tuple[str, str]]]
    holidays: list[date] = []


class SlaTarget(BaseModel):
    """Business minutes to the first response and to the resolution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    response_minutes: Annotated[int, Field(gt=0, le=525_600)]
    resolution_minutes: Annotated[int, Field(gt=0, le=525_600)]


class DeskPolicyChanged(Event):
    """A manager set the tenant's desk policy; the whole policy, so the latest event is the policy."""

    event_type: ClassVar[str] = "tickets.desk_policy_changed"

    calendar: CalendarDocument
    targets: dict[Priority, SlaTarget]
    category_targets: dict[Name, dict[Priority, SlaTarget]] = {}
    categories: list[Name] = []  # the tenant's own, beside the standard ones
    auto_close_business_days: Annotated[int, Field(ge=1, le=60)]
    reopen_window_days: Annotated[int, Field(ge=0, le=365)]
    at: datetime
