"""The KPI definitions, facts and series without I/O: what each counts, on which local day, agreeing with the
tickets service's own figures."""

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from events.contracts import assets as dev
from events.contracts import tickets as ev
from events.contracts.audits import AuditClosed, AuditedDevice
from events.contracts.tickets import SlaClock
from events.envelope import Context, wrap
from metrics.kpis import compute, definitions
from metrics.kpis.definitions import DERIVED, Measure
from metrics.kpis.desk import TICKETS, TicketFacts, first_contact_resolution
from metrics.kpis.periods import By, periods, stock_days, whole_units
from metrics.kpis.series import DEFAULT_DESK
from support.builders import opened
from tickets.domain import ticket_clocks
from tickets.domain.policy import DEFAULT_POLICY
from tickets.domain.ticket import TICKET

TENANT = "city"
MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in Toronto, the desk's default zone
HOUR = 3_600_000  # business time is counted in milliseconds


def envelopes(stream: str, *events) -> list:
    ctx = Context(tenant=TENANT, actor="tom", correlation_id="c")
    return [wrap(e, stream_id=stream, stream_version=n, ctx=ctx) for n, e in enumerate(events, 1)]


def folded(*streams: list) -> dict:
    facts: dict = {}
    for envelope in (e for stream in streams for e in stream):
        compute.fold(facts, envelope.event(), envelope, DEFAULT_DESK)
    return facts


def rows(facts: dict, kpi: str, version: int = 1, dimension: str = "all") -> dict:
    """The KPI's per-day rows the facts make: {(day, member, part): (n, total)}."""
    found = compute.changes({}, facts).nonzero_rows()
    return {(d, m, p): (n, t) for (_, k, v, dim, m, d, p), (n, t) in found.items()
            if k == kpi and v == version and dim == dimension}  # fmt: skip


def ticket(*events) -> tuple[dict, list]:
    tid = uuid4()
    history = [opened(ticket_id=tid, at=MONDAY), *events]
    return folded(envelopes(str(tid), *history)), history


def later(**delta) -> datetime:
    return MONDAY + timedelta(**delta)


def resolved(at: datetime) -> ev.TicketResolved:
    return ev.TicketResolved(resolution_code="solved", note="done", technician_id="tom", at=at)


SCENARIOS = {
    "acknowledged then resolved": [ev.TicketAcknowledged(technician_id="tom", at=later(minutes=10)),
                                   resolved(later(hours=2))],
    "handed to a second technician": [ev.TicketAssigned(assignee_id="tom", group=None, at=later(minutes=5)),
                                      ev.TicketAssigned(assignee_id="ann", group=None, at=later(hours=1)),
                                      resolved(later(hours=3))],
    "waited a night on the requester": [ev.InformationRequested(question="Which tray?", at=later(hours=1)),
                                        ev.InformationProvided(answer="Tray 2", at=later(days=1)),
                                        resolved(later(days=1, hours=2))],
    "reopened and resolved again": [resolved(later(hours=1)), ev.TicketReopened(reason="again", at=later(days=1)),
                                    resolved(later(days=2))],
    "escalated over a weekend": [ev.TicketEscalated(group="network", level=2, reason="router", at=later(hours=1)),
                                 resolved(later(days=6))],
}  # fmt: skip


@pytest.mark.parametrize("story", SCENARIOS)
def test_first_contact_resolution_and_business_time_agree_with_the_tickets_service(story):
    facts, history = ticket(*SCENARIOS[story])
    [mine] = facts.values()
    theirs = TICKET.fold(history)
    clocks = ticket_clocks.clocks(theirs, DEFAULT_POLICY, history[-1].at)
    assert first_contact_resolution(mine, reopen_window_days=None) == theirs.first_contact_resolution
    assert mine.response_seconds == clocks[SlaClock.RESPONSE].elapsed_seconds
    assert mine.resolution_seconds == clocks[SlaClock.RESOLUTION].elapsed_seconds


def test_a_pending_night_and_a_weekend_are_not_counted_in_the_time_to_resolve():
    waited, _ = ticket(*SCENARIOS["waited a night on the requester"])
    weekend, _ = ticket(*SCENARIOS["escalated over a weekend"])
    # 1 h before the question, 2 h after the answer; resolved on Sunday: Monday 09:00 to Friday's 16:30 close.
    assert rows(waited, "desk.time-to-resolve") == {(date(2026, 3, 3), "", ""): (1, 3 * HOUR)}
    assert rows(weekend, "desk.time-to-resolve") == {(date(2026, 3, 8), "", ""): (1, (7.5 + 4 * 8) * HOUR)}


