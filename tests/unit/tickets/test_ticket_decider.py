"""The ticket decider, given / when / then, without I/O."""

from uuid import uuid4

import pytest

from events.contracts.tickets import Level, Priority, TicketOpened
from tickets.domain import NO_TICKET, OpenTicket, Status, TicketAlreadyExists, decide, fold, priority_of

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW


def open_command(**overrides) -> OpenTicket:
    fields = dict(ticket_id=uuid4(), requester_id="alice", subject="VPN down", description="Since 9am",
                  category="network", impact=M, urgency=H)
    return OpenTicket(**{**fields, **overrides})


@pytest.mark.parametrize(("impact", "urgency", "expected"), [
    (H, H, Priority.P1), (H, M, Priority.P2), (M, H, Priority.P2), (H, L, Priority.P3), (M, M, Priority.P3),
    (L, H, Priority.P3), (M, L, Priority.P4), (L, M, Priority.P4), (L, L, Priority.P4),
])
def test_priority_follows_the_itil_impact_urgency_matrix(impact, urgency, expected):
    assert priority_of(impact, urgency) is expected


def test_opening_a_ticket_records_it_with_its_priority():
    command = open_command()
    [event] = decide(NO_TICKET, command)
    assert isinstance(event, TicketOpened)
    assert (event.ticket_id, event.requester_id, event.priority) == (command.ticket_id, "alice", Priority.P2)


def test_an_opened_ticket_is_open_for_its_requester():
    command = open_command()
    ticket = fold(decide(NO_TICKET, command))
    assert (ticket.status, ticket.ticket_id, ticket.requester_id, ticket.subject) == (
        Status.OPEN, command.ticket_id, "alice", "VPN down")


def test_a_ticket_cannot_be_opened_twice():
    command = open_command()
    ticket = fold(decide(NO_TICKET, command))
    with pytest.raises(TicketAlreadyExists, match=str(command.ticket_id)):
        decide(ticket, command)
