"""A ticket's SLA clocks under a desk policy, checked against figures worked out by hand."""

from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from events.contracts import tickets as ev
from events.contracts.tickets import CalendarDocument, Level, Priority, ResolutionCode, SlaClock
from events.testing import given
from tickets.domain import commands as cmd
from tickets.domain import ticket_clocks
from tickets.domain.policy import DEFAULT_TARGETS, DeskPolicy
from tickets.domain.ticket import TICKET

TORONTO = ZoneInfo("America/Toronto")

# Mon-Fri 08:30-16:30 in Toronto, Tuesday 10 March 2026 a holiday. Clocks change on Sunday 8 March.
POLICY = DeskPolicy(calendar_document=CalendarDocument(
    timezone="America/Toronto", hours={d: [("08:30", "16:30")] for d in ("mon", "tue", "wed", "thu", "fri")},
    holidays=["2026-03-10"]))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TORONTO).astimezone(UTC)


def ticket_after(*events):
    return given(TICKET, *events).state


# A P2 ticket (response 60, resolution 480 business minutes) opened Friday 6 March at 15:00,
# acknowledged at 15:30, waiting on the requester Monday 09:00-11:30.
OPENED = ev.TicketOpened(ticket_id=uuid4(), requester_id="alice", subject="Payroll app down", description="Error 500",
                         category="software", impact=Level.MEDIUM, urgency=Level.HIGH, priority=Priority.P2,
                         at=local(6, 15))
ACKNOWLEDGED = ev.TicketAcknowledged(technician_id="tina", at=local(6, 15, 30))
ASKED = ev.InformationRequested(question="Which browser?", at=local(9, 9))
ANSWERED = ev.InformationProvided(answer="Edge", at=local(9, 11, 30))


def resolved(at: datetime, note: str) -> ev.TicketResolved:
    return ev.TicketResolved(resolution_code=ResolutionCode.SOLVED, note=note, technician_id="tina", at=at)


def test_the_response_clock_is_met_by_the_acknowledgement_half_an_hour_in():
    ticket = ticket_after(OPENED, ACKNOWLEDGED)
    response = ticket_clocks.clocks(ticket, POLICY, local(9, 12))[SlaClock.RESPONSE]
    assert (response.state, response.elapsed_seconds, response.target_seconds) == ("met", 30 * 60, 60 * 60)


def test_the_resolution_clock_skips_the_weekend_the_pause_and_the_holiday():
    ticket = ticket_after(OPENED, ACKNOWLEDGED, ASKED, ANSWERED)
    resolution = ticket_clocks.clocks(ticket, POLICY, local(9, 12))[SlaClock.RESOLUTION]
    # Friday 15:00-16:30 is 1.5 h; Monday 08:30-09:00 is 0.5 h; paused 09:00-11:30 (2.5 h); 11:30-12:00 is 0.5 h.
    assert (resolution.state, resolution.elapsed_seconds, resolution.paused_seconds) == ("running", 2.5 * 3600,
                                                                                         2.5 * 3600)
    # 5.5 h left: Monday 12:00-16:30 gives 4.5 h, Tuesday is a holiday, Wednesday 08:30 + 1 h = 09:30.
    assert resolution.due_at == local(11, 9, 30)
    # 75 % is 6 h: 3.5 h more from Monday 12:00 is 15:30.
    assert resolution.warning_at == local(9, 15, 30)


def test_while_pending_the_resolution_clock_is_paused_and_has_no_due_time():
    ticket = ticket_after(OPENED, ACKNOWLEDGED, ASKED)
    resolution = ticket_clocks.clocks(ticket, POLICY, local(9, 10))[SlaClock.RESOLUTION]
    assert (resolution.state, resolution.elapsed_seconds, resolution.due_at) == ("paused", 2 * 3600, None)


