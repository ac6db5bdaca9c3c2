"""The training-request decider, given / when / then, without I/O."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from events.contracts.training import TrainingDelivered
from events.contracts.training_requests import (
    TrainingRequestCancelled,
    TrainingRequested,
    TrainingRequestFulfilled,
    TrainingRequestScheduled,
)
from events.errors import NotFound, Unprocessable
from events.testing import given
from training.domain.request_errors import RequestAlreadyCancelled, RequestAlreadyDelivered, TrainingAlreadyRequested
from training.domain.training_request import (
    TRAINING_REQUEST,
    CancelTrainingRequest,
    DeliverTraining,
    RequestStatus,
    RequestTraining,
    ScheduleTraining,
    request_id_for,
)

REQUEST, TICKET, DELIVERY = uuid4(), uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THURSDAY = MONDAY + timedelta(days=3)

REQUESTED = TrainingRequested(
    at=MONDAY,
    request_id=REQUEST,
    person_id="alice",
    topic="Excel pivot tables",
    preferred_times=["Tuesday mornings"],
    note="For the budget file",
    requested_by="alice",
    ticket_id=TICKET,
)
SCHEDULED = TrainingRequestScheduled(at=MONDAY, request_id=REQUEST, scheduled_for=THURSDAY, trainer_id="tom")
CANCELLED = TrainingRequestCancelled(at=MONDAY, request_id=REQUEST, reason="Found a course", cancelled_by="alice")


def deliver(at=THURSDAY, hours="1.5") -> DeliverTraining:
    return DeliverTraining(delivery_id=DELIVERY, hours=Decimal(hours), trainer_id="tom", at=at, note="Covered slicers")


def delivered(at=THURSDAY) -> tuple[TrainingDelivered, TrainingRequestFulfilled]:
    return (
        TrainingDelivered(
            at=at,
            delivery_id=DELIVERY,
            person_id="alice",
            hours=Decimal("1.5"),
            kind="on_request",
            topic="Excel pivot tables",
            request_id=REQUEST,
            ticket_id=TICKET,
            trainer_id="tom",
        ),
        TrainingRequestFulfilled(at=at, request_id=REQUEST, delivery_id=DELIVERY, note="Covered slicers"),
    )


def test_a_request_is_made_once():
    command = RequestTraining(
        request_id=REQUEST,
        person_id="alice",
        topic="Excel pivot tables",
        requested_by="alice",
        at=MONDAY,
        preferred_times=("Tuesday mornings",),
        note="For the budget file",
        ticket_id=TICKET,
    )
    given(TRAINING_REQUEST).then(command, REQUESTED)
    given(TRAINING_REQUEST, REQUESTED).refuses(command, TrainingAlreadyRequested)
    assert given(TRAINING_REQUEST, REQUESTED).state.status is RequestStatus.WAITING


def test_a_ticket_makes_one_request_per_tenant_always_the_same():
    assert request_id_for("city-a", TICKET) == request_id_for("city-a", TICKET)
    assert request_id_for("city-a", TICKET) != request_id_for("city-b", TICKET)


def test_a_waiting_request_is_scheduled_and_may_be_moved():
    given(TRAINING_REQUEST, REQUESTED).then(
        ScheduleTraining(scheduled_for=THURSDAY, trainer_id="tom", at=MONDAY), SCHEDULED
    )
    later = THURSDAY + timedelta(days=1)
    moved = TrainingRequestScheduled(at=MONDAY, request_id=REQUEST, scheduled_for=later, trainer_id="ann")
    given(TRAINING_REQUEST, REQUESTED, SCHEDULED).then(
        ScheduleTraining(scheduled_for=later, trainer_id="ann", at=MONDAY), moved
    )
    assert given(TRAINING_REQUEST, REQUESTED, SCHEDULED).state.status is RequestStatus.SCHEDULED


def test_delivering_records_the_training_with_its_request_and_ticket_and_closes_the_request():
    given(TRAINING_REQUEST, REQUESTED, SCHEDULED).then(deliver(), *delivered())
    given(TRAINING_REQUEST, REQUESTED).then(deliver(), *delivered())  # unscheduled: given when the person called
    state = given(TRAINING_REQUEST, REQUESTED, *delivered()).state
    assert (state.status, state.hours, state.delivery_id, state.closed_at) == (
        RequestStatus.DELIVERED,
        Decimal("1.5"),
        DELIVERY,
        THURSDAY,
    )
    assert state.closing_note == "Covered slicers"


def test_a_request_is_delivered_once():
    given(TRAINING_REQUEST, REQUESTED, *delivered()).refuses(deliver(), RequestAlreadyDelivered)


def test_training_is_not_delivered_before_it_was_asked_for():
    refusal = given(TRAINING_REQUEST, REQUESTED).refuses(deliver(at=MONDAY - timedelta(minutes=1)), Unprocessable)
    assert refusal.field == "at"
    refusal = given(TRAINING_REQUEST, REQUESTED).refuses(
        ScheduleTraining(scheduled_for=MONDAY - timedelta(days=1), trainer_id="tom", at=MONDAY), Unprocessable
    )
    assert refusal.field == "scheduled_for"


def test_a_cancelled_request_takes_no_schedule_delivery_or_second_cancellation():
    cancel = CancelTrainingRequest(reason="Found a course", by="alice", at=MONDAY)
    given(TRAINING_REQUEST, REQUESTED, SCHEDULED).then(cancel, CANCELLED)
    for command in (deliver(), ScheduleTraining(scheduled_for=THURSDAY, trainer_id="tom", at=MONDAY), cancel):
        given(TRAINING_REQUEST, REQUESTED, CANCELLED).refuses(command, RequestAlreadyCancelled)


def test_a_delivered_request_is_not_cancelled():
    cancel = CancelTrainingRequest(reason="Too late", by="alice", at=THURSDAY)
    given(TRAINING_REQUEST, REQUESTED, *delivered()).refuses(cancel, RequestAlreadyDelivered)


@pytest.mark.parametrize(
    "command",
    [deliver(), CancelTrainingRequest(reason="x", by="alice", at=MONDAY), ScheduleTraining(THURSDAY, "tom", MONDAY)],
)
def test_nothing_happens_to_a_request_that_does_not_exist(command):
    given(TRAINING_REQUEST).refuses(command, NotFound)
