"""The preventive-maintenance REST API: schedules that raise work orders by themselves, models and routes."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from events.auth import Desk, Manager
from events.envelope import Context
from events.errors import NotFound
from events.fields import Body, Day, UserId
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered
from tickets import work_orders
from tickets.api.fields import Description, Title
from tickets.domain import preventive as pm
from tickets.domain.preventive import ScheduleStatus

router = APIRouter(tags=["preventive maintenance"])

CATCH_UP_DAYS = 366  # how far back a schedule may start: its missed occurrences are all raised
PLAN_AHEAD_DAYS = 3660  # how far ahead it may start


class CreatePreventiveScheduleRequest(Body):
    title: Title
    description: Description = ""
    device_id: UUID | None = None
    starts_on: Day
    every_days: int | None = Field(default=None, ge=1, le=3660)
    day_of_month: int | None = Field(default=None, ge=1, le=31, validate_default=True)
    assignee_id: UserId | None = None

    @field_validator("starts_on")
    @classmethod
    def _within_the_window(cls, value: date) -> date:
        today = datetime.now(UTC).date()
        if value < today - timedelta(days=CATCH_UP_DAYS):
            raise ValueError(f"must be within the last {CATCH_UP_DAYS} days: every missed occurrence is raised")
        if value > today + timedelta(days=PLAN_AHEAD_DAYS):
            raise ValueError(f"must be within the next {PLAN_AHEAD_DAYS} days")
        return value

    @field_validator("day_of_month")
    @classmethod
    def _one_recurrence(cls, value: int | None, info: ValidationInfo) -> int | None:
        if (value is None) == (info.data.get("every_days") is None):
            raise ValueError("give either every_days or day_of_month, not both or neither")
        return value


class RetirePreventiveScheduleRequest(Body):
    reason: str = Field(default="", max_length=2_000)


class PreventiveScheduleResponse(BaseModel):
    id: UUID
    title: str
    description: str
    device_id: UUID | None
    every_days: int | None
    day_of_month: int | None
    starts_on: date
    assignee_id: str | None
    status: ScheduleStatus
    last_raised: date | None
    next_due: date | None
    created_at: datetime
    updated_at: datetime
    version: int


def _schedule_body(row) -> dict[str, Any]:
    fields = {k: v for k, v in dict(row).items() if k not in ("schedule_id", "tenant")}
    return PreventiveScheduleResponse(id=row["schedule_id"], **fields).model_dump(mode="json")


@router.post("/preventive-schedules", status_code=201, response_model=PreventiveScheduleResponse)
async def create_preventive_schedule(
    body: CreatePreventiveScheduleRequest, principal: Manager, call: CommandCall
) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        command = pm.CreatePreventiveSchedule(schedule_id=uuid7(), **body.model_dump(), at=ctx.recorded_at)
        schedule = await work_orders.handle_schedule(conn, command, ctx)
        return Answer(_schedule_body(schedule.view), schedule.version,
                      location=f"/preventive-schedules/{command.schedule_id}")

    return await call.run(principal, run)


@router.get("/preventive-schedules", response_model=list[PreventiveScheduleResponse])
async def list_preventive_schedules(
    pool: Pool, principal: Desk, status: ScheduleStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await work_orders.schedules_of(conn, principal.tenant, status, limit, offset)
    return [_schedule_body(row) for row in rows]


@router.get("/preventive-schedules/{schedule_id}", response_model=PreventiveScheduleResponse)
async def get_preventive_schedule(schedule_id: UUID, pool: Pool, principal: Desk) -> Response:
    async with pool.acquire() as conn:
        row = await work_orders.schedule_row(conn, schedule_id, principal.tenant)
    if row is None:
        raise NotFound(f"no preventive schedule {schedule_id}")
    return answered(_schedule_body(row), row["version"])


@router.post("/preventive-schedules/{schedule_id}/retire", response_model=PreventiveScheduleResponse)
async def retire_preventive_schedule(
    schedule_id: UUID, body: RetirePreventiveScheduleRequest, principal: Manager, call: CommandCall
) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        command = pm.RetirePreventiveSchedule(schedule_id, body.reason, at=ctx.recorded_at)
        schedule = await work_orders.handle_schedule(conn, command, ctx, call.if_match)
        return Answer(_schedule_body(schedule.view), schedule.version)

    return await call.run(principal, run)
