"""The work-order decider, given / when / then, without I/O."""

from datetime import UTC, datetime
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
from tickets.domain.errors import NotFound
from tickets.domain.work_order import (
    NO_WORK_ORDER,
    CancelWorkOrder,
    CompleteWorkOrder,
    CreateWorkOrder,
    LogRepair,
    LogWorkTime,
    RecordPartsUsed,
    ScheduleWorkOrder,
    StartWorkOrder,
    Status,
    WorkOrderAlreadyExists,
    WorkOrderAlreadyStarted,
    WorkOrderHasNoDevice,
    WorkOrderNotOpen,
    WorkOrderNotStarted,
    decide,
    decide_all,
    fold,
)

ID, TICKET, DEVICE = uuid4(), uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TONER = PartUsed(part="toner cartridge", quantity=2, unit_cost=Decimal("49.90"))

CREATED = WorkOrderCreated(work_order_id=ID, title="Replace fuser", description="3rd floor printer",
                           kind=WorkOrderKind.CORRECTIVE, ticket_id=TICKET, device_id=DEVICE)
SCHEDULED = WorkOrderScheduled(work_order_id=ID, technician_id="tom", scheduled_for=MONDAY)
STARTED = WorkOrderStarted(work_order_id=ID, technician_id="tom")
COMPLETED = WorkOrderCompleted(work_order_id=ID, summary="Fuser replaced")
CANCELLED = WorkOrderCancelled(work_order_id=ID, reason="Printer retired")

HISTORIES = {"created": [CREATED], "scheduled": [CREATED, SCHEDULED], "started": [CREATED, SCHEDULED, STARTED]}
CLOSED = {"completed": [CREATED, STARTED, COMPLETED], "cancelled": [CREATED, CANCELLED]}


def given(*events):
    return fold(list(events))


def repair(**overrides) -> LogRepair:
    fields = dict(work_order_id=ID, repair_id=uuid4(), technician_id="tom", fault="Fuser worn", action="Replaced fuser",
                  parts=(TONER,), minutes=45)
    return LogRepair(**{**fields, **overrides})


EVERY_CHANGE = [
    ScheduleWorkOrder(ID, "tom", MONDAY), StartWorkOrder(ID, "tom"), LogWorkTime(ID, "tom", 10),
    RecordPartsUsed(ID, "tom", (TONER,)), CompleteWorkOrder(ID, "done"), CancelWorkOrder(ID, "no longer needed"),
    repair(),
]


def test_creating_a_work_order_records_it_as_created():
    command = CreateWorkOrder(ID, "Replace fuser", "3rd floor printer", ticket_id=TICKET, device_id=DEVICE)
    [event] = decide(NO_WORK_ORDER, command)
    assert event == CREATED
    order = given(event)
    assert (order.status, order.ticket_id, order.device_id, order.kind) == (
        Status.CREATED, TICKET, DEVICE, WorkOrderKind.CORRECTIVE)


def test_a_work_order_cannot_be_created_twice():
    with pytest.raises(WorkOrderAlreadyExists, match="already exists"):
        decide(given(CREATED), CreateWorkOrder(ID, "Again"))


@pytest.mark.parametrize("command", EVERY_CHANGE, ids=lambda c: type(c).__name__)
def test_every_change_to_an_unknown_work_order_is_not_found(command):
    with pytest.raises(NotFound, match=str(ID)):
        decide(NO_WORK_ORDER, command)


def test_scheduling_books_a_technician_for_a_time():
    [event] = decide(given(CREATED), ScheduleWorkOrder(ID, "tom", MONDAY))
    assert event == SCHEDULED
    order = given(CREATED, event)
    assert (order.status, order.technician_id, order.scheduled_for) == (Status.SCHEDULED, "tom", MONDAY)


def test_scheduling_again_before_the_start_reassigns_the_order():
    order = given(CREATED, SCHEDULED, *decide(given(CREATED, SCHEDULED), ScheduleWorkOrder(ID, "ann", MONDAY)))
    assert (order.status, order.technician_id) == (Status.SCHEDULED, "ann")


def test_a_started_order_cannot_be_scheduled_again():
    with pytest.raises(WorkOrderAlreadyStarted, match="only before work begins"):
        decide(given(*HISTORIES["started"]), ScheduleWorkOrder(ID, "ann", MONDAY))


