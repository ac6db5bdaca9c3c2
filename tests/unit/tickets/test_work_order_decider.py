"""The work-order decider, given / when / then, without I/O."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

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
from events.errors import NotFound
from events.testing import given
from tickets.domain.errors import (
    WorkOrderAlreadyExists,
    WorkOrderAlreadyStarted,
    WorkOrderBookedForAnother,
    WorkOrderHasNoDevice,
    WorkOrderNotOpen,
    WorkOrderNotStarted,
)
from tickets.domain.work_order import (
    WORK_ORDER,
    CancelWorkOrder,
    CompleteWorkOrder,
    CreateWorkOrder,
    LogRepair,
    LogWorkTime,
    RecordPartsUsed,
    ScheduleWorkOrder,
    StartWorkOrder,
    Status,
)

ID, TICKET, DEVICE = uuid4(), uuid4(), uuid4()
FRIDAY = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)  # when the order is written up
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the visit
TONER = PartUsed(part="toner cartridge", quantity=2, unit_cost=Decimal("49.90"))


def at(minutes: int) -> datetime:
    return MONDAY + timedelta(minutes=minutes)


CREATED = WorkOrderCreated(work_order_id=ID, title="Replace fuser", description="3rd floor printer",
                           kind=WorkOrderKind.CORRECTIVE, ticket_id=TICKET, device_id=DEVICE, at=FRIDAY)
SCHEDULED = WorkOrderScheduled(work_order_id=ID, technician_id="tom", scheduled_for=MONDAY, at=FRIDAY)
STARTED = WorkOrderStarted(work_order_id=ID, technician_id="tom", at=at(0))
COMPLETED = WorkOrderCompleted(work_order_id=ID, summary="Fuser replaced", at=at(60))
CANCELLED = WorkOrderCancelled(work_order_id=ID, reason="Printer retired", at=at(5))

HISTORIES = {"created": [CREATED], "scheduled": [CREATED, SCHEDULED], "started": [CREATED, SCHEDULED, STARTED]}
CLOSED = {"completed": [CREATED, STARTED, COMPLETED], "cancelled": [CREATED, CANCELLED]}


def repair(**overrides) -> LogRepair:
    fields = dict(work_order_id=ID, repair_id=uuid4(), technician_id="tom", fault="Fuser worn", action="Replaced fuser",
                  parts=(TONER,), minutes=45, at=at(50))
    return LogRepair(**{**fields, **overrides})


EVERY_CHANGE = [
    ScheduleWorkOrder(ID, "tom", MONDAY, at=at(70)), StartWorkOrder(ID, "tom", at=at(70)),
    LogWorkTime(ID, "tom", 10, at=at(70)), RecordPartsUsed(ID, "tom", (TONER,), at=at(70)),
    CompleteWorkOrder(ID, "done", at=at(70)), CancelWorkOrder(ID, "no longer needed", at=at(70)), repair(),
]


def test_creating_a_work_order_records_it_as_created():
    command = CreateWorkOrder(ID, "Replace fuser", "3rd floor printer", ticket_id=TICKET, device_id=DEVICE, at=FRIDAY)
    given(WORK_ORDER).then(command, CREATED)
    order = given(WORK_ORDER, CREATED).state
    assert (order.status, order.ticket_id, order.device_id, order.kind) == (
        Status.CREATED, TICKET, DEVICE, WorkOrderKind.CORRECTIVE)


def test_a_work_order_cannot_be_created_twice():
    given(WORK_ORDER, CREATED).refuses(CreateWorkOrder(ID, "Again", at=at(1)), WorkOrderAlreadyExists,
                                       match="already exists")


@pytest.mark.parametrize("command", EVERY_CHANGE, ids=lambda c: type(c).__name__)
def test_every_change_to_an_unknown_work_order_is_not_found(command):
    given(WORK_ORDER).refuses(command, NotFound, match=str(ID))


def test_scheduling_books_a_technician_for_a_time():
    given(WORK_ORDER, CREATED).then(ScheduleWorkOrder(ID, "tom", MONDAY, at=FRIDAY), SCHEDULED)
    order = given(WORK_ORDER, CREATED, SCHEDULED).state
    assert (order.status, order.technician_id, order.scheduled_for) == (Status.SCHEDULED, "tom", MONDAY)


def test_scheduling_again_before_the_start_reassigns_the_order():
    rescheduled = WorkOrderScheduled(work_order_id=ID, technician_id="ann", scheduled_for=MONDAY, at=at(-30))
    given(WORK_ORDER, CREATED, SCHEDULED).then(ScheduleWorkOrder(ID, "ann", MONDAY, at=at(-30)), rescheduled)
    order = given(WORK_ORDER, CREATED, SCHEDULED, rescheduled).state
    assert (order.status, order.technician_id) == (Status.SCHEDULED, "ann")


def test_a_started_order_cannot_be_scheduled_again():
    given(WORK_ORDER, *HISTORIES["started"]).refuses(ScheduleWorkOrder(ID, "ann", MONDAY, at=at(1)),
                                                     WorkOrderAlreadyStarted, match="only before work begins")


def test_a_scheduled_order_is_started_by_the_technician_booked_and_refused_to_another():
    given(WORK_ORDER, CREATED, SCHEDULED).then(StartWorkOrder(ID, "tom", at=at(0)), STARTED)
    given(WORK_ORDER, CREATED, SCHEDULED).refuses(StartWorkOrder(ID, "ann", at=at(0)), WorkOrderBookedForAnother,
                                                  match="booked for tom: only they start it; schedule it for ann")


def test_a_handover_is_scheduled_first_and_then_its_new_technician_starts_the_order():
    handover = WorkOrderScheduled(work_order_id=ID, technician_id="ann", scheduled_for=MONDAY, at=at(-5))
    started = WorkOrderStarted(work_order_id=ID, technician_id="ann", at=at(0))
    given(WORK_ORDER, CREATED, SCHEDULED, handover).then(StartWorkOrder(ID, "ann", at=at(0)), started)
    order = given(WORK_ORDER, CREATED, SCHEDULED, handover, started).state
    assert (order.status, order.technician_id) == (Status.STARTED, "ann")


def test_an_unscheduled_order_can_be_started_by_the_technician_at_hand():
    given(WORK_ORDER, CREATED).then(StartWorkOrder(ID, "tom", at=at(0)), STARTED)


def test_an_order_cannot_be_started_twice():
    given(WORK_ORDER, *HISTORIES["started"]).refuses(StartWorkOrder(ID, "tom", at=at(1)), WorkOrderAlreadyStarted,
                                                     match="already started")


@pytest.mark.parametrize("history", HISTORIES)
def test_time_and_parts_are_logged_on_any_open_order(history):
    logged = WorkTimeLogged(work_order_id=ID, technician_id="tom", minutes=30, note="diagnosis", at=at(30))
    used = PartsUsed(work_order_id=ID, technician_id="tom", parts=(TONER,), at=at(31))
    order = given(WORK_ORDER, *HISTORIES[history])
    order.then(LogWorkTime(ID, "tom", 30, "diagnosis", at=at(30)), logged)
    order.then(RecordPartsUsed(ID, "tom", (TONER,), at=at(31)), used)
    after = given(WORK_ORDER, *HISTORIES[history], logged, logged, used).state
    assert (after.minutes, after.parts, after.status) == (60, (TONER,), order.state.status)


@pytest.mark.parametrize("history", ["created", "scheduled"])
def test_completing_needs_a_started_order(history):
    given(WORK_ORDER, *HISTORIES[history]).refuses(CompleteWorkOrder(ID, "done", at=at(60)), WorkOrderNotStarted,
                                                   match="completing needs a started order")


def test_completing_a_started_order_closes_it_with_a_summary():
    given(WORK_ORDER, *HISTORIES["started"]).then(CompleteWorkOrder(ID, "Fuser replaced", at=at(60)), COMPLETED)
    order = given(WORK_ORDER, *HISTORIES["started"], COMPLETED).state
    assert (order.status, order.summary) == (Status.COMPLETED, "Fuser replaced")


@pytest.mark.parametrize("history", HISTORIES)
def test_any_open_order_can_be_cancelled_with_a_reason(history):
    given(WORK_ORDER, *HISTORIES[history]).then(CancelWorkOrder(ID, "Printer retired", at=at(5)), CANCELLED)
    order = given(WORK_ORDER, *HISTORIES[history], CANCELLED).state
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Printer retired")


def test_a_completed_order_cannot_be_cancelled():
    given(WORK_ORDER, *CLOSED["completed"]).refuses(CancelWorkOrder(ID, "oops", at=at(61)), WorkOrderNotOpen,
                                                    match="is completed: only open work orders change")


@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize("command", EVERY_CHANGE, ids=lambda c: type(c).__name__)
def test_a_closed_order_refuses_every_change(closed, command):
    given(WORK_ORDER, *CLOSED[closed]).refuses(command, WorkOrderNotOpen, match=f"is {closed}")


def test_a_repair_on_a_started_order_is_logged_against_its_device_and_ticket():
    command = repair()
    given(WORK_ORDER, *HISTORIES["started"]).then(command, RepairLogged(
        repair_id=command.repair_id, device_id=DEVICE, ticket_id=TICKET, work_order_id=ID, technician_id="tom",
        fault="Fuser worn", action="Replaced fuser", parts=(TONER,), minutes=45, at=at(50)))


def test_a_repairs_time_and_parts_count_toward_the_order():
    command = repair()
    repaired = given(WORK_ORDER, *HISTORIES["started"]).when(command)
    order = given(WORK_ORDER, *HISTORIES["started"], *repaired).state
    assert (order.minutes, order.parts, order.repairs) == (45, (TONER,), (command.repair_id,))


@pytest.mark.parametrize("history", ["created", "scheduled"])
def test_a_repair_needs_a_started_order(history):
    given(WORK_ORDER, *HISTORIES[history]).refuses(repair(), WorkOrderNotStarted,
                                                   match="logging a repair needs a started order")


def test_a_repair_needs_an_order_that_names_a_device():
    deviceless = CREATED.model_copy(update={"device_id": None})
    given(WORK_ORDER, deviceless, STARTED).refuses(repair(), WorkOrderHasNoDevice,
                                                   match="repairs are logged on a device")


def test_commands_in_a_row_decide_on_the_state_each_leaves():
    events = WORK_ORDER.decide_all(WORK_ORDER.initial, [CreateWorkOrder(ID, "Replace fuser", at=FRIDAY),
                                                        ScheduleWorkOrder(ID, "tom", MONDAY, at=FRIDAY)])
    assert [type(e) for e in events] == [WorkOrderCreated, WorkOrderScheduled]
    assert given(WORK_ORDER, *events).state.status is Status.SCHEDULED