def test_the_reopen_window_of_each_version_decides_whether_a_late_reopening_spoils_first_contact():
    facts, _ = ticket(resolved(later(hours=1)), ev.TicketReopened(reason="again", at=later(days=5)),
                      resolved(later(days=5, hours=1)))  # fmt: skip
    resolution_day = (date(2026, 3, 7), "", "")
    assert rows(facts, "desk.first-contact-resolution", version=1) == {resolution_day: (1, 1)}  # 3-day window
    assert rows(facts, "desk.first-contact-resolution", version=2) == {resolution_day: (1, 0)}  # any reopening
    assert rows(facts, "desk.reopen-rate") == {(date(2026, 3, 2), "", ""): (1, 1)}


def test_a_ticket_is_counted_on_the_desks_local_day_across_midnight_and_a_dst_change():
    # Toronto springs forward on 2026-03-08 at 02:00: UTC-5 before, UTC-4 after.
    times = [
        datetime(2026, 3, 8, 4, 30, tzinfo=UTC),  # 23:30 on the 7th, local
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC),  # 23:30 on the 8th: the 9th in UTC
        datetime(2026, 3, 9, 4, 30, tzinfo=UTC),  # 00:30 on the 9th: it would still be the 8th at the winter offset
    ]
    tickets = [envelopes(str(t.ticket_id), t) for t in (opened(ticket_id=uuid4(), at=at) for at in times)]
    counted = rows(folded(*tickets), "desk.tickets-opened")
    assert counted == {(date(2026, 3, 7), "", ""): (1, 1), (date(2026, 3, 8), "", ""): (1, 1),
                       (date(2026, 3, 9), "", ""): (1, 1)}  # fmt: skip


def test_the_backlog_ages_a_ticket_into_each_bucket_until_it_is_resolved():
    facts, _ = ticket(resolved(later(days=10)))
    assert rows(facts, "desk.backlog") == {
        (date(2026, 3, 2), "", "0d"): (1, 1), (date(2026, 3, 3), "", "0d"): (-1, -1),
        (date(2026, 3, 3), "", "1-2d"): (1, 1), (date(2026, 3, 5), "", "1-2d"): (-1, -1),
        (date(2026, 3, 5), "", "3-6d"): (1, 1), (date(2026, 3, 9), "", "3-6d"): (-1, -1),
        (date(2026, 3, 9), "", "7-29d"): (1, 1), (date(2026, 3, 12), "", "7-29d"): (-1, -1),
    }  # fmt: skip


def test_a_ticket_is_counted_in_each_breakdown_by_its_priority_category_channel_and_group():
    facts, _ = ticket(ev.TicketAssigned(assignee_id=None, group="network", at=later(minutes=1)))
    day = date(2026, 3, 2)
    assert rows(facts, "desk.tickets-opened", dimension="priority") == {(day, "P3", ""): (1, 1)}
    assert rows(facts, "desk.tickets-opened", dimension="group") == {(day, "network", ""): (1, 1)}
    assert rows(facts, "desk.tickets-opened", dimension="channel") == {(day, "web", ""): (1, 1)}


def test_a_change_to_a_ticket_moves_its_counts_rather_than_adding_them_again():
    tid = uuid4()
    first = envelopes(str(tid), opened(ticket_id=tid, at=MONDAY), resolved(later(hours=1)))
    before = folded(first)
    after = dict(before)
    reopening = envelopes(str(tid), ev.TicketReopened(reason="again", at=later(days=1)))[0]
    compute.fold(after, reopening.event(), reopening, DEFAULT_DESK)
    deltas = {(k[1], k[3], k[5], k[6]): v for k, v in compute.changes(before, after).nonzero_rows().items()}
    assert deltas[("desk.time-to-resolve", "all", date(2026, 3, 2), "")] == [-1, -HOUR]
    assert deltas[("desk.backlog", "all", date(2026, 3, 3), "1-2d")] == [1, 1]
    assert ("desk.tickets-opened", "all", date(2026, 3, 2), "") not in deltas


