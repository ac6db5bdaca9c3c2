"""Business time on a tenant calendar, given / when / then, with figures worked out by hand."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.contracts.tickets import CalendarDocument
from tickets.domain.calendar import ZERO, BusinessCalendar, add_business_time, business_time, calendar_from_dict
from tickets.domain.policy import DeskPolicy

TORONTO = ZoneInfo("America/Toronto")
HOUR = timedelta(hours=1)
OFFICE = BusinessCalendar()  # Mon-Fri 08:30-16:30, 8 h a day
LUNCH = BusinessCalendar(hours={d: ((time(13), time(16, 30)), (time(8, 30), time(12))) for d in range(5)})
ALWAYS = BusinessCalendar(hours={d: ((time(0), time(0)),) for d in range(7)})  # 00:00-24:00 every day


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=TORONTO)


def test_a_span_over_a_weekend_counts_only_friday_and_monday_hours():
    # Fri 15:00-16:30 is 1.5 h, Sat and Sun are closed, Mon 08:30-10:00 is 1.5 h: 3 h.
    assert business_time(OFFICE, local(2026, 1, 9, 15), local(2026, 1, 12, 10)) == 3 * HOUR


def test_a_span_over_a_holiday_skips_the_holiday():
    christmas = BusinessCalendar(holidays=frozenset({date(2026, 12, 25)}))
    # Thu 24th 15:00-16:30 is 1.5 h, Fri 25th is a holiday, the weekend is closed, Mon 28th 08:30-09:30 is 1 h.
    assert business_time(christmas, local(2026, 12, 24, 15), local(2026, 12, 28, 9, 30)) == 2.5 * HOUR


def test_a_lunch_break_is_not_business_time():
    # 11:00-12:00 is 1 h, lunch 12:00-13:00 is closed, 13:00-14:00 is 1 h: 2 h.
    assert business_time(LUNCH, local(2026, 2, 2, 11), local(2026, 2, 2, 14)) == 2 * HOUR
    # From 11:30, half an hour before lunch and half an hour after it: 13:30 local, 18:30 UTC.
    assert add_business_time(LUNCH, local(2026, 2, 2, 11, 30), HOUR) == datetime(2026, 2, 2, 18, 30, tzinfo=UTC)


def test_a_span_across_the_spring_dst_change_counts_wall_clock_office_hours():
    # Fri 6 March 16:00 EST is 21:00Z and Mon 9 March 09:00 EDT is 13:00Z: 0.5 h Friday, 0.5 h Monday.
    assert business_time(OFFICE, local(2026, 3, 6, 16), local(2026, 3, 9, 9)) == 1 * HOUR
    # A fixed -05:00 offset would answer 14:00Z; Monday opens at 08:30 EDT = 12:30Z, plus 0.5 h.
    assert add_business_time(OFFICE, local(2026, 3, 6, 16), HOUR) == datetime(2026, 3, 9, 13, tzinfo=UTC)


def test_a_span_across_the_autumn_dst_change_counts_wall_clock_office_hours():
    # Fri 30 October 16:00 EDT is 20:00Z; Mon 2 November opens at 08:30 EST = 13:30Z, plus 0.5 h: 14:00Z.
    assert add_business_time(OFFICE, local(2026, 10, 30, 16), HOUR) == datetime(2026, 11, 2, 14, tzinfo=UTC)


def test_two_office_weeks_around_the_dst_change_are_ten_eight_hour_days():
    # Mon 2 March 08:30 to Fri 13 March 16:30: 10 weekdays of 8 h, DST on Sunday 8 March in between.
    assert business_time(OFFICE, local(2026, 3, 2, 8, 30), local(2026, 3, 13, 16, 30)) == 80 * HOUR


def test_a_round_the_clock_calendar_has_a_23_hour_and_a_25_hour_sunday():
    # Sat 00:00 to Mon 00:00 is 24 h + 23 h in March (02:00 skips to 03:00), 24 h + 25 h in November.
    assert business_time(ALWAYS, local(2026, 3, 7), local(2026, 3, 9)) == 47 * HOUR
    assert business_time(ALWAYS, local(2026, 10, 31), local(2026, 11, 2)) == 49 * HOUR


def test_a_night_shift_over_the_dst_change_counts_the_hours_actually_worked():
    night = BusinessCalendar(hours={6: ((time(0), time(4)),)})  # Sundays 00:00-04:00
    # On 8 March 02:00-03:00 does not exist (3 h worked); on 1 November 01:00-02:00 happens twice (5 h).
    assert business_time(night, local(2026, 3, 8), local(2026, 3, 9)) == 3 * HOUR
    assert business_time(night, local(2026, 11, 1), local(2026, 11, 2)) == 5 * HOUR


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "day", "periods", "worked", "done_at"), [
    # 2025-03-30 02:00-03:00 does not exist in Berlin: 02:30-03:00 is never worked, 03:00-04:00 (01:00-02:00Z)
    # is an hour.
    ("Europe/Berlin", date(2025, 3, 30), ((time(2, 30), time(3)), (time(3), time(4))), HOUR, utc(2025, 3, 30, 2)),
    # 2021-09-05 00:00-01:00 does not exist in Santiago: 00:30-01:00 is never worked, 01:15-06:15 is 5 h.
    ("America/Santiago", date(2021, 9, 5), ((time(0, 30), time(1)), (time(1, 15), time(6, 15))), 5 * HOUR,
     utc(2021, 9, 5, 9, 15)),
    # A period starting in the gap is worked from the moment the clocks jump (01:00Z); one ending in it, until then.
    ("Europe/Berlin", date(2025, 3, 30), ((time(2, 30), time(4)),), HOUR, utc(2025, 3, 30, 2)),
    ("Europe/Berlin", date(2025, 3, 30), ((time(1), time(2, 30)),), HOUR, utc(2025, 3, 30, 1)),
])
def test_a_period_in_a_dst_gap_counts_only_the_wall_clock_time_that_exists(zone, day, periods, worked, done_at):
    calendar = BusinessCalendar(timezone=zone, hours={day.weekday(): periods})
    midnight = datetime.combine(day, time(), ZoneInfo(zone))
    assert business_time(calendar, midnight, midnight + timedelta(days=1)) == worked
    assert add_business_time(calendar, midnight, worked) == done_at


def test_a_two_year_span_counts_every_weekday_but_the_holidays():
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 12, 25), date(2027, 7, 1), date(2027, 7, 3)}))
    # 2026 and 2027 each have 52 weeks + 1 weekday (Thu 1 Jan 2026, Fri 1 Jan 2027): 522 weekdays, less two
    # weekday holidays (Sat 3 July 2027 was closed anyway): 520 days of 8 h = 14,976,000 s.
    assert business_time(calendar, local(2026, 1, 1), local(2028, 1, 1)) == 520 * 8 * HOUR
    assert add_business_time(calendar, local(2026, 1, 1), 520 * 8 * HOUR) == local(2027, 12, 31, 16, 30)


def test_adding_business_time_from_a_weekend_starts_at_monday_opening():
    # Sat 10:00 is closed; Mon opens 08:30 EST (13:30Z), plus 1 h: 14:30Z.
    assert add_business_time(OFFICE, local(2026, 1, 10, 10), HOUR) == datetime(2026, 1, 12, 14, 30, tzinfo=UTC)


def test_adding_time_that_runs_out_at_closing_answers_closing_time_unless_asked_when_it_is_exceeded():
    friday = local(2026, 1, 9, 15)
    # Fri 15:00 + 1.5 h is exactly 16:30; more than 1.5 h has passed only once Monday opens at 08:30.
    assert add_business_time(OFFICE, friday, 1.5 * HOUR) == local(2026, 1, 9, 16, 30)
    assert add_business_time(OFFICE, friday, timedelta(hours=1.5), exceed=True) == local(2026, 1, 12, 8, 30)


def test_adding_nothing_returns_the_start_in_utc_even_out_of_hours():
    assert add_business_time(OFFICE, local(2026, 1, 10, 10), ZERO) == datetime(2026, 1, 10, 15, tzinfo=UTC)


def test_an_empty_or_backwards_span_has_no_business_time():
    assert business_time(OFFICE, local(2026, 1, 12, 10), local(2026, 1, 12, 10)) == ZERO
    assert business_time(OFFICE, local(2026, 1, 12, 11), local(2026, 1, 12, 10)) == ZERO


def test_adding_business_time_inverts_counting_it_over_random_spans():
    calendar = BusinessCalendar(
        hours={**{d: ((time(8, 30), time(12)), (time(13), time(16, 30))) for d in range(5)}, 5: ((time(9), time(12)),)},
        holidays=frozenset({date(2026, 7, 1), date(2026, 12, 25), date(2027, 1, 1), date(2027, 9, 6)}),
    )
    rng, origin = random.Random(20260308), datetime(2025, 10, 1, tzinfo=UTC)
    for _ in range(300):
        start = origin + timedelta(microseconds=rng.randrange(3 * 365 * 86400 * 10**6))
        amount = timedelta(microseconds=rng.randrange(2 * 365 * 8 * 3600 * 10**6))  # up to ~2 years
        found = add_business_time(calendar, start, amount)
        # That much time has passed at `found`, and not yet a microsecond earlier: it is the first such instant.
        assert business_time(calendar, start, found) == amount
        assert amount == ZERO or business_time(calendar, start, found - timedelta(microseconds=1)) < amount
        end = start + timedelta(seconds=rng.randrange(400 * 86400))
        assert add_business_time(calendar, start, business_time(calendar, start, end)) <= end


def test_a_calendar_survives_its_json_form():
    calendar = BusinessCalendar(
        timezone="America/Vancouver",
        hours={0: ((time(8), time(12)), (time(12, 30), time(16, 45, 30))), 6: ((time(22), time(0)),)},
        holidays=frozenset({date(2026, 12, 25), date(2026, 7, 1)}),
    )
    data = {
        "timezone": "America/Vancouver",
        "hours": {"mon": [["08:00", "12:00"], ["12:30", "16:45:30"]], "sun": [["22:00", "24:00"]]},
        "holidays": ["2026-07-01", "2026-12-25"],
    }
    assert calendar_from_dict(data) == calendar
    # The JSON form is a policy's CalendarDocument: it is stored as it came and the policy's calendar reads it back.
    document = CalendarDocument.model_validate(data)
    assert document.model_dump(mode="json") == data
    assert DeskPolicy(calendar_document=document).calendar == calendar


def test_a_calendar_from_an_empty_dict_is_the_default_office_calendar():
    assert calendar_from_dict({}) == OFFICE


@pytest.mark.parametrize(("fields", "message"), [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone: unknown time zone 'Mars/Olympus_Mons'"),
    ({"hours": {0: ((time(16, 30), time(8, 30)),)}}, r"hours\[mon\]: 16:30-08:30 must end after it starts"),
    ({"hours": {1: ((time(8), time(12)), (time(11), time(16)))}}, r"hours\[tue\]: 08:00-12:00 overlaps 11:00-16:00"),
    ({"hours": {7: ((time(8), time(12)),)}}, "hours: weekday 7 is not 0 \\(Monday\\) to 6 \\(Sunday\\)"),
    ({"hours": {0: ((time(8),),)}}, r"hours\[mon\]: .* is not a \(start, end\) pair"),
    ({"hours": {}}, "hours: the calendar must be open at least one weekday"),
    ({"holidays": frozenset({datetime(2026, 12, 25, 9)})}, "holidays: .* is not a date"),
])
def test_a_calendar_refuses_bad_fields_and_names_them(fields, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**fields)


@pytest.mark.parametrize(("data", "message"), [
    ({"hours": {"mon": [["8h30", "16:30"]]}}, r"hours\[mon\]: '8h30' is not an HH:MM time"),
    ({"hours": {"monday": [["08:30", "16:30"]]}}, "hours: unknown weekday 'monday'"),
    ({"hours": {"mon": [["24:00", "16:30"]]}}, r"hours\[mon\]: '24:00' is not an HH:MM time"),
    ({"holidays": ["25/12/2026"]}, "holidays: '25/12/2026' is not a YYYY-MM-DD date"),
    ({"holiday": []}, r"calendar: unknown keys \['holiday'\]"),
])
def test_a_calendar_dict_refuses_bad_fields_and_names_them(data, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_dict(data)


def test_business_time_needs_aware_datetimes_and_a_non_negative_amount():
    with pytest.raises(ValueError, match="start: must be a timezone-aware datetime"):
        business_time(OFFICE, datetime(2026, 1, 9, 15), local(2026, 1, 12, 10))
    with pytest.raises(ValueError, match="amount: must not be negative"):
        add_business_time(OFFICE, local(2026, 1, 9, 15), timedelta(seconds=-1))