def test_the_marks_due_are_stamped_with_the_moment_each_was_reached():
    ticket = ticket_after(OPENED, ASKED, ANSWERED)
    marks = ticket_clocks.due_marks(ticket, POLICY, local(11, 10))
    found = [(type(m).__name__, m.clock, m.at) for m in marks]
    # Response: 45 and 60 business minutes after Friday 15:00. Asking at Monday 09:00 came too late.
    assert found == [
        ("SlaWarningReached", SlaClock.RESPONSE, local(6, 15, 45)),
        ("SlaBreached", SlaClock.RESPONSE, local(6, 16)),
        ("SlaWarningReached", SlaClock.RESOLUTION, local(9, 15, 30)),
        ("SlaBreached", SlaClock.RESOLUTION, local(11, 9, 30)),
    ]


def test_a_mark_already_recorded_is_not_due_again():
    marks = ticket_clocks.due_marks(ticket_after(OPENED, ACKNOWLEDGED), POLICY, local(13, 12))
    recorded = given(TICKET, OPENED, ACKNOWLEDGED).when(cmd.RecordSlaMarks(tuple(marks)))
    assert recorded == marks
    assert ticket_clocks.due_marks(ticket_after(OPENED, ACKNOWLEDGED, *recorded), POLICY, local(13, 12)) == []


def test_a_ticket_resolved_within_target_is_met_and_due_nothing():
    ticket = ticket_after(OPENED, ACKNOWLEDGED, resolved(local(6, 16), "Restarted"))
    views = ticket_clocks.clocks(ticket, POLICY, local(20, 12))
    assert {clock: view.state for clock, view in views.items()} == {"response": "met", "resolution": "met"}
    assert ticket_clocks.due_marks(ticket, POLICY, local(20, 12)) == []


def test_a_category_target_overrides_the_priority_target():
    policy = DeskPolicy(calendar_document=POLICY.calendar_document, targets=DEFAULT_TARGETS,
                        category_targets={"software": {Priority.P2: ev.SlaTarget(response_minutes=10,
                                                                                 resolution_minutes=60)}})
    ticket = ticket_after(OPENED)
    assert ticket_clocks.clocks(ticket, policy, local(6, 15))[SlaClock.RESOLUTION].target_seconds == 3600


def test_a_resolved_ticket_closes_by_itself_three_business_days_later_at_the_same_time():
    ticket = ticket_after(OPENED, resolved(local(6, 16), "Done"))
    # Monday 9, (Tuesday 10 is a holiday), Wednesday 11, Thursday 12.
    assert ticket_clocks.auto_close_at(ticket, POLICY) == local(12, 16)


def test_a_target_running_out_at_closing_is_due_then_and_the_scheduler_looks_when_it_breaches():
    # A P2 opened Monday 2 March at 08:30 and acknowledged: 8 business hours are used up at Monday's close,
    # and exceeded only when Tuesday opens; its warning (6 h, at 14:30) is already recorded.
    opened = OPENED.model_copy(update={"at": local(2, 8, 30)})
    acknowledged = ACKNOWLEDGED.model_copy(update={"at": local(2, 8, 40)})
    warned = ev.SlaWarningReached(clock=SlaClock.RESOLUTION, target_seconds=8 * 3600, at=local(2, 14, 30))
    ticket = ticket_after(opened, acknowledged, warned)
    views = ticket_clocks.clocks(ticket, POLICY, local(2, 15))
    resolution = views[SlaClock.RESOLUTION]
    assert (resolution.due_at, resolution.breaches_at) == (local(2, 16, 30), local(3, 8, 30))
    assert ticket_clocks.next_check_at(ticket, views) == local(3, 8, 30)
    assert ticket_clocks.due_marks(ticket, POLICY, local(2, 23)) == []
    [breach] = ticket_clocks.due_marks(ticket, POLICY, local(3, 8, 31))
    assert (type(breach), breach.at) == (ev.SlaBreached, local(3, 8, 30))