def test_a_tickets_changes_one_by_one_add_up_in_every_breakdown_to_what_its_final_facts_count_whole():
    """A move to another group or priority takes the counts away from the breakdown it left alone; a change of one
    field counts again only what reads it; the samples last written are those of the final facts."""
    tid = uuid4()
    history = envelopes(str(tid), opened(ticket_id=tid, at=MONDAY),
                        ev.TicketAssigned(assignee_id="tom", group="desk", at=later(minutes=5)),
                        ev.TicketAcknowledged(technician_id="tom", at=later(minutes=10)),
                        resolved(later(hours=2)),
                        ev.TicketEscalated(group="network", level=2, reason="again", at=later(hours=3)),
                        ev.PriorityChanged(previous="P3", priority="P1", reason="outage", at=later(hours=4)),
                        ev.TicketReopened(reason="again", at=later(days=1)),
                        ev.SatisfactionRecorded(score=2, at=later(days=1, hours=1)),
                        resolved(later(days=2)))  # fmt: skip
    facts: dict = {}
    summed: dict = {}
    samples: list = []
    for envelope in history:
        after = dict(facts)
        compute.fold(after, envelope.event(), envelope, DEFAULT_DESK)
        found = compute.changes(facts, after)
        for key, (n, total) in found.nonzero_rows().items():
            summed[key] = [a + b for a, b in zip(summed.get(key, [0, 0]), (n, total), strict=True)]
        samples = found.samples if found.resampled else samples
        facts = after
    whole = compute.changes({}, facts)
    assert {key: value for key, value in summed.items() if any(value)} == whole.nonzero_rows()
    assert sorted(samples) == sorted(whole.samples)
    assert {row[11] for row in samples} == {"network"}


def _another(name: str, value):
    """Some other value of the field, of its kind."""
    if isinstance(value, datetime) or (value is None and name.endswith("_at")):
        return (value or MONDAY) + timedelta(days=1)
    if isinstance(value, tuple):
        return () if value else ((MONDAY, MONDAY + timedelta(hours=1)),)
    if isinstance(value, str):
        return value + "-other"
    return (value or 0) + 1


def test_a_desk_kpi_is_counted_again_whenever_a_field_it_reads_changes_and_only_then():
    """Its `reads` hold every field its count depends on: changing any other one leaves the count as it was."""
    history = [
        ev.InformationRequested(question="?", at=later(hours=1)),
        ev.InformationProvided(answer="!", at=later(hours=2)),
        resolved(later(hours=3)),
        ev.TicketReopened(reason="no", at=later(days=1)),
        resolved(later(days=2)),
        ev.TicketClosed(closure="confirmed", at=later(days=2)),
        ev.SatisfactionRecorded(score=4, at=later(days=2)),
    ]
    [done] = ticket(*history)[0].values()
    [waiting] = ticket(*history[:1])[0].values()
    breakdowns = {"timezone", "priority", "category", "channel", "group"}  # a change of these moves every count
    for kpi, facts in itertools.product(compute.maintained(TICKETS), (done, waiting)):
        counted, reads = TICKETS.contributions[kpi.id](facts, kpi), TICKETS.reads.get(kpi.id, TicketFacts.model_fields)
        for name in set(TicketFacts.model_fields) - set(reads) - breakdowns:
            other = facts.model_copy(update={name: _another(name, getattr(facts, name))})
            assert TICKETS.contributions[kpi.id](other, kpi) == counted, (kpi.key, name)


