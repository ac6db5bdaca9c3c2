"""The training-request decider: asked once, scheduled (and moved), then delivered once or cancelled, never both.

A request is its own stream. One that came from a ticket has the id `request_id_for(tenant, ticket_id)`, so the
same ticket told twice finds its request already made and adds nothing. Delivering it records the
`TrainingDelivered` hours are counted from, naming the request and its ticket, and closes the request.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from events.base import Event
from events.contracts.training import TrainingDelivered
from events.contracts.training_requests import (
    TrainingRequestCancelled,
    TrainingRequested,
    TrainingRequestFulfilled,
    TrainingRequestScheduled,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable
from training.domain.request_errors import (
    RequestAlreadyCancelled,
    RequestAlreadyDelivered,
    TrainingAlreadyRequested,
)

# Fixed forever: changing it would make a second request of every ticket told again.
_TICKET_NAMESPACE = UUID("5b0c8e51-7d2a-4c6f-9a83-1f4e2d7b6c05")


def request_id_for(tenant: str, ticket_id: UUID) -> UUID:
    """The one training request a ticket of category `training_request` makes."""
    return uuid5(_TICKET_NAMESPACE, f"{tenant}\n{ticket_id}")


class RequestStatus(StrEnum):
    NONE = "none"
    WAITING = "waiting"  # nobody has taken it yet
    SCHEDULED = "scheduled"  # a trainer set a time with the person
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


OPEN = frozenset({RequestStatus.WAITING, RequestStatus.SCHEDULED})


@dataclass(frozen=True)
class TrainingRequest:
    request_id: UUID | None = None
    status: RequestStatus = RequestStatus.NONE
    person_id: str = ""
    topic: str = ""
    preferred_times: tuple[str, ...] = ()
    note: str = ""
    requested_by: str = ""
    ticket_id: UUID | None = None
    requested_at: datetime | None = None
    scheduled_for: datetime | None = None
    trainer_id: str = ""
    delivery_id: UUID | None = None
    hours: Decimal | None = None
    closed_at: datetime | None = None  # delivered or cancelled
    closing_note: str = ""  # the trainer's note, or why it was cancelled


@dataclass(frozen=True)
class RequestTraining:
    request_id: UUID
    person_id: str
    topic: str
    requested_by: str
    at: datetime
    preferred_times: tuple[str, ...] = ()
    note: str = ""
    ticket_id: UUID | None = None


@dataclass(frozen=True)
class ScheduleTraining:
    scheduled_for: datetime
    trainer_id: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class DeliverTraining:
    delivery_id: UUID
    hours: Decimal
    trainer_id: str
    at: datetime  # when the training was given
    note: str = ""


@dataclass(frozen=True)
class CancelTrainingRequest:
    reason: str
    by: str
    at: datetime


RequestCommand = RequestTraining | ScheduleTraining | DeliverTraining | CancelTrainingRequest


def _must_exist(state: TrainingRequest, command: RequestCommand) -> None:
    if state.status is RequestStatus.NONE:
        raise NotFound("no such training request")


def _must_be_open(state: TrainingRequest) -> None:
    if state.status is RequestStatus.DELIVERED:
        raise RequestAlreadyDelivered(
            f"training request {state.request_id} was delivered on {state.closed_at:%Y-%m-%d}"
        )
    if state.status is RequestStatus.CANCELLED:
        raise RequestAlreadyCancelled(f"training request {state.request_id} was cancelled: ask again")


def _not_before_request(state: TrainingRequest, field: str, at: datetime) -> None:
    if at < state.requested_at:
        raise Unprocessable(field, f"is before the request was made ({state.requested_at.isoformat()})")


def _request(state: TrainingRequest, c: RequestTraining) -> list[Event]:
    if state.status is not RequestStatus.NONE:
        raise TrainingAlreadyRequested(f"training request {c.request_id} is already made")
    return [
        TrainingRequested(
            at=c.at,
            request_id=c.request_id,
            person_id=c.person_id,
            topic=c.topic,
            preferred_times=list(c.preferred_times),
            note=c.note,
            requested_by=c.requested_by,
            ticket_id=c.ticket_id,
        )
    ]


def _schedule(state: TrainingRequest, c: ScheduleTraining) -> list[Event]:
    _must_be_open(state)
    _not_before_request(state, "scheduled_for", c.scheduled_for)
    return [
        TrainingRequestScheduled(
            at=c.at, request_id=state.request_id, scheduled_for=c.scheduled_for, trainer_id=c.trainer_id, note=c.note
        )
    ]


def _deliver(state: TrainingRequest, c: DeliverTraining) -> list[Event]:
    _must_be_open(state)
    _not_before_request(state, "at", c.at)
    return [
        TrainingDelivered(
            at=c.at,
            delivery_id=c.delivery_id,
            person_id=state.person_id,
            hours=c.hours,
            kind="on_request",
            topic=state.topic,
            request_id=state.request_id,
            ticket_id=state.ticket_id,
            trainer_id=c.trainer_id,
        ),
        TrainingRequestFulfilled(at=c.at, request_id=state.request_id, delivery_id=c.delivery_id, note=c.note),
    ]


def _cancel(state: TrainingRequest, c: CancelTrainingRequest) -> list[Event]:
    _must_be_open(state)
    return [TrainingRequestCancelled(at=c.at, request_id=state.request_id, reason=c.reason, cancelled_by=c.by)]


def _requested(s: TrainingRequest, e: TrainingRequested) -> TrainingRequest:
    return TrainingRequest(
        request_id=e.request_id,
        status=RequestStatus.WAITING,
        person_id=e.person_id,
        topic=e.topic,
        preferred_times=tuple(e.preferred_times),
        note=e.note,
        requested_by=e.requested_by,
        ticket_id=e.ticket_id,
        requested_at=e.at,
    )


def _scheduled(s: TrainingRequest, e: TrainingRequestScheduled) -> TrainingRequest:
    return replace(s, status=RequestStatus.SCHEDULED, scheduled_for=e.scheduled_for, trainer_id=e.trainer_id)


def _delivered(s: TrainingRequest, e: TrainingDelivered) -> TrainingRequest:
    return replace(s, delivery_id=e.delivery_id, hours=e.hours, trainer_id=e.trainer_id)


def _fulfilled(s: TrainingRequest, e: TrainingRequestFulfilled) -> TrainingRequest:
    return replace(s, status=RequestStatus.DELIVERED, closed_at=e.at, closing_note=e.note)


def _cancelled(s: TrainingRequest, e: TrainingRequestCancelled) -> TrainingRequest:
    return replace(s, status=RequestStatus.CANCELLED, closed_at=e.at, closing_note=e.reason)


TRAINING_REQUEST = Decider(
    initial=TrainingRequest(),
    evolvers={
        TrainingRequested: _requested,
        TrainingRequestScheduled: _scheduled,
        TrainingDelivered: _delivered,
        TrainingRequestFulfilled: _fulfilled,
        TrainingRequestCancelled: _cancelled,
    },
    deciders={
        RequestTraining: _request,
        ScheduleTraining: _schedule,
        DeliverTraining: _deliver,
        CancelTrainingRequest: _cancel,
    },
    precondition=_must_exist,
    creates=(RequestTraining,),
)
