"""The ticket decider: what each command decides on a ticket's state, and how each event changes that state."""

from dataclasses import replace
from datetime import datetime, timedelta

from events.base import Event
from events.contracts import tickets as ev
from events.decider import Decider
from events.errors import NotFound
from tickets.domain import commands as cmd
from tickets.domain.errors import (
    InternalCommentForbidden,
    NotTheRequester,
    TicketAlreadyExists,
    TicketNotOpen,
    TransitionRefused,
)
from tickets.domain.policy import priority_of
from tickets.domain.ticket_state import FINISHED, NO_TICKET, Status, Ticket


def _must_exist(state: Ticket, command: cmd.Command) -> None:
    if state.status is Status.NONE:
        raise NotFound("no such ticket")


def _open(state: Ticket, c: cmd.OpenTicket) -> list[Event]:
    if state.status is not Status.NONE:
        raise TicketAlreadyExists(f"ticket {c.ticket_id} already exists")
    return [ev.TicketOpened(
        ticket_id=c.ticket_id, requester_id=c.requester_id, subject=c.subject, description=c.description,
        category=c.category, impact=c.impact, urgency=c.urgency, priority=priority_of(c.impact, c.urgency),
        channel=c.channel, device_id=c.device_id, linked_ticket_ids=list(c.linked_ticket_ids),
        opened_by=c.by.id if c.by.id != c.requester_id else None, at=c.at,
    )]


def _must_be_open(state: Ticket, action: str) -> None:
    if not state.is_open:
        raise TicketNotOpen(f"a {state.status} ticket cannot be {action}")


def _must_be_requester_or_agent(state: Ticket, by: cmd.Actor, action: str) -> None:
    if not by.is_agent and by.id != state.requester_id:
        raise NotTheRequester(f"only the requester, or a technician on their behalf, may {action}")


def _acknowledge(state: Ticket, c: cmd.AcknowledgeTicket) -> list[Event]:
    _must_be_open(state, "acknowledged")
    if state.responded_at is not None:
        raise TransitionRefused("the ticket was already acknowledged")
    return [ev.TicketAcknowledged(technician_id=c.by.id, at=c.at)]


def _assign(state: Ticket, c: cmd.AssignTicket) -> list[Event]:
    _must_be_open(state, "assigned")
    if c.assignee_id is None and c.group is None:
        raise TransitionRefused("an assignment names a technician, a group, or both")
    if (c.assignee_id, c.group) == (state.assignee_id, state.group):
        raise TransitionRefused("the ticket is already assigned that way")
    return [ev.TicketAssigned(assignee_id=c.assignee_id, group=c.group, at=c.at)]


def _comment(state: Ticket, c: cmd.CommentOnTicket) -> list[Event]:
    if c.visibility is ev.Visibility.INTERNAL and not c.by.is_agent:
        raise InternalCommentForbidden("only technicians and managers write internal comments")
    if state.status is Status.CANCELLED:
        raise TicketNotOpen("a cancelled ticket takes no comments and cannot be reopened; open a new ticket")
    if state.status is Status.CLOSED:
        raise TicketNotOpen("a closed ticket takes no comments; reopen it first (within the reopen window after"
                            " its resolution) or open a new ticket")
    _must_be_requester_or_agent(state, c.by, "comment")
    return [ev.CommentAdded(comment_id=c.comment_id, author_id=c.by.id, body=c.body, visibility=c.visibility,
                            by_agent=c.by.is_agent, at=c.at)]


def _request_information(state: Ticket, c: cmd.RequestInformation) -> list[Event]:
    _must_be_open(state, "put on hold")
    if state.status is Status.PENDING:
        raise TransitionRefused("the ticket is already waiting on the requester")
    return [ev.InformationRequested(question=c.question, at=c.at)]


def _provide_information(state: Ticket, c: cmd.ProvideInformation) -> list[Event]:
    if state.status is not Status.PENDING:
        raise TransitionRefused("the ticket is not waiting on the requester")
    _must_be_requester_or_agent(state, c.by, "answer")
    return [ev.InformationProvided(answer=c.answer, at=c.at)]


def _escalate(state: Ticket, c: cmd.EscalateTicket) -> list[Event]:
    _must_be_open(state, "escalated")
    if c.group is None and c.level is None:
        raise TransitionRefused("an escalation names a group, a level, or both")
    level = c.level if c.level is not None else state.level
    if level < state.level or (level == state.level and c.group in (None, state.group)):
        raise TransitionRefused(f"an escalation goes up from level {state.level} or to another group")
    return [ev.TicketEscalated(group=c.group or state.group, level=level, reason=c.reason, at=c.at)]


