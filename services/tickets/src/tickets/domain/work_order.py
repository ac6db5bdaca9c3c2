"""The work-order decider: commands, state, refusals, and the pure functions decide and evolve."""

from collections.abc import Callable
from dataclasses import dataclass, replace
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
from tickets.domain.errors import NotFound, TicketsError


class WorkOrderAlreadyExists(TicketsError):
    pass


class WorkOrderNotOpen(TicketsError):
    pass


class WorkOrderAlreadyStarted(TicketsError):
    pass


class WorkOrderNotStarted(TicketsError):
    pass


class WorkOrderHasNoDevice(TicketsError):
    pass


# created -> (scheduled) -> started -> completed, or cancelled while open. An unscheduled order may be
# started (break-fix at the desk needs no appointment) and whoever starts it becomes its technician;
# scheduling again before the start reassigns the order or moves the visit.
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
    work_order_id: UUID
    technician_id: str
    scheduled_for: datetime


@dataclass(frozen=True)
class StartWorkOrder:
    work_order_id: UUID
    technician_id: str


@dataclass(frozen=True)
class LogWorkTime:
    work_order_id: UUID
    technician_id: str
    minutes: int
    note: str = ""


@dataclass(frozen=True)
class RecordPartsUsed:
    work_order_id: UUID
    technician_id: str
    parts: tuple[PartUsed, ...]


@dataclass(frozen=True)
class CompleteWorkOrder:
    work_order_id: UUID
    summary: str


@dataclass(frozen=True)
class CancelWorkOrder:
    work_order_id: UUID
    reason: str


@dataclass(frozen=True)
class LogRepair:
    work_order_id: UUID
    repair_id: UUID
    technician_id: str
    fault: str
    action: str
    parts: tuple[PartUsed, ...] = ()
    minutes: int = 0


Command = (CreateWorkOrder | ScheduleWorkOrder | StartWorkOrder | LogWorkTime | RecordPartsUsed
           | CompleteWorkOrder | CancelWorkOrder | LogRepair)


def decide(state: WorkOrder, command: Command) -> list[Event]:
    if isinstance(command, CreateWorkOrder):
        return _create(state, command)
    if state.status is Status.NONE:
        raise NotFound(f"no work order {command.work_order_id}")
    _require_open(state)
    return _DECIDERS[type(command)](state, command)


def decide_all(state: WorkOrder, commands: list[Command]) -> list[Event]:
    """Several commands in a row (create and book a preventive order), each on the state the last one left."""
    events: list[Event] = []
    for command in commands:
        decided = decide(state, command)
        state, events = fold(decided, state), events + decided
    return events


def _require_open(state: WorkOrder) -> None:
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
                             occurrence=c.occurrence)]


def _schedule(state: WorkOrder, c: ScheduleWorkOrder) -> list[Event]:
    _require_not_started(state)
    return [WorkOrderScheduled(work_order_id=c.work_order_id, technician_id=c.technician_id,
                               scheduled_for=c.scheduled_for)]


def _start(state: WorkOrder, c: StartWorkOrder) -> list[Event]:
    _require_not_started(state)
    return [WorkOrderStarted(work_order_id=c.work_order_id, technician_id=c.technician_id)]


def _log_time(state: WorkOrder, c: LogWorkTime) -> list[Event]:
    return [WorkTimeLogged(work_order_id=c.work_order_id, technician_id=c.technician_id, minutes=c.minutes,
                           note=c.note)]


def _use_parts(state: WorkOrder, c: RecordPartsUsed) -> list[Event]:
    return [PartsUsed(work_order_id=c.work_order_id, technician_id=c.technician_id, parts=c.parts)]


def _complete(state: WorkOrder, c: CompleteWorkOrder) -> list[Event]:
    _require_started(state, "completing")
    return [WorkOrderCompleted(work_order_id=c.work_order_id, summary=c.summary)]


def _cancel(state: WorkOrder, c: CancelWorkOrder) -> list[Event]:
    return [WorkOrderCancelled(work_order_id=c.work_order_id, reason=c.reason)]


def _repair(state: WorkOrder, c: LogRepair) -> list[Event]:
    _require_started(state, "logging a repair")
    if state.device_id is None:
        raise WorkOrderHasNoDevice(f"work order {state.work_order_id} names no device: repairs are logged on a device")
    return [RepairLogged(repair_id=c.repair_id, device_id=state.device_id, ticket_id=state.ticket_id,
                         work_order_id=c.work_order_id, technician_id=c.technician_id, fault=c.fault,
                         action=c.action, parts=c.parts, minutes=c.minutes)]


_DECIDERS: dict[type, Callable[[WorkOrder, Command], list[Event]]] = {
    ScheduleWorkOrder: _schedule, StartWorkOrder: _start, LogWorkTime: _log_time, RecordPartsUsed: _use_parts,
    CompleteWorkOrder: _complete, CancelWorkOrder: _cancel, LogRepair: _repair,
}


def evolve(state: WorkOrder, event: Event) -> WorkOrder:
    match event:
        case WorkOrderCreated():
            return replace(state, status=Status.CREATED, **event.model_dump())
        case WorkOrderScheduled():
            return replace(state, status=Status.SCHEDULED, technician_id=event.technician_id,
                           scheduled_for=event.scheduled_for)
        case WorkOrderStarted():
            return replace(state, status=Status.STARTED, technician_id=event.technician_id)
        case WorkTimeLogged():
            return replace(state, minutes=state.minutes + event.minutes)
        case PartsUsed():
            return replace(state, parts=state.parts + event.parts)
        case RepairLogged():
            # A repair's time and parts count toward the order: technicians log them once, with the repair.
            return replace(state, minutes=state.minutes + event.minutes, parts=state.parts + event.parts,
                           repairs=(*state.repairs, event.repair_id))
        case WorkOrderCompleted():
            return replace(state, status=Status.COMPLETED, summary=event.summary)
        case WorkOrderCancelled():
            return replace(state, status=Status.CANCELLED, cancel_reason=event.reason)
    return state


def fold(events: list[Event], state: WorkOrder = NO_WORK_ORDER) -> WorkOrder:
    for event in events:
        state = evolve(state, event)
    return state
