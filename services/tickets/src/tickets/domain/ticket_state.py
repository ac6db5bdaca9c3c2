"""A ticket's state as its events tell it: status, people, SLA timeline and the counts the KPIs need."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from events.contracts import tickets as ev
from events.contracts.tickets import Level, Priority
from events.errors import NotFound


class Status(StrEnum):
    NONE = "none"
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"  # waiting on the requester; SLA clocks pause
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING})
FINISHED = frozenset({Status.CLOSED, Status.CANCELLED})


@dataclass(frozen=True)
class Ticket:
    status: Status = Status.NONE
    ticket_id: UUID | None = None
    requester_id: str = ""
    subject: str = ""
    description: str = ""
    category: str = ""
    impact: Level = Level.LOW
    urgency: Level = Level.LOW
    priority: Priority = Priority.P4
    channel: ev.Channel = ev.Channel.WEB
    device_id: UUID | None = None
    linked_ticket_ids: tuple[UUID, ...] = ()
    opened_at: datetime | None = None
    assignee_id: str | None = None
    group: str | None = None
    level: int = 1
    responded_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()  # pending spans; resolution clock excludes them
    resolved_at: datetime | None = None
    resolution_code: ev.ResolutionCode | None = None
    unresolved_spans: tuple[tuple[datetime, datetime], ...] = ()  # resolved-then-reopened: not counted
    closed_at: datetime | None = None
    assignments: int = 0
    escalations: int = 0
    information_requests: int = 0
    reopens: int = 0
    satisfaction: int | None = None
    sla_marks: frozenset[tuple[ev.SlaClock, str]] = field(default_factory=frozenset)  # (clock, "warning"|"breach")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def first_contact_resolution(self) -> bool:
        """Resolved by whoever took it first: no reassignment, escalation, question, or reopening."""
        return (self.resolved_at is not None and self.assignments <= 1 and self.escalations == 0
                and self.information_requests == 0 and self.reopens == 0)


NO_TICKET = Ticket()


@dataclass(frozen=True)
class Viewer:
    """Who reaches a ticket: the desk (technicians, managers, auditors) every ticket, staff only their own."""

    user_id: str
    desk: bool

    def must_see(self, t: Ticket) -> None:
        if not self.desk and t.requester_id != self.user_id:
            raise NotFound("no such ticket")  # another's ticket does not exist for staff