def _change_priority(state: Ticket, c: cmd.ChangePriority) -> list[Event]:
    _must_be_open(state, "reprioritised")
    if c.priority is state.priority:
        raise TransitionRefused(f"the ticket is already {c.priority}")
    return [ev.PriorityChanged(previous=state.priority, priority=c.priority, reason=c.reason, at=c.at)]


def _resolve(state: Ticket, c: cmd.ResolveTicket) -> list[Event]:
    _must_be_open(state, "resolved")
    return [ev.TicketResolved(resolution_code=c.resolution_code, note=c.note, technician_id=c.by.id, at=c.at,
                              article_id=c.article_id)]


def _confirm(state: Ticket, c: cmd.ConfirmResolution) -> list[Event]:
    if state.status is not Status.RESOLVED:
        raise TransitionRefused(f"only a resolved ticket can be confirmed; this one is {state.status}")
    _must_be_requester_or_agent(state, c.by, "confirm the resolution")
    return [ev.TicketClosed(closure=ev.Closure.CONFIRMED, at=c.at)]


def _auto_close(state: Ticket, c: cmd.CloseResolvedTicket) -> list[Event]:
    if state.status is not Status.RESOLVED:
        raise TransitionRefused(f"only a resolved ticket closes by itself; this one is {state.status}")
    return [ev.TicketClosed(closure=ev.Closure.AUTOMATIC, at=c.at)]


def _record_marks(state: Ticket, c: cmd.RecordSlaMarks) -> list[Event]:
    if state.status in FINISHED:
        raise TicketNotOpen(f"a {state.status} ticket's clocks have stopped")
    seen = set(state.sla_marks)
    for clock, kind in ((m.clock, _MARK_KINDS[type(m)]) for m in c.marks):
        if (clock, kind) in seen:
            raise TransitionRefused(f"the {clock} {kind} was already recorded: each mark is recorded once")
        seen.add((clock, kind))
    return list(c.marks)


def _reopen(state: Ticket, c: cmd.ReopenTicket) -> list[Event]:
    if state.status is Status.CANCELLED:
        raise TransitionRefused("a cancelled ticket cannot be reopened; open a new ticket")
    if state.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionRefused(f"only a resolved or closed ticket can be reopened; this one is {state.status}")
    _must_be_requester_or_agent(state, c.by, "reopen")
    if c.at - state.resolved_at > timedelta(days=c.window_days):
        raise TransitionRefused(f"the {c.window_days}-day window to reopen after resolution has passed")
    return [ev.TicketReopened(reason=c.reason, at=c.at)]


def _cancel(state: Ticket, c: cmd.CancelTicket) -> list[Event]:
    _must_be_open(state, "cancelled")
    _must_be_requester_or_agent(state, c.by, "cancel")
    return [ev.TicketCancelled(reason=c.reason, at=c.at)]


def _rate(state: Ticket, c: cmd.RecordSatisfaction) -> list[Event]:
    if state.resolved_at is None or state.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionRefused("satisfaction is recorded after the ticket is resolved")
    if c.by.id != state.requester_id:
        raise NotTheRequester("only the requester rates their satisfaction")
    if state.satisfaction is not None:
        raise TransitionRefused("satisfaction was already recorded for this ticket")
    return [ev.SatisfactionRecorded(score=c.score, comment=c.comment, at=c.at)]


_DECIDERS = {
    cmd.OpenTicket: _open,
    cmd.AcknowledgeTicket: _acknowledge,
    cmd.AssignTicket: _assign,
    cmd.CommentOnTicket: _comment,
    cmd.RequestInformation: _request_information,
    cmd.ProvideInformation: _provide_information,
    cmd.EscalateTicket: _escalate,
    cmd.ChangePriority: _change_priority,
    cmd.ResolveTicket: _resolve,
    cmd.ConfirmResolution: _confirm,
    cmd.CloseResolvedTicket: _auto_close,
    cmd.RecordSlaMarks: _record_marks,
    cmd.ReopenTicket: _reopen,
    cmd.CancelTicket: _cancel,
    cmd.RecordSatisfaction: _rate,
}


def _opened(s: Ticket, e: ev.TicketOpened) -> Ticket:
    return replace(
        s, status=Status.NEW, ticket_id=e.ticket_id, requester_id=e.requester_id, subject=e.subject,
        description=e.description, category=e.category, impact=e.impact, urgency=e.urgency, priority=e.priority,
        channel=e.channel, device_id=e.device_id, linked_ticket_ids=tuple(e.linked_ticket_ids), opened_at=e.at,
    )


