"""Ticket facts from the tickets events, as the tickets service derives them (status, first response, pauses,
reopenings, first-contact resolution, SLA business time), and what each desk KPI counts of them."""

from datetime import date, datetime, timedelta

from events.contracts import tickets as ev
from events.envelope import Envelope
from metrics.kpis.series import Count, Desk, Facts, Item, Kind, Sample, local_day, millis, span
from tickets.domain.calendar import business_time
from tickets.domain.sla import Timeline, clock_view

Pause = tuple[datetime, datetime | None]
# Backlog age buckets: the whole local days since opening, lower bounds; the last bucket has no upper one.
AGE_BUCKETS = ((0, "0d"), (1, "1-2d"), (3, "3-6d"), (7, "7-29d"), (30, "30d+"))


class TicketFacts(Facts):
    opened_at: datetime | None = None
    priority: str = ""
    category: str = ""
    channel: str = ""
    group: str = ""
    assignments: int = 0
    escalations: int = 0
    information_requests: int = 0
    responded_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()  # waiting on the requester: the resolution clock stops
    resolved_at: datetime | None = None
    first_resolved_at: datetime | None = None
    unresolved_spans: tuple[tuple[datetime, datetime], ...] = ()  # resolved, then reopened: not counted either
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    satisfaction: int | None = None
    satisfaction_at: datetime | None = None
    # The clocks as they stopped, under the desk policy then in force: seconds counted and the target.
    response_seconds: float | None = None
    response_target: float | None = None
    resolution_seconds: float | None = None
    resolution_target: float | None = None

    @property
    def reopens(self) -> int:
        return len(self.unresolved_spans)


def _elapsed(desk: Desk, start: datetime, stop: datetime, pauses: tuple) -> float:
    """The business seconds a clock stopped at `stop` counted, as `sla.clock_view` counts them; a clock that never
    paused counted the business time between its ends (the same sum, without merging pauses that are not there)."""
    if not pauses:
        return business_time(desk.policy.calendar, start, stop).total_seconds()
    return clock_view(desk.policy.calendar, 0.0, Timeline(start, stop, pauses), stop).elapsed_seconds


def _responded(f: TicketFacts, at: datetime, desk: Desk) -> dict:
    """The first response stops the response clock (later ones change nothing); it never pauses."""
    if f.responded_at is not None or f.opened_at is None:
        return {}
    target = desk.policy.target(f.priority, f.category).response_minutes * 60.0
    return {"responded_at": at, "response_seconds": _elapsed(desk, f.opened_at, at, ()), "response_target": target}


def _resolution_clock(f: TicketFacts, at: datetime, desk: Desk) -> dict:
    """Pending stretches and resolved-then-reopened stretches do not count."""
    if f.opened_at is None:
        return {}
    target = desk.policy.target(f.priority, f.category).resolution_minutes * 60.0
    elapsed = _elapsed(desk, f.opened_at, at, (*f.pauses, *f.unresolved_spans))
    return {"resolution_seconds": elapsed, "resolution_target": target}


def _opened(f: TicketFacts, e: ev.TicketOpened, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(
        update={"opened_at": e.at, "priority": str(e.priority), "category": e.category, "channel": str(e.channel)}
    )


def _acknowledged(f: TicketFacts, e: ev.TicketAcknowledged, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update=_responded(f, e.at, desk))


def _assigned(f: TicketFacts, e: ev.TicketAssigned, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"assignments": f.assignments + 1, "group": e.group or ""})


def _commented(f: TicketFacts, e: ev.CommentAdded, env: Envelope, desk: Desk) -> TicketFacts:
    public_reply = e.by_agent and e.visibility is ev.Visibility.PUBLIC
    return f.model_copy(update=_responded(f, e.at, desk)) if public_reply else f