def test_starting_a_scheduled_order_makes_its_starter_the_technician():
    [event] = decide(given(CREATED, SCHEDULED), StartWorkOrder(ID, "ann"))
    order = given(CREATED, SCHEDULED, event)
    assert (order.status, order.technician_id) == (Status.STARTED, "ann")


def test_an_unscheduled_order_can_be_started_by_the_technician_at_hand():
    [event] = decide(given(CREATED), StartWorkOrder(ID, "tom"))
    assert event == STARTED


def test_an_order_cannot_be_started_twice():
    with pytest.raises(WorkOrderAlreadyStarted, match="already started"):
        decide(given(*HISTORIES["started"]), StartWorkOrder(ID, "tom"))


@pytest.mark.parametrize("history", HISTORIES)
def test_time_and_parts_are_logged_on_any_open_order(history):
    state = given(*HISTORIES[history])
    [logged] = decide(state, LogWorkTime(ID, "tom", 30, "diagnosis"))
    [used] = decide(state, RecordPartsUsed(ID, "tom", (TONER,)))
    assert logged == WorkTimeLogged(work_order_id=ID, technician_id="tom", minutes=30, note="diagnosis")
    assert used == PartsUsed(work_order_id=ID, technician_id="tom", parts=(TONER,))
    order = fold([logged, logged, used], state)
    assert (order.minutes, order.parts, order.status) == (60, (TONER,), state.status)


@pytest.mark.parametrize("history", ["created", "scheduled"])
def test_completing_needs_a_started_order(history):
    with pytest.raises(WorkOrderNotStarted, match="completing needs a started order"):
        decide(given(*HISTORIES[history]), CompleteWorkOrder(ID, "done"))


def test_completing_a_started_order_closes_it_with_a_summary():
    [event] = decide(given(*HISTORIES["started"]), CompleteWorkOrder(ID, "Fuser replaced"))
    assert event == COMPLETED
    order = given(*HISTORIES["started"], event)
    assert (order.status, order.summary) == (Status.COMPLETED, "Fuser replaced")


@pytest.mark.parametrize("history", HISTORIES)
def test_any_open_order_can_be_cancelled_with_a_reason(history):
    [event] = decide(given(*HISTORIES[history]), CancelWorkOrder(ID, "Printer retired"))
    assert event == CANCELLED
    order = given(*HISTORIES[history], event)
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Printer retired")


def test_a_completed_order_cannot_be_cancelled():
    with pytest.raises(WorkOrderNotOpen, match="is completed: only open work orders change"):
        decide(given(*CLOSED["completed"]), CancelWorkOrder(ID, "oops"))


@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize("command", EVERY_CHANGE, ids=lambda c: type(c).__name__)
def test_a_closed_order_refuses_every_change(closed, command):
    with pytest.raises(WorkOrderNotOpen, match=f"is {closed}"):
        decide(given(*CLOSED[closed]), command)


def test_a_repair_on_a_started_order_is_logged_against_its_device_and_ticket():
    command = repair()
    [event] = decide(given(*HISTORIES["started"]), command)
    assert event == RepairLogged(repair_id=command.repair_id, device_id=DEVICE, ticket_id=TICKET, work_order_id=ID,
                                 technician_id="tom", fault="Fuser worn", action="Replaced fuser", parts=(TONER,),
                                 minutes=45)


def test_a_repairs_time_and_parts_count_toward_the_order():
    command = repair()
    order = given(*HISTORIES["started"], *decide(given(*HISTORIES["started"]), command))
    assert (order.minutes, order.parts, order.repairs) == (45, (TONER,), (command.repair_id,))


@pytest.mark.parametrize("history", ["created", "scheduled"])
def test_a_repair_needs_a_started_order(history):
    with pytest.raises(WorkOrderNotStarted, match="logging a repair needs a started order"):
        decide(given(*HISTORIES[history]), repair())


def test_a_repair_needs_an_order_that_names_a_device():
    deviceless = CREATED.model_copy(update={"device_id": None})
    with pytest.raises(WorkOrderHasNoDevice, match="repairs are logged on a device"):
        decide(given(deviceless, STARTED), repair())


def test_commands_in_a_row_decide_on_the_state_each_leaves():
    events = decide_all(NO_WORK_ORDER, [CreateWorkOrder(ID, "Replace fuser"), ScheduleWorkOrder(ID, "tom", MONDAY)])
    assert [type(e) for e in events] == [WorkOrderCreated, WorkOrderScheduled]
    assert fold(events).status is Status.SCHEDULED
