"""The training-on-request REST API: staff ask and follow their own requests, technicians schedule and deliver them;
routes only. A request that came from a ticket is made by the training worker, and resolves its ticket once
delivered (the tickets worker reads the `TrainingDelivered` it records)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from events.auth import AGENTS, DESK, Agent, Member, Participant, Principal
from events.envelope import Context
from events.errors import Forbidden, NotFound, Unprocessable
from events.ids import uuid7
from events.web import Answer, Call, CommandCall, Pool, answered
from training import training_requests
from training.api.training_request_models import (
    CancelTrainingRequestRequest,
    DeliverTrainingRequest,
    RequestTrainingRequest,
    ScheduleTrainingRequest,
    TrainingRequestPage,
    TrainingRequestResponse,
    request_body,
)
from training.domain.training_request import (
    CancelTrainingRequest,
    DeliverTraining,
    RequestCommand,
    RequestTraining,
    ScheduleTraining,
)
from training.training_requests import Viewer

router = APIRouter(tags=["training requests"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
MakeCommand = Callable[[datetime], RequestCommand]
Listed = Literal["waiting", "scheduled", "delivered", "cancelled"]


def viewer(principal: Principal) -> Viewer:
    return Viewer(principal.user_id, desk=principal.has_any(DESK))


async def transition(call: Call, principal: Principal, request_id: UUID, make: MakeCommand) -> Response:
    """Decide `make(now)` on the request the caller reaches, and answer the request as it is after it."""

    async def run(conn, ctx: Context) -> Answer:
        done = await training_requests.handle_request(
            conn, request_id, make(ctx.recorded_at), ctx, viewer=viewer(principal), if_match=call.if_match
        )
        return Answer(request_body(done.view), done.version)

    return await call.run(principal, run)


@router.post("/training-requests", status_code=201, response_model=TrainingRequestResponse)
async def request_training(body: RequestTrainingRequest, principal: Participant, call: CommandCall) -> Response:
    """Ask for individual training: staff for themselves, technicians and managers for a named person."""
    if body.person_id not in (None, principal.user_id) and not principal.has_any(AGENTS):
        raise Forbidden("person_id: only technicians and managers ask for training for someone else")

    async def run(conn, ctx: Context) -> Answer:
        command = RequestTraining(
            request_id=uuid7(),
            person_id=body.person_id or principal.user_id,
            topic=body.topic,
            requested_by=principal.user_id,
            at=ctx.recorded_at,
            preferred_times=tuple(body.preferred_times),
            note=body.note,
        )
        made = await training_requests.request(conn, command, ctx)
        return Answer(request_body(made.view), made.version, location=f"/training-requests/{command.request_id}")

    return await call.run(principal, run)


@router.get("/training-requests", response_model=TrainingRequestPage)
async def list_training_requests(
    pool: Pool,
    principal: Member,
    status: Listed | None = None,
    person_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Requests oldest first, each with its age; staff see only their own, the desk everyone's."""
    if not viewer(principal).desk:
        person_id = principal.user_id
    async with pool.acquire() as conn:
        return await training_requests.requests_of(
            conn, principal.tenant, dict(person_id=person_id, status=status), limit, offset
        )


@router.get("/training-requests/{request_id}", response_model=TrainingRequestResponse)
async def get_training_request(request_id: UUID, pool: Pool, principal: Member) -> Response:
    """One request; `ETag` = its version, for `If-Match`. Another person's does not exist for staff."""
    async with pool.acquire() as conn:
        row = await training_requests.request_row(conn, request_id, principal.tenant)
    if row is None or not (viewer(principal).desk or row["person_id"] == principal.user_id):
        raise NotFound(f"no training request {request_id}")
    return answered(request_body(row), row["version"])


@router.post("/training-requests/{request_id}/schedule", response_model=TrainingRequestResponse)
async def schedule_training(
    request_id: UUID, body: ScheduleTrainingRequest, principal: Agent, call: CommandCall
) -> Response:
    """Set (or move) the time the training is given, and who gives it."""
    return await transition(
        call,
        principal,
        request_id,
        lambda at: ScheduleTraining(
            scheduled_for=body.scheduled_for, trainer_id=body.trainer_id or principal.user_id, at=at, note=body.note
        ),
    )


@router.post("/training-requests/{request_id}/deliver", response_model=TrainingRequestResponse)
async def deliver_training(
    request_id: UUID, body: DeliverTrainingRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record the training given: `TrainingDelivered` (kind on_request, naming the request and its ticket) with its
    hours, and the request closed with the trainer's note. A request from a ticket resolves that ticket."""

    def make(now: datetime) -> DeliverTraining:
        if body.at is not None and body.at > now:
            raise Unprocessable("at", "training is recorded once it was given, not before")
        return DeliverTraining(
            delivery_id=uuid7(),
            hours=body.hours,
            trainer_id=body.trainer_id or principal.user_id,
            at=body.at or now,
            note=body.note,
        )

    return await transition(call, principal, request_id, make)


@router.post("/training-requests/{request_id}/cancel", response_model=TrainingRequestResponse)
async def cancel_training_request(
    request_id: UUID, body: CancelTrainingRequestRequest, principal: Participant, call: CommandCall
) -> Response:
    """Withdraw a request not yet delivered: staff their own, the desk anyone's."""
    return await transition(
        call, principal, request_id, lambda at: CancelTrainingRequest(reason=body.reason, by=principal.user_id, at=at)
    )