def _paused(f: TicketFacts, e: ev.InformationRequested, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(
        update={
            "pauses": (*f.pauses, (e.at, None)),
            **_responded(f, e.at, desk),
            "information_requests": f.information_requests + 1,
        }
    )


def _resumed(f: TicketFacts, e: ev.InformationProvided, env: Envelope, desk: Desk) -> TicketFacts:
    if not f.pauses:
        return f
    return f.model_copy(update={"pauses": (*f.pauses[:-1], (f.pauses[-1][0], e.at))})


def _escalated(f: TicketFacts, e: ev.TicketEscalated, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"escalations": f.escalations + 1, "group": e.group or f.group})


def _reprioritised(f: TicketFacts, e: ev.PriorityChanged, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"priority": str(e.priority)})


def _resolved(f: TicketFacts, e: ev.TicketResolved, env: Envelope, desk: Desk) -> TicketFacts:
    pauses = f.pauses if not f.pauses or f.pauses[-1][1] else (*f.pauses[:-1], (f.pauses[-1][0], e.at))
    f = f.model_copy(update={"pauses": pauses})
    return f.model_copy(
        update={
            "resolved_at": e.at,
            "first_resolved_at": f.first_resolved_at or e.at,
            **_responded(f, e.at, desk),
            **_resolution_clock(f, e.at, desk),
        }
    )


def _closed(f: TicketFacts, e: ev.TicketClosed, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"closed_at": e.at})


def _reopened(f: TicketFacts, e: ev.TicketReopened, env: Envelope, desk: Desk) -> TicketFacts:
    spans = (*f.unresolved_spans, (f.resolved_at, e.at)) if f.resolved_at else f.unresolved_spans
    return f.model_copy(
        update={
            "unresolved_spans": spans,
            "resolved_at": None,
            "closed_at": None,
            "resolution_seconds": None,
            "resolution_target": None,
        }
    )


def _cancelled(f: TicketFacts, e: ev.TicketCancelled, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"cancelled_at": e.at})


def _rated(f: TicketFacts, e: ev.SatisfactionRecorded, env: Envelope, desk: Desk) -> TicketFacts:
    return f.model_copy(update={"satisfaction": e.score, "satisfaction_at": e.at})


FOLDS = {
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
}


# --- what each desk KPI counts of a ticket ---------------------------------------------------------------------


def _day(f: TicketFacts, at: datetime | None) -> date | None:
    return local_day(at, f.timezone) if at is not None else None


def first_contact_resolution(f: TicketFacts, reopen_window_days: int | None) -> bool:
    """As the tickets service's flag, with a reopening after `reopen_window_days` (if given) not held against it."""
    window = timedelta(days=reopen_window_days) if reopen_window_days is not None else None
    returned = any(window is None or reopened - resolved <= window for resolved, reopened in f.unresolved_spans)
    return (
        f.resolved_at is not None
        and f.assignments <= 1
        and f.escalations == 0
        and f.information_requests == 0
        and not returned
    )


def open_spans(f: TicketFacts) -> list[tuple[datetime, datetime | None]]:
    """When the ticket was in the backlog: from opening (or a reopening) to resolution or cancellation."""
    starts = [f.opened_at, *(reopened for _, reopened in f.unresolved_spans)]
    ends = [resolved for resolved, _ in f.unresolved_spans] + [f.resolved_at or f.cancelled_at]
    return list(zip(starts, ends, strict=True))


def _backlog(f: TicketFacts, kpi) -> list[Item]:
    """Each open stretch, cut where the ticket's age moves it from one bucket to the next."""
    if f.opened_at is None:
        return []
    opened = _day(f, f.opened_at)
    uppers = [*(opened + timedelta(days=low) for low, _ in AGE_BUCKETS[1:]), None]
    counts: list[Item] = []
    for start, end in open_spans(f):
        first, last = _day(f, start), _day(f, end)
        for (low, label), upper in zip(AGE_BUCKETS, uppers, strict=True):
            counts += span(max(first, opened + timedelta(days=low)), _earliest(last, upper), part=label)
    return counts


def _earliest(*days: date | None) -> date | None:
    """The earliest of the days given; None (never) if none is."""
    return min((day for day in days if day is not None), default=None)


