"""The work-order REST API: request and response models and routes."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from events.auth import Agent, Desk, Principal
from events.contracts.work_orders import PartUsed, WorkOrderKind
from events.envelope import Context
from events.errors import NotFound, UnknownReference
from events.fields import Body, Instant, Note, UserId
from events.ids import uuid7
from events.streams import Stream
from events.web import Answer, CommandCall, Pool, answered
from tickets import work_orders
from tickets.api.fields import Description, Parts, Title
from tickets.domain import work_order as wo
from tickets.domain.work_order import Status, WorkOrder

router = APIRouter(tags=["work orders"])



class CreateWorkOrderRequest(Body):
    title: Title
    description: Description = ""
    kind: WorkOrderKind = WorkOrderKind.CORRECTIVE
    ticket_id: UUID | None = None
    device_id: UUID | None = None


class ScheduleWorkOrderRequest(Body):
    technician_id: UserId
    scheduled_for: Instant


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


def _order_body(order: Stream[WorkOrder], stamps) -> dict[str, Any]:
    """`stamps` holds created_at, updated_at and version: the order's list row, or its stream's ends."""
    fields = {k: v for k, v in vars(order.state).items() if k != "work_order_id"}
    stamped = {k: stamps[k] for k in ("created_at", "updated_at", "version")}
    return WorkOrderResponse(id=order.state.work_order_id, **fields, **stamped).model_dump(mode="json")


async def transition(call: CommandCall, principal: Principal, make: Callable[[datetime], wo.Command]) -> Response:
    """Decide `make(now)` on a work order and answer the order as it is after it."""

    async def run(conn, ctx: Context) -> Answer:
        order = await work_orders.handle_work_order(conn, make(ctx.recorded_at), ctx, call.if_match)
        return Answer(_order_body(order, order.view), order.version)

    return await call.run(principal, run)


@router.post("/work-orders", status_code=201, response_model=WorkOrderResponse)
async def create_work_order(body: CreateWorkOrderRequest, principal: Agent, call: CommandCall) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        if body.ticket_id and not await work_orders.ticket_exists(conn, body.ticket_id, ctx.tenant):
            raise UnknownReference("ticket_id", f"there is no ticket {body.ticket_id}")
        command = wo.CreateWorkOrder(work_order_id=uuid7(), **body.model_dump(), at=ctx.recorded_at)
        order = await work_orders.handle_work_order(conn, command, ctx)
        return Answer(_order_body(order, order.view), order.version, location=f"/work-orders/{command.work_order_id}")

    return await call.run(principal, run)


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderResponse)
async def get_work_order(work_order_id: UUID, pool: Pool, principal: Desk) -> Response:
    async with pool.acquire() as conn:
        order = await work_orders.read_work_order(conn, work_order_id, principal.tenant)
    if order.version == 0:
        raise NotFound(f"no work order {work_order_id}")
    stamps = dict(created_at=order.history[0].time, updated_at=order.history[-1].time, version=order.version)
    return answered(_order_body(order, stamps), order.version)


@router.get("/work-orders", response_model=list[WorkOrderSummary])
async def list_work_orders(
    pool: Pool, principal: Desk, status: Status | None = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None, ticket_id: UUID | None = None,
    device_id: UUID | None = None, kind: WorkOrderKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[WorkOrderSummary]:
    filters = dict(status=status, assignee=assignee, ticket_id=ticket_id, device_id=device_id, kind=kind)
    async with pool.acquire() as conn:
        rows = await work_orders.work_orders_of(conn, principal.tenant, filters, limit, offset)
    return [WorkOrderSummary(**row) for row in rows]


def _post(path: str):
    return router.post(f"/work-orders/{{work_order_id}}/{path}", response_model=WorkOrderResponse, name=path)


@_post("schedule")
async def schedule_work_order(work_order_id: UUID, body: ScheduleWorkOrderRequest, principal: Agent,
                              call: CommandCall):
    return await transition(call, principal, lambda at: wo.ScheduleWorkOrder(work_order_id, **body.model_dump(), at=at))


@_post("start")
async def start_work_order(work_order_id: UUID, principal: Agent, call: CommandCall):
    return await transition(call, principal, lambda at: wo.StartWorkOrder(work_order_id, principal.user_id, at=at))


@_post("time")
async def log_work_time(work_order_id: UUID, body: LogWorkTimeRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal,
                        lambda at: wo.LogWorkTime(work_order_id, principal.user_id, **body.model_dump(), at=at))


@_post("parts")
async def record_parts_used(work_order_id: UUID, body: RecordPartsUsedRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal,
                        lambda at: wo.RecordPartsUsed(work_order_id, principal.user_id, tuple(body.parts), at=at))


@_post("complete")
async def complete_work_order(work_order_id: UUID, body: CompleteWorkOrderRequest, principal: Agent,
                              call: CommandCall):
    return await transition(call, principal, lambda at: wo.CompleteWorkOrder(work_order_id, body.summary, at=at))


@_post("cancel")
async def cancel_work_order(work_order_id: UUID, body: CancelWorkOrderRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, lambda at: wo.CancelWorkOrder(work_order_id, body.reason, at=at))


@_post("repairs")
async def log_repair(work_order_id: UUID, body: LogRepairRequest, principal: Agent, call: CommandCall):
    def make(at: datetime) -> wo.Command:
        return wo.LogRepair(work_order_id, uuid7(), principal.user_id, body.fault, body.action, tuple(body.parts),
                            body.minutes, at=at)

    return await transition(call, principal, make)
