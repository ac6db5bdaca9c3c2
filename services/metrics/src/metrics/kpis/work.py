"""Work-order facts from the tickets service's work-order events, and what the work KPIs count of them."""

from datetime import datetime

from events.contracts import work_orders as ev
from events.envelope import Envelope
from metrics.kpis.series import Count, Desk, Facts, Item, Kind, local_day


class WorkOrderFacts(Facts):
    completed_at: datetime | None = None
    time_logged: tuple[tuple[datetime, int], ...] = ()  # (when, minutes) per entry


def _completed(f: WorkOrderFacts, e: ev.WorkOrderCompleted, env: Envelope, desk: Desk) -> WorkOrderFacts:
    return f.model_copy(update={"completed_at": e.at})


def _logged(f: WorkOrderFacts, e: ev.WorkTimeLogged, env: Envelope, desk: Desk) -> WorkOrderFacts:
    return f.model_copy(update={"time_logged": (*f.time_logged, (e.at, e.minutes))})


def _orders_completed(f: WorkOrderFacts, kpi) -> list[Item]:
    return [Count(local_day(f.completed_at, f.timezone))] if f.completed_at else []


def _minutes_logged(f: WorkOrderFacts, kpi) -> list[Item]:
    return [Count(local_day(at, f.timezone), 1, minutes) for at, minutes in f.time_logged]


WORK_ORDERS = Kind(
    "work_order",
    WorkOrderFacts,
    {ev.WorkOrderCompleted.event_type: _completed, ev.WorkTimeLogged.event_type: _logged},
    entities=lambda event, envelope: [str(event.work_order_id)],
    contributions={"work.orders-completed": _orders_completed, "work.hours-logged": _minutes_logged},
)