def _once(day: date | None, total=1, part: str = "") -> list[Item]:
    return [Count(day, 1, total, part)] if day is not None else []


def _sample(day: date | None, seconds: float | None) -> list[Item]:
    return [Sample(day, millis(seconds))] if day is not None and seconds is not None else []


def _met(f: TicketFacts, clock: str) -> list[Item]:
    """A stopped clock is met when its business time did not exceed the target (as `sla.clock_view` judges it)."""
    elapsed, target = getattr(f, f"{clock}_seconds"), getattr(f, f"{clock}_target")
    if elapsed is None or target is None:
        return []
    return _once(_day(f, f.responded_at if clock == "response" else f.resolved_at), int(elapsed <= target), clock)


CONTRIBUTIONS = {
    "desk.tickets-opened": lambda f, kpi: _once(_day(f, f.opened_at)),
    "desk.tickets-closed": lambda f, kpi: _once(_day(f, f.closed_at)),
    "desk.backlog": _backlog,
    "desk.time-to-acknowledge": lambda f, kpi: (
        _once(_day(f, f.responded_at), millis(f.response_seconds)) if f.response_seconds is not None else []
    ),
    "desk.time-to-acknowledge-median": lambda f, kpi: _sample(_day(f, f.responded_at), f.response_seconds),
    "desk.time-to-resolve": lambda f, kpi: (
        _once(_day(f, f.resolved_at), millis(f.resolution_seconds)) if f.resolution_seconds is not None else []
    ),
    "desk.time-to-resolve-median": lambda f, kpi: _sample(_day(f, f.resolved_at), f.resolution_seconds),
    "desk.sla-compliance": lambda f, kpi: [*_met(f, "response"), *_met(f, "resolution")],
    "desk.first-contact-resolution": lambda f, kpi: _once(
        _day(f, f.resolved_at), int(first_contact_resolution(f, kpi.params["reopen_window_days"]))
    ),
    "desk.reopen-rate": lambda f, kpi: _once(_day(f, f.first_resolved_at), int(f.reopens > 0)),
    "desk.reassignments-per-ticket": lambda f, kpi: _once(
        _day(f, f.resolved_at), max(f.assignments - 1, 0) + f.escalations
    ),
    "desk.satisfaction": lambda f, kpi: _once(_day(f, f.satisfaction_at), f.satisfaction or 0),
}


_RESPONSE, _RESOLUTION = ("responded_at", "response_seconds"), ("resolved_at", "resolution_seconds")
READS = {
    "desk.tickets-opened": ("opened_at",),
    "desk.tickets-closed": ("closed_at",),
    "desk.backlog": ("opened_at", "unresolved_spans", "resolved_at", "cancelled_at"),
    "desk.time-to-acknowledge": _RESPONSE,
    "desk.time-to-acknowledge-median": _RESPONSE,
    "desk.time-to-resolve": _RESOLUTION,
    "desk.time-to-resolve-median": _RESOLUTION,
    "desk.sla-compliance": (*_RESPONSE, "response_target", *_RESOLUTION, "resolution_target"),
    "desk.first-contact-resolution": (
        "resolved_at", "assignments", "escalations", "information_requests", "unresolved_spans"),
    "desk.reopen-rate": ("first_resolved_at", "unresolved_spans"),
    "desk.reassignments-per-ticket": ("resolved_at", "assignments", "escalations"),
    "desk.satisfaction": ("satisfaction_at", "satisfaction"),
}  # fmt: skip


def _members(f: TicketFacts) -> dict[str, str]:
    return {"all": "", "priority": f.priority, "category": f.category, "channel": f.channel, "group": f.group}


TICKETS = Kind(
    "ticket",
    TicketFacts,
    {cls.event_type: fold for cls, fold in FOLDS.items()},
    entities=lambda event, envelope: [envelope.subject],
    contributions=CONTRIBUTIONS,
    members=_members,
    reads={kpi: frozenset(fields) for kpi, fields in READS.items()},
)
