"""A tenant's desk policy: its calendar, SLA targets per priority (and category), categories and windows."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from events.base import Event
from events.contracts.tickets import CalendarDocument, DeskPolicyChanged, Level, Priority, SlaTarget
from events.decider import Decider
from events.errors import Unprocessable
from tickets.domain.calendar import BusinessCalendar, calendar_from_dict

STANDARD_CATEGORIES = (
    "hardware", "software", "network", "account_access", "password_reset", "security", "training_request", "other",
)

DEFAULT_CALENDAR = CalendarDocument(
    timezone="America/Toronto",
    hours={day: [("08:30", "16:30")] for day in ("mon", "tue", "wed", "thu", "fri")},
)

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


# Business minutes; a working day is 8 hours.
DEFAULT_TARGETS = {
    Priority.P1: SlaTarget(response_minutes=15, resolution_minutes=4 * 60),
    Priority.P2: SlaTarget(response_minutes=60, resolution_minutes=8 * 60),
    Priority.P3: SlaTarget(response_minutes=4 * 60, resolution_minutes=3 * 8 * 60),
    Priority.P4: SlaTarget(response_minutes=8 * 60, resolution_minutes=5 * 8 * 60),
}


@dataclass(frozen=True)
class DeskPolicy:
    calendar_document: CalendarDocument = DEFAULT_CALENDAR
    targets: dict[Priority, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    category_targets: dict[str, dict[Priority, SlaTarget]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    auto_close_business_days: int = 3
    reopen_window_days: int = 10

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return _calendar(self.calendar_document)

    @property
    def all_categories(self) -> tuple[str, ...]:
        return (*STANDARD_CATEGORIES, *(c for c in self.categories if c not in STANDARD_CATEGORIES))

    def target(self, priority: Priority, category: str) -> SlaTarget:
        """A category's own target for the priority wins over the priority's."""
        return self.category_targets.get(category, {}).get(priority) or self.targets[priority]


_calendars: dict[str, BusinessCalendar] = {}


def _calendar(document: CalendarDocument) -> BusinessCalendar:
    # Every request on a ticket needs the calendar; build each distinct one once.
    key = document.model_dump_json()
    if key not in _calendars:
        _calendars[key] = calendar_from_dict(document.model_dump(mode="json"))
    return _calendars[key]


DEFAULT_POLICY = DeskPolicy()


def policy_from(event: DeskPolicyChanged) -> DeskPolicy:
    return DeskPolicy(
        calendar_document=event.calendar, targets=dict(event.targets), category_targets=dict(event.category_targets),
        categories=tuple(event.categories), auto_close_business_days=event.auto_close_business_days,
        reopen_window_days=event.reopen_window_days,
    )


@dataclass(frozen=True)
class SetDeskPolicy:
    """A manager replaces the tenant's policy whole."""

    policy: DeskPolicy
    at: datetime


def check_policy(p: DeskPolicy) -> None:
    """Refuse (422, naming the field) targets that cannot all hold or that name a category the desk does not have."""
    if missing := [priority for priority in Priority if priority not in p.targets]:
        raise Unprocessable("targets", f"every priority needs a target; missing {', '.join(missing)}")
    if unknown := [category for category in p.category_targets if category not in p.all_categories]:
        raise Unprocessable(f"category_targets.{unknown[0]}", f"{unknown[0]!r} is neither a standard category nor"
                            " one of the policy's own categories")
    for where, target in _every_target(p):
        if target.response_minutes > target.resolution_minutes:
            raise Unprocessable(f"{where}.response_minutes", f"{target.response_minutes} minutes to respond is longer"
                                f" than the {target.resolution_minutes} minutes to resolve")


def _every_target(p: DeskPolicy):
    yield from ((f"targets.{priority}", target) for priority, target in p.targets.items())
    for category, targets in p.category_targets.items():
        yield from ((f"category_targets.{category}.{priority}", target) for priority, target in targets.items())


def _set(state: DeskPolicy, c: SetDeskPolicy) -> list[Event]:
    p = c.policy
    check_policy(p)
    return [DeskPolicyChanged(calendar=p.calendar_document, targets=p.targets, category_targets=p.category_targets,
                              categories=list(p.categories), auto_close_business_days=p.auto_close_business_days,
                              reopen_window_days=p.reopen_window_days, at=c.at)]


def _changed(state: DeskPolicy, e: DeskPolicyChanged) -> DeskPolicy:
    return policy_from(e)


DESK_POLICY = Decider(initial=DEFAULT_POLICY, evolvers={DeskPolicyChanged: _changed}, deciders={SetDeskPolicy: _set},
                      creates=(SetDeskPolicy,))
