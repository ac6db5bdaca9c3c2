"""The work-order decider: commands, state, and the pure functions decide and evolve."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from events.base import Event
from events.contracts.work_orders import (
    PartsUsed,
    PartUsed,
    RepairLogged,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderKind,
    WorkOrderScheduled,
    WorkOrderStarted,
    WorkTimeLogged,
)
from events.decider import Decider
from events.errors import NotFound
from tickets.domain.errors import (
    WorkOrderAlreadyExists,
    WorkOrderAlreadyStarted,
    WorkOrderBookedForAnother,
    WorkOrderHasNoDevice,
    WorkOrderNotOpen,
    WorkOrderNotStarted,
)


# created -> (scheduled) -> started -> completed, or cancelled while open. An unscheduled order may be
# started (break-fix at the desk needs no appointment) and whoever starts it becomes its technician;
# a scheduled one only by the technician booked, so a handover is always recorded: scheduling again
# before the start reassigns the order or moves the visit.
class Status(StrEnum):
    NONE = "none"
    CREATED = "created"
    SCHEDULED = "scheduled"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN = frozenset({Status.CREATED, Status.SCHEDULED, Status.STARTED})


@dataclass(frozen=True)
class WorkOrder:
    status: Status = Status.NONE
    work_order_id: UUID | None = None
    title: str = ""
    description: str = ""
    kind: WorkOrderKind = WorkOrderKind.CORRECTIVE
    ticket_id: UUID | None = None
    device_id: UUID | None = None
    schedule_id: UUID | None = None
    occurrence: date | None = None  # the schedule's due date, for preventive orders
    technician_id: str | None = None
    scheduled_for: datetime | None = None
    minutes: int = 0
    parts: tuple[PartUsed, ...] = ()
    repairs: tuple[UUID, ...] = ()
    summary: str = ""
    cancel_reason: str = ""


NO_WORK_ORDER = WorkOrder()


@dataclass(frozen=True)
class CreateWorkOrder:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    title: str
    description: str = ""
    kind: WorkOrderKind = WorkOrderKind.CORRECTIVE
    ticket_id: UUID | None = None
    device_id: UUID | None = None
    schedule_id: UUID | None = None
    occurrence: date | None = None


@dataclass(frozen=True)
class ScheduleWorkOrder:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    technician_id: str
    scheduled_for: datetime


@dataclass(frozen=True)
class StartWorkOrder:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    technician_id: str


@dataclass(frozen=True)
class LogWorkTime:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    technician_id: str
    minutes: int
    note: str = ""


@dataclass(frozen=True)
class RecordPartsUsed:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    technician_id: str
    parts: tuple[PartUsed, ...]


@dataclass(frozen=True)
class CompleteWorkOrder:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    summary: str


@dataclass(frozen=True)
class CancelWorkOrder:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    reason: str


@dataclass(frozen=True)
class LogRepair:
    at: datetime = field(kw_only=True)
    work_order_id: UUID
    repair_id: UUID
    technician_id: str
    fault: str
    action: str
    parts: tuple[PartUsed, ...] = ()
    minutes: int = 0


Command = (CreateWorkOrder | ScheduleWorkOrder | StartWorkOrder | LogWorkTime | RecordPartsUsed
           | CompleteWorkOrder | CancelWorkOrder | LogRepair)


def _must_exist_and_be_open(state: WorkOrder, command: Command) -> None:
    if state.status is Status.NONE:
        raise NotFound(f"no work order {command.work_order_id}")
    if state.status not in OPEN:
        raise WorkOrderNotOpen(f"work order {state.work_order_id} is {state.status}: only open work orders change")


def _require_not_started(state: WorkOrder) -> None:
    if state.status is Status.STARTED:
        raise WorkOrderAlreadyStarted(
            f"work order {state.work_order_id} is already started: schedule and start only before work begins")


def _require_started(state: WorkOrder, what: str) -> None:
    if state.status is not Status.STARTED:
        raise WorkOrderNotStarted(f"work order {state.work_order_id} is {state.status}: {what} needs a started order")


def _create(state: WorkOrder, c: CreateWorkOrder) -> list[Event]:
    if state.status is not Status.NONE:
        raise WorkOrderAlreadyExists(f"work order {c.work_order_id} already exists")
    return [WorkOrderCreated(work_order_id=c.work_order_id, title=c.title, description=c.description, kind=c.kind,
                             ticket_id=c.ticket_id, device_id=c.device_id, schedule_id=c.schedule_id,
                             occurrence=c.occurrence, at=c.at)]


def _schedule(state: WorkOrder, c: ScheduleWorkOrder) -> list[Event]:
    _require_not_started(state)
    return [WorkOrderScheduled(work_order_id=c.work_order_id, technician_id=c.technician_id,
                               scheduled_for=c.scheduled_for, at=c.at)]


def _start(state: WorkOrder, c: StartWorkOrder) -> list[Event]:
    _require_not_started(state)
    if state.status is Status.SCHEDULED and state.technician_id != c.technician_id:
        raise WorkOrderBookedForAnother(
            f"work order {state.work_order_id} is booked for {state.technician_id}: only they start it; schedule it"
            f" for {c.technician_id} first to hand it over")
    return [WorkOrderStarted(work_order_id=c.work_order_id, technician_id=c.technician_id, at=c.at)]


def _log_time(state: WorkOrder, c: LogWorkTime) -> list[Event]:
    return [WorkTimeLogged(work_order_id=c.work_order_id, technician_id=c.technician_id, minutes=c.minutes,
                           note=c.note, at=c.at)]


def _use_parts(state: WorkOrder, c: RecordPartsUsed) -> list[Event]:
    return [PartsUsed(work_order_id=c.work_order_id, technician_id=c.technician_id, parts=c.parts, at=c.at)]


def _complete(state: WorkOrder, c: CompleteWorkOrder) -> list[Event]:
    _require_started(state, "completing")
    return [WorkOrderCompleted(work_order_id=c.work_order_id, summary=c.summary, at=c.at)]


def _cancel(state: WorkOrder, c: CancelWorkOrder) -> list[Event]:
    return [WorkOrderCancelled(work_order_id=c.work_order_id, reason=c.reason, at=c.at)]


def _repair(state: WorkOrder, c: LogRepair) -> list[Event]:
    _require_started(state, "logging a repair")
    if state.device_id is None:
        raise WorkOrderHasNoDevice(f"work order {state.work_order_id} names no device: repairs are logged on a device")
    return [RepairLogged(repair_id=c.repair_id, device_id=state.device_id, ticket_id=state.ticket_id,
                         work_order_id=c.work_order_id, technician_id=c.technician_id, fault=c.fault,
                         action=c.action, parts=c.parts, minutes=c.minutes, at=c.at)]


_DECIDERS = {
    CreateWorkOrder: _create, ScheduleWorkOrder: _schedule, StartWorkOrder: _start, LogWorkTime: _log_time,
    RecordPartsUsed: _use_parts, CompleteWorkOrder: _complete, CancelWorkOrder: _cancel, LogRepair: _repair,
}


def _created(state: WorkOrder, e: WorkOrderCreated) -> WorkOrder:
    return replace(state, status=Status.CREATED, **e.model_dump(exclude={"at"}))


def _scheduled(state: WorkOrder, e: WorkOrderScheduled) -> WorkOrder:
    return replace(state, status=Status.SCHEDULED, technician_id=e.technician_id, scheduled_for=e.scheduled_for)


def _started(state: WorkOrder, e: WorkOrderStarted) -> WorkOrder:
    return replace(state, status=Status.STARTED, technician_id=e.technician_id)


def _time_logged(state: WorkOrder, e: WorkTimeLogged) -> WorkOrder:
    return replace(state, minutes=state.minutes + e.minutes)


def _parts_used(state: WorkOrder, e: PartsUsed) -> WorkOrder:
    return replace(state, parts=state.parts + e.parts)


def _repaired(state: WorkOrder, e: RepairLogged) -> WorkOrder:
    # A repair's time and parts count toward the order: technicians log them once, with the repair.
    return replace(state, minutes=state.minutes + e.minutes, parts=state.parts + e.parts,
                   repairs=(*state.repairs, e.repair_id))


def _completed(state: WorkOrder, e: WorkOrderCompleted) -> WorkOrder:
    return replace(state, status=Status.COMPLETED, summary=e.summary)


def _cancelled(state: WorkOrder, e: WorkOrderCancelled) -> WorkOrder:
    return replace(state, status=Status.CANCELLED, cancel_reason=e.reason)


_EVOLVERS = {
    WorkOrderCreated: _created, WorkOrderScheduled: _scheduled, WorkOrderStarted: _started,
    WorkTimeLogged: _time_logged, PartsUsed: _parts_used, RepairLogged: _repaired, WorkOrderCompleted: _completed,
    WorkOrderCancelled: _cancelled,
}

WORK_ORDER = Decider(initial=NO_WORK_ORDER, evolvers=_EVOLVERS, deciders=_DECIDERS,
                     precondition=_must_exist_and_be_open, creates=(CreateWorkOrder,))