def _responded(s: Ticket, at: datetime) -> datetime | None:
    return s.responded_at or at


def _held(s: Ticket) -> Ticket:
    """The status agrees with who holds the ticket: work in progress has a technician; one in a group's queue
    (or a technician's) that nobody works yet is assigned."""
    if s.status is Status.IN_PROGRESS and s.assignee_id is None:
        return replace(s, status=Status.ASSIGNED)
    if s.status is Status.NEW and (s.assignee_id or s.group):
        return replace(s, status=Status.ASSIGNED)
    return s


def _assigned(s: Ticket, e: ev.TicketAssigned) -> Ticket:
    return _held(replace(s, assignee_id=e.assignee_id, group=e.group, assignments=s.assignments + 1))


def _commented(s: Ticket, e: ev.CommentAdded) -> Ticket:
    if e.by_agent and e.visibility is ev.Visibility.PUBLIC:
        return replace(s, responded_at=_responded(s, e.at))
    return s


def _paused(s: Ticket, e: ev.InformationRequested) -> Ticket:
    return replace(s, status=Status.PENDING, pauses=(*s.pauses, (e.at, None)),
                   information_requests=s.information_requests + 1, responded_at=_responded(s, e.at))


def _resumed(s: Ticket, e: ev.InformationProvided) -> Ticket:
    start, _ = s.pauses[-1]
    return replace(s, status=Status.IN_PROGRESS, pauses=(*s.pauses[:-1], (start, e.at)))


def _escalated(s: Ticket, e: ev.TicketEscalated) -> Ticket:
    assignee = s.assignee_id if e.group == s.group else None  # a new group picks its own technician
    return _held(replace(s, group=e.group, level=e.level, assignee_id=assignee, escalations=s.escalations + 1))


def _resolved(s: Ticket, e: ev.TicketResolved) -> Ticket:
    pauses = s.pauses if not s.pauses or s.pauses[-1][1] else (*s.pauses[:-1], (s.pauses[-1][0], e.at))
    return replace(s, status=Status.RESOLVED, resolved_at=e.at, resolution_code=e.resolution_code, pauses=pauses,
                   responded_at=_responded(s, e.at))


def _reopened(s: Ticket, e: ev.TicketReopened) -> Ticket:
    return replace(s, status=Status.IN_PROGRESS, unresolved_spans=(*s.unresolved_spans, (s.resolved_at, e.at)),
                   resolved_at=None, closed_at=None, reopens=s.reopens + 1)


_MARK_KINDS = {ev.SlaWarningReached: "warning", ev.SlaBreached: "breach"}


def _sla_marked(s: Ticket, e: ev.SlaWarningReached | ev.SlaBreached) -> Ticket:
    return replace(s, sla_marks=s.sla_marks | {(e.clock, _MARK_KINDS[type(e)])})


def _acknowledged(s: Ticket, e: ev.TicketAcknowledged) -> Ticket:
    return replace(s, status=Status.IN_PROGRESS, responded_at=_responded(s, e.at),
                   assignee_id=s.assignee_id or e.technician_id)


def _reprioritised(s: Ticket, e: ev.PriorityChanged) -> Ticket:
    return replace(s, priority=e.priority)


def _closed(s: Ticket, e: ev.TicketClosed) -> Ticket:
    return replace(s, status=Status.CLOSED, closed_at=e.at)


def _cancelled(s: Ticket, e: ev.TicketCancelled) -> Ticket:
    return replace(s, status=Status.CANCELLED, closed_at=e.at)


def _rated(s: Ticket, e: ev.SatisfactionRecorded) -> Ticket:
    return replace(s, satisfaction=e.score)


_EVOLVERS = {
    ev.TicketOpened: _opened,
    ev.TicketAcknowledged: _acknowledged,
    ev.TicketAssigned: _assigned,
    ev.CommentAdded: _commented,
    ev.InformationRequested: _paused,
    ev.InformationProvided: _resumed,
    ev.TicketEscalated: _escalated,
    ev.PriorityChanged: _reprioritised,
    ev.TicketResolved: _resolved,
    ev.TicketClosed: _closed,
    ev.TicketReopened: _reopened,
    ev.TicketCancelled: _cancelled,
    ev.SatisfactionRecorded: _rated,
    ev.SlaWarningReached: _sla_marked,
    ev.SlaBreached: _sla_marked,
}

TICKET = Decider(initial=NO_TICKET, evolvers=_EVOLVERS, deciders=_DECIDERS, precondition=_must_exist,
                 creates=(cmd.OpenTicket,))
