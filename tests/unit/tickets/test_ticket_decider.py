"""The ticket decider, given / when / then, without I/O: every transition and every refusal."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.contracts import tickets as ev
from events.contracts.tickets import Level, Priority, ResolutionCode, SlaClock, Visibility
from events.errors import NotFound
from events.testing import given
from tickets.domain import commands as cmd
from tickets.domain.errors import (
    InternalCommentForbidden,
    NotTheRequester,
    TicketAlreadyExists,
    TicketNotOpen,
    TransitionRefused,
)
from tickets.domain.policy import priority_of
from tickets.domain.ticket import TICKET
from tickets.domain.ticket_state import Status

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALICE = cmd.Actor("alice", is_agent=False)
BOB = cmd.Actor("bob", is_agent=False)
TECH = cmd.Actor("tina", is_agent=True)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opening(**overrides) -> cmd.OpenTicket:
    fields = dict(ticket_id=uuid4(), requester_id="alice", subject="VPN down", description="Since 9am",
                  category="network", impact=M, urgency=H, by=ALICE, at=T0)
    return cmd.OpenTicket(**{**fields, **overrides})


# The histories, as the events their commands record, each decided on the state the previous ones left.
OPENING = opening()
RESOLVING = cmd.ResolveTicket(ResolutionCode.SOLVED, "Reset the token", TECH, at(30))
OPEN = TICKET.decide_all(TICKET.initial, [OPENING])
RESOLVED = TICKET.decide_all(TICKET.initial, [OPENING, RESOLVING])
CLOSED = TICKET.decide_all(TICKET.initial, [OPENING, RESOLVING, cmd.ConfirmResolution(ALICE, at(40))])
CANCELLED = TICKET.decide_all(TICKET.initial, [OPENING, cmd.CancelTicket("Fixed itself", ALICE, at(5))])
PENDING = TICKET.decide_all(TICKET.initial, [OPENING, cmd.RequestInformation("Which office?", TECH, at(10))])


def assigned(assignee_id: str | None, group: str | None, minutes: int) -> ev.TicketAssigned:
    return ev.TicketAssigned(assignee_id=assignee_id, group=group, at=at(minutes))


@pytest.mark.parametrize(("impact", "urgency", "expected"), [
    (H, H, Priority.P1), (H, M, Priority.P2), (M, H, Priority.P2), (H, L, Priority.P3), (M, M, Priority.P3),
    (L, H, Priority.P3), (M, L, Priority.P4), (L, M, Priority.P4), (L, L, Priority.P4),
])
def test_priority_follows_the_itil_impact_urgency_matrix(impact, urgency, expected):
    assert priority_of(impact, urgency) is expected


def test_opening_a_ticket_records_it_new_with_its_priority_and_time():
    command = opening(channel=ev.Channel.PHONE)
    event = ev.TicketOpened(ticket_id=command.ticket_id, requester_id="alice", subject="VPN down",
                            description="Since 9am", category="network", impact=M, urgency=H, priority=Priority.P2,
                            channel=ev.Channel.PHONE, at=T0)
    given(TICKET).then(command, event)
    assert (event.priority, event.at, event.channel, event.opened_by) == (Priority.P2, T0, "phone", None)
    state = given(TICKET, event).state
    assert (state.status, state.requester_id) == (Status.NEW, "alice")


def test_a_technician_opening_for_a_caller_is_recorded_as_opened_on_their_behalf():
    [event] = given(TICKET).when(opening(by=TECH))
    assert (event.requester_id, event.opened_by) == ("alice", "tina")


def test_a_ticket_cannot_be_opened_twice():
    given(TICKET, *OPEN).refuses(OPENING, TicketAlreadyExists)


def test_commands_on_a_ticket_that_does_not_exist_are_not_found():
    given(TICKET).refuses(cmd.AcknowledgeTicket(TECH, T0), NotFound)
    given(TICKET).refuses(cmd.RecordSlaMarks(()), NotFound)


def test_acknowledging_is_the_first_response_and_starts_the_work():
    acknowledged = ev.TicketAcknowledged(technician_id="tina", at=at(3))
    given(TICKET, *OPEN).then(cmd.AcknowledgeTicket(TECH, at(3)), acknowledged)
    ticket = given(TICKET, *OPEN, acknowledged)
    assert (ticket.state.status, ticket.state.responded_at, ticket.state.assignee_id) == (
        Status.IN_PROGRESS, at(3), "tina")
    ticket.refuses(cmd.AcknowledgeTicket(TECH, at(4)), TransitionRefused, match="already acknowledged")


def test_assigning_a_new_ticket_makes_it_assigned_and_reassigning_counts():
    given(TICKET, *OPEN).then(cmd.AssignTicket("tina", "desk", TECH, at(1)), assigned("tina", "desk", 1))
    given(TICKET, *OPEN, assigned("tina", "desk", 1)).then(cmd.AssignTicket("tom", "desk", TECH, at(2)),
                                                           assigned("tom", "desk", 2))
    state = given(TICKET, *OPEN, assigned("tina", "desk", 1), assigned("tom", "desk", 2)).state
    assert (state.status, state.assignee_id, state.group, state.assignments) == (Status.ASSIGNED, "tom", "desk", 2)


@pytest.mark.parametrize("history", [CLOSED, CANCELLED, RESOLVED], ids=["closed", "cancelled", "resolved"])
def test_a_finished_or_resolved_ticket_cannot_be_assigned(history):
    given(TICKET, *history).refuses(cmd.AssignTicket("tina", None, TECH, at(50)), TicketNotOpen,
                                    match="cannot be assigned")


def test_an_assignment_must_name_someone_and_change_something():
    given(TICKET, *OPEN).refuses(cmd.AssignTicket(None, None, TECH, at(1)), TransitionRefused,
                                 match="names a technician")
    given(TICKET, *OPEN, assigned("tina", None, 1)).refuses(cmd.AssignTicket("tina", None, TECH, at(2)),
                                                            TransitionRefused, match="already assigned")


def test_a_public_technician_comment_is_a_response_and_an_internal_one_is_not():
    internal_id, public_id = uuid4(), uuid4()
    internal = ev.CommentAdded(comment_id=internal_id, author_id="tina", body="Check RADIUS",
                               visibility=Visibility.INTERNAL, by_agent=True, at=at(2))
    public = ev.CommentAdded(comment_id=public_id, author_id="tina", body="On it", visibility=Visibility.PUBLIC,
                             by_agent=True, at=at(2))
    given(TICKET, *OPEN).then(cmd.CommentOnTicket(internal_id, "Check RADIUS", Visibility.INTERNAL, TECH, at(2)),
                              internal)
    given(TICKET, *OPEN).then(cmd.CommentOnTicket(public_id, "On it", Visibility.PUBLIC, TECH, at(2)), public)
    assert given(TICKET, *OPEN, internal).state.responded_at is None
    assert given(TICKET, *OPEN, public).state.responded_at == at(2)


def test_only_technicians_write_internal_comments_and_only_the_requester_of_the_others():
    # A requester may never write an internal comment, whatever the ticket's state: a 403, not a 409.
    for history in (OPEN, CLOSED):
        refusal = given(TICKET, *history).refuses(
            cmd.CommentOnTicket(uuid4(), "psst", Visibility.INTERNAL, ALICE, at(60)), InternalCommentForbidden,
            match="internal")
        assert refusal.status == 403
    given(TICKET, *OPEN).refuses(cmd.CommentOnTicket(uuid4(), "me too", Visibility.PUBLIC, BOB, at(1)),
                                 NotTheRequester)


def test_a_closed_ticket_takes_no_comments():
    given(TICKET, *CLOSED).refuses(cmd.CommentOnTicket(uuid4(), "Still broken", Visibility.PUBLIC, ALICE, at(60)),
                                   TicketNotOpen, match="reopen it first")


def test_a_cancelled_ticket_takes_no_comments_and_says_it_cannot_be_reopened_which_reopen_confirms():
    given(TICKET, *CANCELLED).refuses(cmd.CommentOnTicket(uuid4(), "Back", Visibility.PUBLIC, ALICE, at(60)),
                                      TicketNotOpen, match="cannot be reopened; open a new ticket")
    given(TICKET, *CANCELLED).refuses(cmd.ReopenTicket("Back", 10, ALICE, at(60)), TransitionRefused,
                                      match="a cancelled ticket cannot be reopened; open a new ticket")


def test_asking_the_requester_pauses_and_their_answer_resumes():
    answered = ev.InformationProvided(answer="City Hall, 3rd floor", at=at(70))
    given(TICKET, *PENDING).then(cmd.ProvideInformation("City Hall, 3rd floor", ALICE, at(70)), answered)
    state = given(TICKET, *PENDING, answered).state
    assert (state.status, state.pauses, state.information_requests) == (Status.IN_PROGRESS, ((at(10), at(70)),), 1)


def test_a_pending_ticket_cannot_be_asked_again_and_an_open_one_cannot_be_answered():
    given(TICKET, *PENDING).refuses(cmd.RequestInformation("And?", TECH, at(11)), TransitionRefused,
                                    match="already waiting")
    given(TICKET, *OPEN).refuses(cmd.ProvideInformation("Here", ALICE, at(11)), TransitionRefused,
                                 match="not waiting")
    given(TICKET, *PENDING).refuses(cmd.ProvideInformation("Here", BOB, at(11)), NotTheRequester)


def test_escalating_to_another_group_clears_the_assignee_and_raises_the_level():
    history = [*OPEN, assigned("tina", "desk", 1)]
    escalated = ev.TicketEscalated(group="network-team", level=2, reason="Needs router access", at=at(5))
    given(TICKET, *history).then(cmd.EscalateTicket("network-team", 2, "Needs router access", TECH, at(5)), escalated)
    state = given(TICKET, *history, escalated).state
    assert (state.group, state.level, state.assignee_id, state.escalations) == ("network-team", 2, None, 1)


def test_an_in_progress_ticket_escalated_to_another_group_waits_assigned_in_that_groups_queue():
    acknowledged = ev.TicketAcknowledged(technician_id="tina", at=at(1))
    working = given(TICKET, *OPEN, assigned("tina", "desk", 1), acknowledged).state
    assert (working.status, working.assignee_id) == (Status.IN_PROGRESS, "tina")
    escalated = ev.TicketEscalated(group="network-team", level=2, reason="Needs router access", at=at(5))
    state = given(TICKET, *OPEN, assigned("tina", "desk", 1), acknowledged, escalated).state
    assert (state.status, state.group, state.assignee_id) == (Status.ASSIGNED, "network-team", None)
    # The same group one level up keeps its technician at work.
    higher = ev.TicketEscalated(group="desk", level=2, reason="Tier 2", at=at(5))
    kept = given(TICKET, *OPEN, assigned("tina", "desk", 1), acknowledged, higher).state
    assert (kept.status, kept.assignee_id) == (Status.IN_PROGRESS, "tina")


def test_a_new_ticket_escalated_to_a_group_is_assigned_to_it_and_one_unassigned_mid_work_is_too():
    escalated = ev.TicketEscalated(group="network-team", level=2, reason="Router", at=at(5))
    assert given(TICKET, *OPEN, escalated).state.status is Status.ASSIGNED
    acknowledged = ev.TicketAcknowledged(technician_id="tina", at=at(1))
    released = given(TICKET, *OPEN, acknowledged, assigned(None, "desk", 2)).state
    assert (released.status, released.assignee_id, released.group) == (Status.ASSIGNED, None, "desk")


def test_an_escalation_must_go_up_or_elsewhere():
    given(TICKET, *OPEN).refuses(cmd.EscalateTicket(None, 1, "again", TECH, at(5)), TransitionRefused,
                                 match="goes up")
    given(TICKET, *OPEN).refuses(cmd.EscalateTicket(None, None, "why", TECH, at(5)), TransitionRefused,
                                 match="names a group")


def test_changing_priority_records_the_previous_one_and_the_reason():
    [event] = given(TICKET, *OPEN).when(cmd.ChangePriority(Priority.P1, "Mayor's office", TECH, at(5)))
    assert (event.previous, event.priority, event.reason) == (Priority.P2, Priority.P1, "Mayor's office")
    assert event == ev.PriorityChanged(previous=Priority.P2, priority=Priority.P1, reason="Mayor's office", at=at(5))
    given(TICKET, *OPEN).refuses(cmd.ChangePriority(Priority.P2, "same", TECH, at(5)), TransitionRefused,
                                 match="already P2")


def test_resolving_records_the_code_and_closes_an_open_pause():
    resolved = ev.TicketResolved(resolution_code=ResolutionCode.WORKAROUND, note="Use the web VPN",
                                 technician_id="tina", at=at(20))
    given(TICKET, *PENDING).then(cmd.ResolveTicket(ResolutionCode.WORKAROUND, "Use the web VPN", TECH, at(20)),
                                 resolved)
    state = given(TICKET, *PENDING, resolved).state
    assert (state.status, state.resolution_code, state.pauses) == (Status.RESOLVED, "workaround", ((at(10), at(20)),))


def test_only_the_requester_or_a_technician_confirms_a_resolution():
    given(TICKET, *RESOLVED).refuses(cmd.ConfirmResolution(BOB, at(40)), NotTheRequester, match="confirm")
    confirmed = ev.TicketClosed(closure=ev.Closure.CONFIRMED, at=at(40))
    given(TICKET, *RESOLVED).then(cmd.ConfirmResolution(TECH, at(40)), confirmed)
    assert given(TICKET, *RESOLVED, confirmed).state.status is Status.CLOSED


def test_an_open_ticket_cannot_be_confirmed_or_closed_by_itself():
    given(TICKET, *OPEN).refuses(cmd.ConfirmResolution(ALICE, at(1)), TransitionRefused,
                                 match="only a resolved ticket can be confirmed")
    given(TICKET, *OPEN).refuses(cmd.CloseResolvedTicket(at(1)), TransitionRefused, match="closes by itself")


def test_a_resolved_ticket_closes_by_itself_when_asked():
    [event] = given(TICKET, *RESOLVED).when(cmd.CloseResolvedTicket(at(4000)))
    assert event.closure is ev.Closure.AUTOMATIC
    assert event == ev.TicketClosed(closure=ev.Closure.AUTOMATIC, at=at(4000))


def test_reopening_within_the_window_counts_as_reopened_and_keeps_the_resolved_span_off_the_clock():
    reopened = ev.TicketReopened(reason="It broke again", at=at(90))
    given(TICKET, *CLOSED).then(cmd.ReopenTicket("It broke again", 10, ALICE, at(90)), reopened)
    state = given(TICKET, *CLOSED, reopened).state
    assert (state.status, state.reopens, state.unresolved_spans, state.resolved_at) == (
        Status.IN_PROGRESS, 1, ((at(30), at(90)),), None)


def test_reopening_after_the_window_is_refused():
    given(TICKET, *CLOSED).refuses(cmd.ReopenTicket("Late", 10, ALICE, at(30) + timedelta(days=10, minutes=1)),
                                   TransitionRefused, match="10-day window")


def test_an_open_ticket_cannot_be_reopened_and_a_colleague_cannot_reopen():
    given(TICKET, *OPEN).refuses(cmd.ReopenTicket("?", 10, ALICE, at(5)), TransitionRefused,
                                 match="only a resolved or closed")
    given(TICKET, *RESOLVED).refuses(cmd.ReopenTicket("?", 10, BOB, at(50)), NotTheRequester)


def test_cancelling_ends_the_ticket_and_a_cancelled_ticket_cannot_be_cancelled_again():
    given(TICKET, *OPEN).then(cmd.CancelTicket("Fixed itself", ALICE, at(5)),
                              ev.TicketCancelled(reason="Fixed itself", at=at(5)))
    assert given(TICKET, *CANCELLED).state.status is Status.CANCELLED
    given(TICKET, *CANCELLED).refuses(cmd.CancelTicket("again", ALICE, at(6)), TicketNotOpen)


def test_satisfaction_is_recorded_once_by_the_requester_after_resolution():
    rated = ev.SatisfactionRecorded(score=5, comment="Quick!", at=at(35))
    given(TICKET, *RESOLVED).then(cmd.RecordSatisfaction(5, "Quick!", ALICE, at(35)), rated)
    assert given(TICKET, *RESOLVED, rated).state.satisfaction == 5
    given(TICKET, *RESOLVED, rated).refuses(cmd.RecordSatisfaction(4, "", ALICE, at(36)), TransitionRefused,
                                            match="already recorded")
    given(TICKET, *RESOLVED).refuses(cmd.RecordSatisfaction(1, "", TECH, at(35)), NotTheRequester)
    given(TICKET, *OPEN).refuses(cmd.RecordSatisfaction(5, "", ALICE, at(1)), TransitionRefused,
                                 match="after the ticket is resolved")


def test_first_contact_resolution_is_derived_and_lost_by_reassignment_escalation_or_reopening():
    first = given(TICKET, *OPEN, assigned("tina", None, 1), *RESOLVED[1:]).state
    assert first.first_contact_resolution
    two_assignments = [assigned("tina", None, 1), assigned("tom", None, 2)]
    reassigned = given(TICKET, *OPEN, *two_assignments, *RESOLVED[1:]).state
    assert not reassigned.first_contact_resolution
    reopened = given(TICKET, *CLOSED, ev.TicketReopened(reason="again", at=at(90)),
                     ev.TicketResolved(resolution_code=ResolutionCode.SOLVED, note="now", technician_id="tina",
                                       at=at(95))).state
    assert not reopened.first_contact_resolution


RESPONSE_WARNING = ev.SlaWarningReached(clock=SlaClock.RESPONSE, target_seconds=3600, at=at(45))
RESPONSE_BREACH = ev.SlaBreached(clock=SlaClock.RESPONSE, target_seconds=3600, at=at(60))
RESOLUTION_WARNING = ev.SlaWarningReached(clock=SlaClock.RESOLUTION, target_seconds=8 * 3600, at=at(360))


def test_sla_marks_the_scheduler_found_are_recorded_as_they_are_and_remembered():
    given(TICKET, *OPEN).then(cmd.RecordSlaMarks((RESPONSE_WARNING, RESPONSE_BREACH)),
                              RESPONSE_WARNING, RESPONSE_BREACH)
    state = given(TICKET, *OPEN, RESPONSE_WARNING, RESPONSE_BREACH).state
    assert state.sla_marks == {(SlaClock.RESPONSE, "warning"), (SlaClock.RESPONSE, "breach")}
    assert state.status is Status.NEW


def test_a_mark_of_another_clock_or_kind_is_not_one_already_recorded():
    given(TICKET, *OPEN, RESPONSE_WARNING).then(cmd.RecordSlaMarks((RESPONSE_BREACH, RESOLUTION_WARNING)),
                                                RESPONSE_BREACH, RESOLUTION_WARNING)


@pytest.mark.parametrize("marks", [(RESPONSE_WARNING,), (RESPONSE_BREACH, RESPONSE_WARNING)],
                         ids=["alone", "among-new-ones"])
def test_a_mark_already_recorded_is_refused(marks):
    later = RESPONSE_WARNING.model_copy(update={"at": at(46)})
    given(TICKET, *OPEN, RESPONSE_WARNING).refuses(cmd.RecordSlaMarks(marks), TransitionRefused,
                                                   match="the response warning was already recorded")
    given(TICKET, *OPEN, RESPONSE_WARNING).refuses(cmd.RecordSlaMarks((later,)), TransitionRefused,
                                                   match="already recorded")


def test_the_same_mark_twice_in_one_batch_is_refused():
    twice = (RESPONSE_WARNING, RESPONSE_WARNING.model_copy(update={"at": at(46)}))
    given(TICKET, *OPEN).refuses(cmd.RecordSlaMarks(twice), TransitionRefused,
                                 match="the response warning was already recorded")


@pytest.mark.parametrize("history", [CLOSED, CANCELLED], ids=["closed", "cancelled"])
def test_a_closed_or_cancelled_ticket_records_no_sla_marks(history):
    given(TICKET, *history).refuses(cmd.RecordSlaMarks((RESPONSE_BREACH,)), TicketNotOpen,
                                    match="clocks have stopped")
