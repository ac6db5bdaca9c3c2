"""The work-order and preventive-schedule REST API: request and response models and routes."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field, ValidationInfo, field_validator

from events.app import Pool
from events.auth import Principal, Role, requires
from events.contracts.work_orders import PartUsed, WorkOrderKind
from events.http import IfMatch, context_for, etag
from events.idempotency import MAX_KEY_LENGTH, Outcome, fingerprint, run_once
from events.ids import uuid7
from tickets import work_orders
from tickets.domain import preventive as pm
from tickets.domain import work_order as wo
from tickets.domain.preventive import ScheduleStatus
from tickets.domain.work_order import Status, WorkOrder
from tickets.models import Body

router = APIRouter(tags=["work orders"])

Worker = Annotated[Principal, requires(Role.TECHNICIAN, Role.MANAGER)]
Reader = Annotated[Principal, requires(Role.TECHNICIAN, Role.MANAGER, Role.AUDITOR)]
Planner = Annotated[Principal, requires(Role.MANAGER)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH)]

Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=20_000)]
Note = Annotated[str, Field(min_length=1, max_length=5_000)]
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:\-]+$")]
Parts = Annotated[list[PartUsed], Field(max_length=100)]
CATCH_UP_DAYS = 366  # how far back a schedule may start: its missed occurrences are all raised


class CreateWorkOrderRequest(Body):
    title: Title
    description: Description = ""
    kind: WorkOrderKind = WorkOrderKind.CORRECTIVE
    ticket_id: UUID | None = None
    device_id: UUID | None = None


class ScheduleWorkOrderRequest(Body):
    technician_id: UserId
    scheduled_for: AwareDatetime


class LogWorkTimeRequest(Body):
    minutes: int = Field(gt=0, le=24 * 60)
    note: str = Field(default="", max_length=2_000)


class RecordPartsUsedRequest(Body):
    parts: Parts = Field(min_length=1)


class CompleteWorkOrderRequest(Body):
    summary: Note


class CancelWorkOrderRequest(Body):
    reason: Note


class LogRepairRequest(Body):
    fault: Note
    action: Note
    parts: Parts = []
    minutes: int = Field(default=0, ge=0, le=24 * 60)


class CreatePreventiveScheduleRequest(Body):
    title: Title
    description: Description = ""
    device_id: UUID | None = None
    starts_on: date
    every_days: int | None = Field(default=None, ge=1, le=3660)
    day_of_month: int | None = Field(default=None, ge=1, le=31, validate_default=True)
    assignee_id: UserId | None = None

    @field_validator("starts_on")
    @classmethod
    def _not_long_ago(cls, value: date) -> date:
        if value < datetime.now(UTC).date() - timedelta(days=CATCH_UP_DAYS):
            raise ValueError(f"must be within the last {CATCH_UP_DAYS} days: every missed occurrence is raised")
        return value

    @field_validator("day_of_month")
    @classmethod
    def _one_recurrence(cls, value: int | None, info: ValidationInfo) -> int | None:
        if (value is None) == (info.data.get("every_days") is None):
            raise ValueError("give either every_days or day_of_month, not both or neither")
        return value


class RetirePreventiveScheduleRequest(Body):
    reason: str = Field(default="", max_length=2_000)


class WorkOrderSummary(BaseModel):
    id: UUID
    title: str
    kind: WorkOrderKind
    status: Status
    ticket_id: UUID | None
    device_id: UUID | None
    schedule_id: UUID | None
    occurrence: date | None
    technician_id: str | None
    scheduled_for: datetime | None
    minutes: int
    created_at: datetime
    updated_at: datetime
    version: int


class WorkOrderResponse(WorkOrderSummary):
    description: str
    parts: list[PartUsed]
    repairs: list[UUID]
    summary: str
    cancel_reason: str


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


def _order_body(o: WorkOrder, stamps) -> dict[str, Any]:
    """`stamps` holds created_at, updated_at and version: the order's list row, or its stream's ends."""
    fields = {k: v for k, v in vars(o).items() if k != "work_order_id"}
    stamped = {k: stamps[k] for k in ("created_at", "updated_at", "version")}
    return WorkOrderResponse(id=o.work_order_id, **fields, **stamped).model_dump(mode="json")


def _schedule_body(row) -> dict[str, Any]:
    fields = {k: v for k, v in dict(row).items() if k not in ("schedule_id", "tenant")}
    return PreventiveScheduleResponse(id=row["schedule_id"], **fields).model_dump(mode="json")


@dataclass(frozen=True)
class Acting:
    """A technician's or manager's change to one work order: who, through which request, at which version."""

    request: Request
    pool: asyncpg.Pool
    principal: Principal
    if_match: int | None

    async def __call__(self, command: wo.Command) -> JSONResponse:
        async with self.pool.acquire() as conn, conn.transaction():
            order, row = await work_orders.act(conn, command, context_for(self.request, self.principal), self.if_match)
        return JSONResponse(_order_body(order, row), headers={"ETag": etag(row["version"])})


async def _acting(request: Request, pool: Pool, principal: Worker, if_match: IfMatch) -> Acting:
    return Acting(request, pool, principal, if_match)


Act = Annotated[Acting, Depends(_acting)]


@router.post("/work-orders", status_code=201, response_model=WorkOrderResponse)
async def create_work_order(
    body: CreateWorkOrderRequest, request: Request, pool: Pool, principal: Worker,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    ctx = context_for(request, principal)
    command = wo.CreateWorkOrder(work_order_id=uuid7(), **body.model_dump())

    async def run(conn) -> Outcome:
        if body.ticket_id and not await work_orders.ticket_exists(conn, body.ticket_id, principal.tenant):
            raise HTTPException(422, f"ticket_id: there is no ticket {body.ticket_id}")
        order, row = await work_orders.act(conn, command, ctx)
        headers = {"Location": f"/work-orders/{order.work_order_id}", "ETag": etag(row["version"])}
        return Outcome(201, _order_body(order, row), headers)

    request_hash = fingerprint("POST", "/work-orders", body.model_dump(mode="json"))
    outcome = await run_once(pool, principal.tenant, idempotency_key, request_hash, run)
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=outcome.headers)


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderResponse)
async def get_work_order(work_order_id: UUID, pool: Pool, principal: Reader) -> JSONResponse:
    async with pool.acquire() as conn:
        order, envelopes = await work_orders.load_work_order(conn, work_order_id, principal.tenant)
    if order.status is Status.NONE:
        raise HTTPException(404, f"no work order {work_order_id}")
    stamps = dict(created_at=envelopes[0].time, updated_at=envelopes[-1].time, version=envelopes[-1].streamversion)
    return JSONResponse(_order_body(order, stamps), headers={"ETag": etag(stamps["version"])})


@router.get("/work-orders", response_model=list[WorkOrderSummary])
async def list_work_orders(
    pool: Pool, principal: Reader, status: Status | None = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None, ticket_id: UUID | None = None,
    device_id: UUID | None = None, kind: WorkOrderKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[WorkOrderSummary]:
    filters = dict(status=status, assignee=assignee, ticket_id=ticket_id, device_id=device_id, kind=kind)
    async with pool.acquire() as conn:
        rows = await work_orders.work_orders_of(conn, principal.tenant, filters, limit, offset)
    return [WorkOrderSummary(**row) for row in rows]


@router.post("/work-orders/{work_order_id}/schedule", response_model=WorkOrderResponse)
async def schedule_work_order(work_order_id: UUID, body: ScheduleWorkOrderRequest, act: Act) -> JSONResponse:
    return await act(wo.ScheduleWorkOrder(work_order_id, **body.model_dump()))


@router.post("/work-orders/{work_order_id}/start", response_model=WorkOrderResponse)
async def start_work_order(work_order_id: UUID, act: Act) -> JSONResponse:
    return await act(wo.StartWorkOrder(work_order_id, act.principal.user_id))


@router.post("/work-orders/{work_order_id}/time", response_model=WorkOrderResponse)
async def log_work_time(work_order_id: UUID, body: LogWorkTimeRequest, act: Act) -> JSONResponse:
    return await act(wo.LogWorkTime(work_order_id, act.principal.user_id, **body.model_dump()))


@router.post("/work-orders/{work_order_id}/parts", response_model=WorkOrderResponse)
async def record_parts_used(work_order_id: UUID, body: RecordPartsUsedRequest, act: Act) -> JSONResponse:
    return await act(wo.RecordPartsUsed(work_order_id, act.principal.user_id, tuple(body.parts)))


@router.post("/work-orders/{work_order_id}/complete", response_model=WorkOrderResponse)
async def complete_work_order(work_order_id: UUID, body: CompleteWorkOrderRequest, act: Act) -> JSONResponse:
    return await act(wo.CompleteWorkOrder(work_order_id, body.summary))


@router.post("/work-orders/{work_order_id}/cancel", response_model=WorkOrderResponse)
async def cancel_work_order(work_order_id: UUID, body: CancelWorkOrderRequest, act: Act) -> JSONResponse:
    return await act(wo.CancelWorkOrder(work_order_id, body.reason))


@router.post("/work-orders/{work_order_id}/repairs", response_model=WorkOrderResponse)
async def log_repair(work_order_id: UUID, body: LogRepairRequest, act: Act) -> JSONResponse:
    command = wo.LogRepair(work_order_id, uuid7(), act.principal.user_id, body.fault, body.action,
                           tuple(body.parts), body.minutes)
    return await act(command)


@router.post("/preventive-schedules", status_code=201, response_model=PreventiveScheduleResponse)
async def create_preventive_schedule(
    body: CreatePreventiveScheduleRequest, request: Request, pool: Pool, principal: Planner
) -> JSONResponse:
    command = pm.CreatePreventiveSchedule(schedule_id=uuid7(), **body.model_dump())
    async with pool.acquire() as conn, conn.transaction():
        row = await work_orders.act_on_schedule(conn, command, context_for(request, principal))
    headers = {"Location": f"/preventive-schedules/{command.schedule_id}", "ETag": etag(row["version"])}
    return JSONResponse(_schedule_body(row), status_code=201, headers=headers)


@router.get("/preventive-schedules", response_model=list[PreventiveScheduleResponse])
async def list_preventive_schedules(
    pool: Pool, principal: Reader, status: ScheduleStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await work_orders.schedules_of(conn, principal.tenant, status, limit, offset)
    return [_schedule_body(row) for row in rows]


@router.get("/preventive-schedules/{schedule_id}", response_model=PreventiveScheduleResponse)
async def get_preventive_schedule(schedule_id: UUID, pool: Pool, principal: Reader) -> JSONResponse:
    async with pool.acquire() as conn:
        row = await work_orders.schedule_row(conn, schedule_id, principal.tenant)
    if row is None:
        raise HTTPException(404, f"no preventive schedule {schedule_id}")
    return JSONResponse(_schedule_body(row), headers={"ETag": etag(row["version"])})


@router.post("/preventive-schedules/{schedule_id}/retire", response_model=PreventiveScheduleResponse)
async def retire_preventive_schedule(
    schedule_id: UUID, body: RetirePreventiveScheduleRequest, request: Request, pool: Pool, principal: Planner,
    if_match: IfMatch,
) -> JSONResponse:
    command = pm.RetirePreventiveSchedule(schedule_id, body.reason)
    async with pool.acquire() as conn, conn.transaction():
        row = await work_orders.act_on_schedule(conn, command, context_for(request, principal), if_match)
    return JSONResponse(_schedule_body(row), headers={"ETag": etag(row["version"])})