def test_devices_are_owned_from_stock_to_disposal_with_their_age_warranty_and_audit_cover():
    device, audit = uuid4(), uuid4()
    registered = dev.DeviceRegistered(
        at=datetime(2024, 1, 10, 15, tzinfo=UTC), device_id=device, asset_tag="CITY-1", kind="laptop",
        holds_storage=True, mbn_class="laptops_tablets", model="T14", warranty_ends_on=date(2025, 1, 9),
        purchase={"purchased_on": date(2024, 1, 2), "cost": "1000"})  # fmt: skip
    disposed = dev.DeviceDisposed(at=datetime(2026, 2, 1, 15, tzinfo=UTC), device_id=device, asset_tag="CITY-1",
                                  certificate_ref="D-1")  # fmt: skip
    found = AuditClosed(at=datetime(2025, 6, 1, 15, tzinfo=UTC), audit_id=audit, location="HQ",
                        found=[AuditedDevice(device_id=device, asset_tag="CITY-1")], missing=[], found_elsewhere=[],
                        unknown_tags=[])  # fmt: skip
    facts = folded(envelopes(str(device), registered, disposed), envelopes(str(audit), found))
    owned, gone = date(2024, 1, 10), date(2026, 2, 1)
    laptops = "laptops_tablets"
    assert rows(facts, "assets.devices") == {(owned, "", laptops): (1, 1), (gone, "", laptops): (-1, -1)}
    assert rows(facts, "assets.average-age")[(owned, "", laptops)] == (1, date(2024, 1, 2).toordinal())
    assert rows(facts, "assets.past-warranty")[(date(2025, 1, 10), "", laptops)] == (0, 1)
    # Owned (n) from January 2024; covered (total) from the audit until it leaves, before its year of cover ends.
    assert rows(facts, "assets.audit-coverage") == {
        (owned, "", ""): (1, 0), (date(2025, 6, 1), "", ""): (0, 1), (gone, "", ""): (-1, -1)}  # fmt: skip
    assert rows(facts, "assets.disposals-sanitized") == {(gone, "", ""): (1, 0)}  # no sanitization recorded


def test_periods_are_cut_to_the_range_and_a_stock_is_summed_over_their_days():
    months = periods(date(2026, 1, 15), date(2026, 3, 10), By.MONTH)
    assert [(p.key, p.start, p.end) for p in months] == [
        (date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 10))]  # fmt: skip
    assert periods(date(2026, 3, 4), date(2026, 3, 10), By.WEEK)[1].start == date(2026, 3, 9)  # a Monday
    # Two devices from the start, a third from Feb 10, one gone from Mar 1.
    assert stock_days(2, [(date(2026, 2, 10), 1), (date(2026, 3, 1), -1)], months) == [17 * 2, 9 * 2 + 19 * 3, 20]


def test_the_whole_weeks_and_months_of_a_range_are_those_it_holds_from_their_first_day_to_their_last():
    assert whole_units(date(2026, 3, 4), date(2026, 3, 29), By.WEEK) == (date(2026, 3, 9), date(2026, 3, 30))
    assert whole_units(date(2026, 3, 9), date(2026, 3, 28), By.WEEK) == (date(2026, 3, 9), date(2026, 3, 23))
    assert whole_units(date(2026, 3, 4), date(2026, 3, 14), By.WEEK) == (date(2026, 3, 4), date(2026, 3, 4))  # none
    assert whole_units(date(2026, 1, 1), date(2026, 12, 31), By.MONTH) == (date(2026, 1, 1), date(2027, 1, 1))
    # The calendar's last month is read from its days (there is no day after it to end it).
    assert whole_units(date(9999, 11, 1), date(9999, 12, 31), By.MONTH) == (date(9999, 11, 1), date(9999, 12, 1))


def test_every_definition_is_named_once_has_one_current_version_and_is_computed_from_something():
    keys = [kpi.key for kpi in definitions.DEFINITIONS]
    assert len(keys) == len(set(keys))
    for kpi_id in {kpi.id for kpi in definitions.DEFINITIONS}:
        assert sum(kpi.current for kpi in definitions.versions(kpi_id)) == 1, kpi_id
    for kpi in definitions.DEFINITIONS:
        if kpi.measure in DERIVED:
            assert kpi.derived_from and all(definitions.by_key(key) for key in kpi.derived_from), kpi.key
        else:
            assert kpi.id in compute.KINDS[kpi.facts].contributions, kpi.key
    assert {kpi.measure for kpi in definitions.DEFINITIONS} == set(Measure)


def test_the_average_device_age_is_answered_from_the_numeric_sums_the_database_gives():
    from datetime import date
    from decimal import Decimal

    from metrics.kpis import definitions, queries
    from metrics.kpis.periods import By, periods

    age = definitions.current("assets.average-age")
    [year] = periods(date(2025, 1, 1), date(2025, 12, 31), By.YEAR)
    bought = Decimal(2 * date(2024, 12, 31).toordinal())  # two devices bought on 31 December 2024: SUM() is numeric
    assert queries._stock_value(age, year, Decimal(2), bought) == round(365 / 365.25, age.decimals)
