"""SLA clocks derived from a ticket's timeline, given / when / then, with figures worked out by hand."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets.domain.calendar import BusinessCalendar
from tickets.domain.sla import ClockState, ClockView, Timeline, clock_view, crossing_at

TORONTO = ZoneInfo("America/Toronto")
HOUR = 3600
OFFICE = BusinessCalendar()  # Mon-Fri 08:30-16:30


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=TORONTO)


def test_a_resolution_clock_skips_the_weekend_the_pending_spell_and_a_tuesday_holiday():
    calendar = BusinessCalendar(holidays=frozenset({date(2025, 7, 1)}))  # Canada Day, Tuesday
    # Opened Fri 27 June 15:00, pending on the requester Mon 30 June 09:00-11:30, looked at Mon 14:00.
    timeline = Timeline(local(2025, 6, 27, 15), pauses=((local(2025, 6, 30, 9), local(2025, 6, 30, 11, 30)),))
    view = clock_view(calendar, 8 * HOUR, timeline, now=local(2025, 6, 30, 14))
    # Counted: Fri 15:00-16:30 (1.5 h) + Mon 08:30-09:00 (0.5 h) + Mon 11:30-14:00 (2.5 h) = 4.5 h; paused 2.5 h.
    # 3.5 h left: Mon 14:00-16:30 (2.5 h), Tuesday closed, Wed 08:30 + 1 h = Wed 09:30.
    # 75 % is 6 h: 2 h by Mon 09:00, 4 h more from 11:30 = Mon 15:30.
    assert view == ClockView(
        target_seconds=8 * HOUR, elapsed_seconds=4.5 * HOUR, paused_seconds=2.5 * HOUR, state=ClockState.RUNNING,
        due_at=local(2025, 7, 2, 9, 30), warning_at=local(2025, 6, 30, 15, 30), breached_at=None,
        breaches_at=local(2025, 7, 2, 9, 30),
    )


def test_a_resolution_clock_is_paused_while_the_ticket_is_pending():
    calendar = BusinessCalendar(holidays=frozenset({date(2025, 7, 1)}))
    timeline = Timeline(local(2025, 6, 27, 15), pauses=((local(2025, 6, 30, 9), None),))
    view = clock_view(calendar, 8 * HOUR, timeline, now=local(2025, 6, 30, 10))
    # Counted: Fri 1.5 h + Mon 08:30-09:00 0.5 h = 2 h; paused Mon 09:00-10:00 = 1 h; no due time while paused.
    assert (view.state, view.elapsed_seconds, view.paused_seconds) == (ClockState.PAUSED, 2 * HOUR, 1 * HOUR)
    assert (view.due_at, view.warning_at, view.breached_at) == (None, None, None)


def test_a_pending_spell_on_a_monday_holiday_pauses_no_business_time():
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 5, 18)}))  # Victoria Day, Monday
    timeline = Timeline(local(2026, 5, 15, 15), pauses=((local(2026, 5, 18, 9), local(2026, 5, 18, 11, 30)),))
    view = clock_view(calendar, 8 * HOUR, timeline, now=local(2026, 5, 19, 10))
    # Counted: Fri 15:00-16:30 (1.5 h) + Tue 08:30-10:00 (1.5 h) = 3 h; the pause fell on a closed day: 0 paused.
    # 5 h left from Tue 10:00 = Tue 15:00; 75 % (6 h) is 4.5 h after Tue 08:30 = Tue 13:00.
    assert (view.state, view.elapsed_seconds, view.paused_seconds) == (ClockState.RUNNING, 3 * HOUR, 0)
    assert (view.due_at, view.warning_at) == (local(2026, 5, 19, 15), local(2026, 5, 19, 13))


def test_a_response_clock_stopped_within_its_target_is_met():
    # Opened Mon 2 March 16:00, responded Tue 08:45: 0.5 h + 0.25 h = 45 min of a 1 h target.
    timeline = Timeline(local(2026, 3, 2, 16), stopped_at=local(2026, 3, 3, 8, 45))
    view = clock_view(OFFICE, HOUR, timeline, now=local(2026, 3, 9, 12))
    assert view == ClockView(
        target_seconds=HOUR, elapsed_seconds=45 * 60, paused_seconds=0, state=ClockState.MET,
        due_at=None, warning_at=None, breached_at=None,
    )


def test_a_clock_that_ran_out_before_the_ticket_went_pending_is_breached_while_paused():
    # Opened Mon 09:00 with a 2 h target, pending from 11:30 until now (13:00): 2.5 h counted, 1.5 h paused.
    timeline = Timeline(local(2026, 3, 2, 9), pauses=((local(2026, 3, 2, 11, 30), None),))
    view = clock_view(OFFICE, 2 * HOUR, timeline, now=local(2026, 3, 2, 13))
    # It crossed 2 h at 11:00.
    assert view == ClockView(
        target_seconds=2 * HOUR, elapsed_seconds=2.5 * HOUR, paused_seconds=1.5 * HOUR, state=ClockState.BREACHED,
        due_at=None, warning_at=None, breached_at=local(2026, 3, 2, 11),
    )


def test_the_warning_is_due_at_three_quarters_of_the_target():
    timeline = Timeline(local(2026, 3, 2, 9))
    # A 4 h target from Mon 09:00: 75 % = 3 h at 12:00, due at 13:00.
    view = clock_view(OFFICE, 4 * HOUR, timeline, now=local(2026, 3, 2, 9, 30))
    assert (view.state, view.elapsed_seconds) == (ClockState.RUNNING, 0.5 * HOUR)
    assert (view.warning_at, view.due_at) == (local(2026, 3, 2, 12), local(2026, 3, 2, 13))
    # At 12:00 the warning is due now; a second later it is past and no longer reported.
    assert clock_view(OFFICE, 4 * HOUR, timeline, now=local(2026, 3, 2, 12)).warning_at == local(2026, 3, 2, 12)
    assert clock_view(OFFICE, 4 * HOUR, timeline, now=local(2026, 3, 2, 12, 0, 1)).warning_at is None


def test_a_stopped_clock_that_overran_reports_when_it_breached():
    # Opened Mon 16:00 with a 1 h target, resolved Tue 09:30: 0.5 h + 1 h = 1.5 h; 1 h was reached Tue 09:00.
    timeline = Timeline(local(2026, 3, 2, 16), stopped_at=local(2026, 3, 3, 9, 30))
    view = clock_view(OFFICE, HOUR, timeline, now=local(2026, 3, 3, 10))
    assert (view.state, view.elapsed_seconds) == (ClockState.BREACHED, 1.5 * HOUR)
    assert view.breached_at == local(2026, 3, 3, 9)
    assert (view.due_at, view.warning_at) == (None, None)


def test_due_at_is_the_instant_the_clock_turns_breached():
    timeline = Timeline(local(2026, 3, 2, 9, 17, 3))
    due = clock_view(OFFICE, 5 * HOUR, timeline, now=local(2026, 3, 2, 10)).due_at
    assert due == local(2026, 3, 2, 14, 17, 3) == crossing_at(OFFICE, timeline, 5 * HOUR)
    on_time = clock_view(OFFICE, 5 * HOUR, timeline, now=due)
    late = clock_view(OFFICE, 5 * HOUR, timeline, now=due + timedelta(microseconds=1))
    assert (on_time.state, on_time.elapsed_seconds, on_time.due_at) == (ClockState.RUNNING, 5 * HOUR, due)
    assert (late.state, late.breached_at) == (ClockState.BREACHED, due)


def test_a_target_running_out_at_closing_time_is_due_at_closing_and_breaches_when_counting_resumes():
    # Fri 15:00 + 1.5 h runs out at 16:30, but stopping over the weekend still counts 1.5 h, which is met:
    # the clock can only be exceeded once Monday opens at 08:30. The desk's deadline is Friday's close.
    timeline = Timeline(local(2026, 1, 9, 15))
    view = clock_view(OFFICE, 1.5 * HOUR, timeline, now=local(2026, 1, 9, 16))
    assert (view.due_at, view.breaches_at) == (local(2026, 1, 9, 16, 30), local(2026, 1, 12, 8, 30))
    over_the_weekend = clock_view(OFFICE, 1.5 * HOUR, timeline, now=local(2026, 1, 10, 11))
    assert (over_the_weekend.state, over_the_weekend.due_at) == (ClockState.RUNNING, local(2026, 1, 9, 16, 30))
    stopped = Timeline(local(2026, 1, 9, 15), stopped_at=local(2026, 1, 10, 11))
    assert clock_view(OFFICE, 1.5 * HOUR, stopped, now=local(2026, 1, 10, 11)).state is ClockState.MET


def test_a_p2_opened_at_monday_opening_is_due_at_monday_close_and_breaches_at_tuesday_opening():
    view = clock_view(OFFICE, 8 * HOUR, Timeline(local(2026, 3, 2, 8, 30)), now=local(2026, 3, 2, 9))
    assert (view.due_at, view.breaches_at) == (local(2026, 3, 2, 16, 30), local(2026, 3, 3, 8, 30))


def test_a_target_reached_as_a_pause_starts_is_due_then_and_breaches_when_the_pause_ends():
    # Opened Mon 09:00 with a 2 h target; pending 11:00-14:00: reached at 11:00, exceeded only from 14:00.
    timeline = Timeline(local(2026, 3, 2, 9), pauses=((local(2026, 3, 2, 11), local(2026, 3, 2, 14)),))
    view = clock_view(OFFICE, 2 * HOUR, timeline, now=local(2026, 3, 2, 14, 0))
    assert (view.state, view.due_at, view.breaches_at) == (ClockState.RUNNING, local(2026, 3, 2, 11),
                                                           local(2026, 3, 2, 14))


def test_crossing_at_is_unknown_when_the_timeline_stops_or_pauses_before_the_amount():
    stopped = Timeline(local(2026, 3, 2, 9), stopped_at=local(2026, 3, 2, 10))
    paused = Timeline(local(2026, 3, 2, 9), pauses=((local(2026, 3, 2, 10), None),))
    assert crossing_at(OFFICE, stopped, 2 * HOUR) is None
    assert crossing_at(OFFICE, paused, 2 * HOUR) is None
    assert crossing_at(OFFICE, paused, 0.5 * HOUR) == local(2026, 3, 2, 9, 30)


def test_overlapping_unsorted_pauses_and_one_before_the_start_are_merged_and_clamped():
    pauses = ((local(2026, 3, 2, 10), local(2026, 3, 2, 11)), (local(2026, 3, 2, 8), local(2026, 3, 2, 9, 30)),
              (local(2026, 3, 2, 10, 30), local(2026, 3, 2, 12)))
    view = clock_view(OFFICE, 8 * HOUR, Timeline(local(2026, 3, 2, 9), pauses=pauses), now=local(2026, 3, 2, 13))
    # Paused 09:00-09:30 (the 08:00 pause clamped to the start) and 10:00-12:00 = 2.5 h;
    # counted 09:30-10:00 and 12:00-13:00 = 1.5 h.
    assert (view.elapsed_seconds, view.paused_seconds) == (1.5 * HOUR, 2.5 * HOUR)


def test_a_timeline_needs_aware_datetimes():
    with pytest.raises(ValueError, match=r"timeline: .* must be a timezone-aware datetime"):
        Timeline(datetime(2026, 3, 2, 9))
