"""Events the tickets service publishes on `tickets.events`."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from events.base import Event


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class TicketOpened(Event):
    event_type: ClassVar[str] = "tickets.ticket_opened"

    ticket_id: UUID
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level
    priority: Priority
