"""Training facts from the training events (each delivery, each orientation owed) and what the training KPIs count:
hours and people from `TrainingDelivered`, the one fact training is counted from; orientation against its due date."""

from datetime import date, datetime
from decimal import Decimal

from events.contracts import training as ev
from events.envelope import Envelope
from metrics.kpis.series import Count, Desk, Facts, Item, Kind, Sample, local_day


class DeliveryFacts(Facts):
    delivered_at: datetime | None = None
    person_id: str = ""
    hours: Decimal = Decimal(0)


class OrientationFacts(Facts):
    due_on: date | None = None  # a local date, as the training service set it
    within_due: bool | None = None  # None until held


def _delivered(f: DeliveryFacts, e: ev.TrainingDelivered, env: Envelope, desk: Desk) -> DeliveryFacts:
    return f.model_copy(update={"delivered_at": e.at, "person_id": e.person_id, "hours": e.hours})


def _owed(f: OrientationFacts, e: ev.OrientationOwed, env: Envelope, desk: Desk) -> OrientationFacts:
    return f.model_copy(update={"due_on": e.due_on})


def _held(f: OrientationFacts, e: ev.OrientationCompleted, env: Envelope, desk: Desk) -> OrientationFacts:
    return f.model_copy(update={"due_on": f.due_on or e.due_on, "within_due": e.within_due})


def _hours(f: DeliveryFacts, kpi) -> list[Item]:
    """In hundredths of an hour (the most decimals a delivery has): integer sums."""
    return [Count(local_day(f.delivered_at, f.timezone), 1, int(f.hours * 100))] if f.delivered_at else []


def _people(f: DeliveryFacts, kpi) -> list[Item]:
    if f.delivered_at is None:
        return []
    return [Sample(local_day(f.delivered_at, f.timezone), float(f.hours), who=f.person_id)]


def _orientation(f: OrientationFacts, kpi) -> list[Item]:
    """Counted on its due date: held within it, or not (held late, or not yet held)."""
    return [Count(f.due_on, 1, int(bool(f.within_due)))] if f.due_on else []


DELIVERIES = Kind(
    "delivery",
    DeliveryFacts,
    {ev.TrainingDelivered.event_type: _delivered},
    entities=lambda event, envelope: [str(event.delivery_id)],
    contributions={"training.hours": _hours, "training.people-trained": _people},
)
ORIENTATIONS = Kind(
    "orientation",
    OrientationFacts,
    {ev.OrientationOwed.event_type: _owed, ev.OrientationCompleted.event_type: _held},
    entities=lambda event, envelope: [str(event.orientation_id)],
    contributions={"training.orientation-within-due": _orientation},
)
