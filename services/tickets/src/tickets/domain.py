"""The ticket decider: commands, state, and the pure functions decide(state, command) and evolve(state, event)."""

from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from events.base import Event
from events.contracts.tickets import Level, Priority, TicketOpened


class TicketsError(Exception):
    """A command the rules refuse; the sentence says which rule."""


class TicketAlreadyExists(TicketsError):
    pass


class Status(StrEnum):
    NONE = "none"
    OPEN = "open"


# ITIL priority from impact and urgency, four levels.
PRIORITY_MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}


def priority_of(impact: Level, urgency: Level) -> Priority:
    return PRIORITY_MATRIX[(impact, urgency)]


@dataclass(frozen=True)
class OpenTicket:
    ticket_id: UUID
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level


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


NO_TICKET = Ticket()

Command = OpenTicket


def decide(state: Ticket, command: Command) -> list[Event]:
    match command:
        case OpenTicket():
            return _open(state, command)
    raise TypeError(f"unknown command {command!r}")


def _open(state: Ticket, command: OpenTicket) -> list[Event]:
    if state.status is not Status.NONE:
        raise TicketAlreadyExists(f"ticket {command.ticket_id} already exists")
    return [
        TicketOpened(
            ticket_id=command.ticket_id,
            requester_id=command.requester_id,
            subject=command.subject,
            description=command.description,
            category=command.category,
            impact=command.impact,
            urgency=command.urgency,
            priority=priority_of(command.impact, command.urgency),
        )
    ]


def evolve(state: Ticket, event: Event) -> Ticket:
    match event:
        case TicketOpened():
            fields = event.model_dump(exclude={"ticket_id"})
            return replace(state, status=Status.OPEN, ticket_id=event.ticket_id, **fields)
    return state


def fold(events: list[Event], state: Ticket = NO_TICKET) -> Ticket:
    for event in events:
        state = evolve(state, event)
    return state
