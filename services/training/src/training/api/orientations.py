"""The orientation REST API: the tenant's training policy, orientations owed (by hand, or by the worker when an
account is provisioned), listed by status and completed; routes only."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from events.auth import Agent, Desk, Manager, Member
from events.envelope import Context, utcnow
from events.errors import NotFound, Unprocessable
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered
from training import orientations
from training.api.orientation_models import (
    CompleteOrientationRequest,
    OrientationPage,
    OrientationResponse,
    OrientationStatus,
    OweOrientationRequest,
    SetTrainingPolicyRequest,
    TrainingPolicyResponse,
    orientation_body,
    policy_body,
)
from training.domain.orientation import CompleteOrientation

router = APIRouter(tags=["orientations"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.get("/training-policy", response_model=TrainingPolicyResponse)
async def get_training_policy(pool: Pool, principal: Member) -> Response:
    """The policy (the defaults until a manager sets one); `ETag` = its version, for `If-Match`."""
    async with pool.acquire() as conn:
        policy = await orientations.current_policy(conn, principal.tenant)
    return answered(policy_body(policy.state, policy.version), policy.version)


@router.put("/training-policy", response_model=TrainingPolicyResponse)
async def set_training_policy(body: SetTrainingPolicyRequest, principal: Manager, call: CommandCall) -> Response:
    """Replace the policy whole; orientations already owed keep the due date they were given."""

    async def run(conn, ctx: Context) -> Answer:
        changed = await orientations.set_policy(conn, body.policy(), ctx, call.if_match)
        return Answer(policy_body(changed.state, changed.version), changed.version)

    return await call.run(principal, run)


def _not_ahead(value, ctx: Context, field: str):
    """A time the caller gives for what already happened, or now."""
    if value is not None and value > ctx.recorded_at:
        raise Unprocessable(field, "is recorded once it happened, not before")
    return value or ctx.recorded_at


@router.post("/orientations", status_code=201, response_model=OrientationResponse)
async def owe_orientation(body: OweOrientationRequest, principal: Agent, call: CommandCall) -> Response:
    """Owe a person their orientation by hand (one whose account came before accounts were recorded); a person is
    owed one orientation (OrientationAlreadyOwed)."""

    async def run(conn, ctx: Context) -> Answer:
        at = _not_ahead(body.owed_at, ctx, "owed_at")
        orientation = await orientations.owe(conn, body.person_id, at, ctx)
        location = f"/orientations/{orientation.state.orientation_id}"
        return Answer(orientation_body(orientation.view), orientation.version, location=location)

    return await call.run(principal, run)


@router.get("/orientations", response_model=OrientationPage)
async def list_orientations(
    pool: Pool,
    principal: Desk,
    status: OrientationStatus | None = None,
    person_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Orientations soonest due first, with the total: `status=overdue` lists those past their due date not given."""
    async with pool.acquire() as conn:
        today = (await orientations.current_policy(conn, principal.tenant)).state.local_date(utcnow())
        return await orientations.orientations_of(conn, principal.tenant, today, status, person_id, limit, offset)


@router.get("/orientations/{orientation_id}", response_model=OrientationResponse)
async def get_orientation(orientation_id: UUID, pool: Pool, principal: Desk) -> Response:
    async with pool.acquire() as conn:
        today = (await orientations.current_policy(conn, principal.tenant)).state.local_date(utcnow())
        row = await orientations.orientation_row(conn, orientation_id, principal.tenant, today)
    if row is None:
        raise NotFound(f"no orientation {orientation_id}")
    return answered(orientation_body(row), row["version"])


@router.post("/orientations/{orientation_id}/complete", response_model=OrientationResponse)
async def complete_orientation(
    orientation_id: UUID, body: CompleteOrientationRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record the orientation given, with its hours: the person is delivered training (`TrainingDelivered`), and
    whether it was within its due date is kept. Once only (OrientationAlreadyCompleted)."""

    async def run(conn, ctx: Context) -> Answer:
        at = _not_ahead(body.completed_at, ctx, "completed_at")
        policy = (await orientations.current_policy(conn, ctx.tenant)).state
        command = CompleteOrientation(
            delivery_id=uuid7(),
            hours=body.hours,
            at=at,
            completed_on=policy.local_date(at),
            trainer_id=body.trainer_id or principal.user_id,
        )
        orientation = await orientations.complete(conn, orientation_id, command, ctx, call.if_match)
        return Answer(orientation_body(orientation.view), orientation.version)

    return await call.run(principal, run)
