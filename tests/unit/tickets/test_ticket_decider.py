"""The ticket decider, given / when / then, without I/O: every transition and every refusal."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.contracts import tickets as ev
from events.contracts.tickets import Level, Priority, ResolutionCode, Visibility
from tickets.domain import commands as cmd
from tickets.domain.errors import NotFound
from tickets.domain.ticket import (
    NO_TICKET,
    NotTheRequester,
    Status,
    TicketAlreadyExists,
    TicketNotOpen,
    TransitionRefused,
    decide,
    fold,
    priority_of,
)

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALICE = cmd.Actor("alice", is_agent=False)
BOB = cmd.Actor("bob", is_agent=False)
TECH = cmd.Actor("tina", is_agent=True)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(**overrides) -> cmd.OpenTicket:
    fields = dict(ticket_id=uuid4(), requester_id="alice", subject="VPN down", description="Since 9am",
                  category="network", impact=M, urgency=H, by=ALICE, at=T0)
    return cmd.OpenTicket(**{**fields, **overrides})


def given(*commands):
    """The ticket after the commands, each decided against the state the previous ones left."""
    state, events = NO_TICKET, []
    for command in commands:
        new = decide(state, command)
        events += new
        state = fold(new, state)
    return state, events


def when(commands, command):
    state, _ = given(*commands)
    return decide(state, command)


OPEN = [opened()]
RESOLVED = [*OPEN, cmd.ResolveTicket(ResolutionCode.SOLVED, "Reset the token", TECH, at(30))]
CLOSED = [*RESOLVED, cmd.ConfirmResolution(ALICE, at(40))]
CANCELLED = [*OPEN, cmd.CancelTicket("Fixed itself", ALICE, at(5))]
PENDING = [*OPEN, cmd.RequestInformation("Which office?", TECH, at(10))]


@pytest.mark.parametrize(("impact", "urgency", "expected"), [
    (H, H, Priority.P1), (H, M, Priority.P2), (M, H, Priority.P2), (H, L, Priority.P3), (M, M, Priority.P3),
    (L, H, Priority.P3), (M, L, Priority.P4), (L, M, Priority.P4), (L, L, Priority.P4),
])
def test_priority_follows_the_itil_impact_urgency_matrix(impact, urgency, expected):
    assert priority_of(impact, urgency) is expected


def test_opening_a_ticket_records_it_new_with_its_priority_and_time():
    state, [event] = given(opened(channel=ev.Channel.PHONE))
    assert isinstance(event, ev.TicketOpened)
    assert (event.priority, event.opened_at, event.channel, event.opened_by) == (Priority.P2, T0, "phone", None)
    assert (state.status, state.requester_id) == (Status.NEW, "alice")


def test_a_technician_opening_for_a_caller_is_recorded_as_opened_on_their_behalf():
    [event] = decide(NO_TICKET, opened(by=TECH))
    assert (event.requester_id, event.opened_by) == ("alice", "tina")


def test_a_ticket_cannot_be_opened_twice():
    command = opened()
    with pytest.raises(TicketAlreadyExists):
        when([command], command)


def test_commands_on_a_ticket_that_does_not_exist_are_not_found():
    with pytest.raises(NotFound):
        decide(NO_TICKET, cmd.AcknowledgeTicket(TECH, T0))


def test_acknowledging_is_the_first_response_and_starts_the_work():
    state, _ = given(*OPEN, cmd.AcknowledgeTicket(TECH, at(3)))
    assert (state.status, state.responded_at, state.assignee_id) == (Status.IN_PROGRESS, at(3), "tina")
    with pytest.raises(TransitionRefused, match="already acknowledged"):
        decide(state, cmd.AcknowledgeTicket(TECH, at(4)))


def test_assigning_a_new_ticket_makes_it_assigned_and_reassigning_counts():
    state, _ = given(*OPEN, cmd.AssignTicket("tina", "desk", TECH, at(1)), cmd.AssignTicket("tom", "desk", TECH, at(2)))
    assert (state.status, state.assignee_id, state.group, state.assignments) == (Status.ASSIGNED, "tom", "desk", 2)


@pytest.mark.parametrize("history", [CLOSED, CANCELLED, RESOLVED], ids=["closed", "cancelled", "resolved"])
def test_a_finished_or_resolved_ticket_cannot_be_assigned(history):
    with pytest.raises(TicketNotOpen, match="cannot be assigned"):
        when(history, cmd.AssignTicket("tina", None, TECH, at(50)))


def test_an_assignment_must_name_someone_and_change_something():
    with pytest.raises(TransitionRefused, match="names a technician"):
        when(OPEN, cmd.AssignTicket(None, None, TECH, at(1)))
    with pytest.raises(TransitionRefused, match="already assigned"):
        when([*OPEN, cmd.AssignTicket("tina", None, TECH, at(1))], cmd.AssignTicket("tina", None, TECH, at(2)))


def test_a_public_technician_comment_is_a_response_and_an_internal_one_is_not():
    internal, _ = given(*OPEN, cmd.CommentOnTicket(uuid4(), "Check RADIUS", Visibility.INTERNAL, TECH, at(2)))
    assert internal.responded_at is None
    public, _ = given(*OPEN, cmd.CommentOnTicket(uuid4(), "On it", Visibility.PUBLIC, TECH, at(2)))
    assert public.responded_at == at(2)


def test_only_technicians_write_internal_comments_and_only_the_requester_of_the_others():
    with pytest.raises(TransitionRefused, match="internal"):
        when(OPEN, cmd.CommentOnTicket(uuid4(), "psst", Visibility.INTERNAL, ALICE, at(1)))
    with pytest.raises(NotTheRequester):
        when(OPEN, cmd.CommentOnTicket(uuid4(), "me too", Visibility.PUBLIC, BOB, at(1)))


def test_a_closed_ticket_takes_no_comments():
    with pytest.raises(TicketNotOpen, match="reopen it first"):
        when(CLOSED, cmd.CommentOnTicket(uuid4(), "Still broken", Visibility.PUBLIC, ALICE, at(60)))


def test_asking_the_requester_pauses_and_their_answer_resumes():
    state, _ = given(*PENDING, cmd.ProvideInformation("City Hall, 3rd floor", ALICE, at(70)))
    assert (state.status, state.pauses, state.information_requests) == (Status.IN_PROGRESS, ((at(10), at(70)),), 1)


def test_a_pending_ticket_cannot_be_asked_again_and_an_open_one_cannot_be_answered():
    with pytest.raises(TransitionRefused, match="already waiting"):
        when(PENDING, cmd.RequestInformation("And?", TECH, at(11)))
    with pytest.raises(TransitionRefused, match="not waiting"):
        when(OPEN, cmd.ProvideInformation("Here", ALICE, at(11)))
    with pytest.raises(NotTheRequester):
        when(PENDING, cmd.ProvideInformation("Here", BOB, at(11)))


def test_escalating_to_another_group_clears_the_assignee_and_raises_the_level():
    history = [*OPEN, cmd.AssignTicket("tina", "desk", TECH, at(1))]
    state, _ = given(*history, cmd.EscalateTicket("network-team", 2, "Needs router access", TECH, at(5)))
    assert (state.group, state.level, state.assignee_id, state.escalations) == ("network-team", 2, None, 1)


def test_an_escalation_must_go_up_or_elsewhere():
    with pytest.raises(TransitionRefused, match="goes up"):
        when(OPEN, cmd.EscalateTicket(None, 1, "again", TECH, at(5)))
    with pytest.raises(TransitionRefused, match="names a group"):
        when(OPEN, cmd.EscalateTicket(None, None, "why", TECH, at(5)))


def test_changing_priority_records_the_previous_one_and_the_reason():
    [event] = when(OPEN, cmd.ChangePriority(Priority.P1, "Mayor's office", TECH, at(5)))
    assert (event.previous, event.priority, event.reason) == (Priority.P2, Priority.P1, "Mayor's office")
    with pytest.raises(TransitionRefused, match="already P2"):
        when(OPEN, cmd.ChangePriority(Priority.P2, "same", TECH, at(5)))


def test_resolving_records_the_code_and_closes_an_open_pause():
    state, _ = given(*PENDING, cmd.ResolveTicket(ResolutionCode.WORKAROUND, "Use the web VPN", TECH, at(20)))
    assert (state.status, state.resolution_code, state.pauses) == (Status.RESOLVED, "workaround", ((at(10), at(20)),))


def test_only_the_requester_or_a_technician_confirms_a_resolution():
    with pytest.raises(NotTheRequester, match="confirm"):
        when(RESOLVED, cmd.ConfirmResolution(BOB, at(40)))
    state, _ = given(*RESOLVED, cmd.ConfirmResolution(TECH, at(40)))
    assert state.status is Status.CLOSED


def test_an_open_ticket_cannot_be_confirmed_or_closed_by_itself():
    with pytest.raises(TransitionRefused, match="only a resolved ticket can be confirmed"):
        when(OPEN, cmd.ConfirmResolution(ALICE, at(1)))
    with pytest.raises(TransitionRefused, match="closes by itself"):
        when(OPEN, cmd.CloseResolvedTicket(at(1)))


def test_a_resolved_ticket_closes_by_itself_when_asked():
    [event] = when(RESOLVED, cmd.CloseResolvedTicket(at(4000)))
    assert event.closure is ev.Closure.AUTOMATIC


def test_reopening_within_the_window_counts_as_reopened_and_keeps_the_resolved_span_off_the_clock():
    state, _ = given(*CLOSED, cmd.ReopenTicket("It broke again", 10, ALICE, at(90)))
    assert (state.status, state.reopens, state.unresolved_spans, state.resolved_at) == (
        Status.IN_PROGRESS, 1, ((at(30), at(90)),), None)


def test_reopening_after_the_window_is_refused():
    with pytest.raises(TransitionRefused, match="10-day window"):
        when(CLOSED, cmd.ReopenTicket("Late", 10, ALICE, at(30) + timedelta(days=10, minutes=1)))


def test_an_open_ticket_cannot_be_reopened_and_a_colleague_cannot_reopen():
    with pytest.raises(TransitionRefused, match="only a resolved or closed"):
        when(OPEN, cmd.ReopenTicket("?", 10, ALICE, at(5)))
    with pytest.raises(NotTheRequester):
        when(RESOLVED, cmd.ReopenTicket("?", 10, BOB, at(50)))


def test_cancelling_ends_the_ticket_and_a_cancelled_ticket_cannot_be_cancelled_again():
    state, _ = given(*CANCELLED)
    assert state.status is Status.CANCELLED
    with pytest.raises(TicketNotOpen):
        decide(state, cmd.CancelTicket("again", ALICE, at(6)))


def test_satisfaction_is_recorded_once_by_the_requester_after_resolution():
    state, _ = given(*RESOLVED, cmd.RecordSatisfaction(5, "Quick!", ALICE, at(35)))
    assert state.satisfaction == 5
    with pytest.raises(TransitionRefused, match="already recorded"):
        decide(state, cmd.RecordSatisfaction(4, "", ALICE, at(36)))
    with pytest.raises(NotTheRequester):
        when(RESOLVED, cmd.RecordSatisfaction(1, "", TECH, at(35)))
    with pytest.raises(TransitionRefused, match="after the ticket is resolved"):
        when(OPEN, cmd.RecordSatisfaction(5, "", ALICE, at(1)))


def test_first_contact_resolution_is_derived_and_lost_by_reassignment_escalation_or_reopening():
    first, _ = given(*OPEN, cmd.AssignTicket("tina", None, TECH, at(1)), *RESOLVED[1:])
    assert first.first_contact_resolution
    two_assignments = [cmd.AssignTicket("tina", None, TECH, at(1)), cmd.AssignTicket("tom", None, TECH, at(2))]
    reassigned, _ = given(*OPEN, *two_assignments, *RESOLVED[1:])
    assert not reassigned.first_contact_resolution
    reopened, _ = given(*CLOSED, cmd.ReopenTicket("again", 10, ALICE, at(90)),
                        cmd.ResolveTicket(ResolutionCode.SOLVED, "now", TECH, at(95)))
    assert not reopened.first_contact_resolution
