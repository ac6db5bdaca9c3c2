"""The purchasing REST API: a purchase request from what is asked for to the goods received; routes only.

Staff and technicians ask (staff see only their own requests); IT (technicians) recommends what to buy and
receives it; managers approve or reject, and order (the order records a commitment on the budget line).
"""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import purchasing
from assets.api.purchasing_models import (
    ApprovePurchaseRequest,
    OrderPurchaseRequest,
    PurchaseRequestPage,
    PurchaseRequestResponse,
    ReceivePurchaseRequest,
    RecommendPurchaseRequest,
    RejectPurchaseRequest,
    RequestPurchaseRequest,
    request_body,
)
from assets.domain.purchase_request import ApprovePurchase, OrderPurchase, RejectPurchase, RequestPurchase
from events.auth import DESK, Agent, Manager, Member, Participant, Principal
from events.envelope import Context
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, Call, CommandCall, Pool, answered

router = APIRouter(tags=["purchasing"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Status = Literal["requested", "recommended", "approved", "rejected", "ordered", "received"]


def _own(principal: Principal) -> str | None:
    """Staff reach only the requests they made; the desk reaches every one."""
    return None if principal.has_any(DESK) else principal.user_id


@router.post("/purchase-requests", status_code=201, response_model=PurchaseRequestResponse)
async def request_purchase(body: RequestPurchaseRequest, principal: Participant, call: CommandCall) -> Response:
    """Ask IT to buy something: what, why, for whom, how many and about what it costs."""

    async def run(conn, ctx: Context) -> Answer:
        command = RequestPurchase(
            request_id=uuid7(), requester_id=principal.user_id, **body.model_dump(), at=ctx.recorded_at
        )
        asked = await purchasing.ask(conn, command, ctx)
        return Answer(request_body(asked.view), asked.version, location=f"/purchase-requests/{command.request_id}")

    return await call.run(principal, run)


@router.get("/purchase-requests", response_model=PurchaseRequestPage)
async def list_purchase_requests(
    pool: Pool, principal: Member, status: Status | None = None, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Requests newest first, with the total; staff see their own."""
    async with pool.acquire() as conn:
        return await purchasing.requests_of(conn, principal.tenant, _own(principal), status, limit, offset)


@router.get("/purchase-requests/{request_id}", response_model=PurchaseRequestResponse)
async def get_purchase_request(request_id: UUID, pool: Pool, principal: Member) -> Response:
    """The request and each step it went through; `ETag` = its version, for `If-Match`."""
    async with pool.acquire() as conn:
        row = await purchasing.request_row(conn, request_id, principal.tenant, _own(principal))
    if row is None:
        raise NotFound(f"no purchase request {request_id}")
    return answered(request_body(row), row["version"])


async def _step(call: Call, principal: Principal, request_id: UUID, step) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        request = await step(conn, ctx)
        return Answer(request_body(request.view), request.version)

    return await call.run(principal, run)


@router.post("/purchase-requests/{request_id}/recommend", response_model=PurchaseRequestResponse)
async def recommend_purchase(
    request_id: UUID, body: RecommendPurchaseRequest, principal: Agent, call: CommandCall
) -> Response:
    """IT's recommendation: the model and specification, the cost, the alternatives weighed, and what it becomes
    once received (devices of a kind, a licence of a title, or neither)."""
    return await _step(
        call,
        principal,
        request_id,
        lambda conn, ctx: purchasing.recommend(
            conn, request_id, body.command(principal.user_id, ctx.recorded_at), ctx, call.if_match
        ),
    )


@router.post("/purchase-requests/{request_id}/approve", response_model=PurchaseRequestResponse)
async def approve_purchase(
    request_id: UUID, principal: Manager, call: CommandCall, body: ApprovePurchaseRequest | None = None
) -> Response:
    """Approve the recommended purchase (not one's own request)."""
    note = body.note if body else ""
    return await _step(
        call,
        principal,
        request_id,
        lambda conn, ctx: purchasing.handle_request(
            conn, request_id, ApprovePurchase(principal.user_id, ctx.recorded_at, note), ctx, call.if_match
        ),
    )


@router.post("/purchase-requests/{request_id}/reject", response_model=PurchaseRequestResponse)
async def reject_purchase(
    request_id: UUID, body: RejectPurchaseRequest, principal: Manager, call: CommandCall
) -> Response:
    return await _step(
        call,
        principal,
        request_id,
        lambda conn, ctx: purchasing.handle_request(
            conn, request_id, RejectPurchase(principal.user_id, body.reason, ctx.recorded_at), ctx, call.if_match
        ),
    )


@router.post("/purchase-requests/{request_id}/order", response_model=PurchaseRequestResponse)
async def order_purchase(
    request_id: UUID, body: OrderPurchaseRequest, principal: Manager, call: CommandCall
) -> Response:
    """Order the approved purchase from a vendor: the commitment it makes is recorded on the budget line named
    (materials and the request's cost centre by default), for the amount recommended unless given."""

    async def order(conn, ctx: Context):
        request = await purchasing.read_request(conn, request_id, ctx.tenant)
        made = request.state.recommendation
        amount = body.amount or (made.cost if made else 0)
        command = OrderPurchase(
            uuid7(),
            body.vendor,
            amount,
            body.component,
            body.cost_centre or request.state.cost_centre or "",
            body.expected_month,
            ctx.recorded_at,
            body.order_number,
        )
        return await purchasing.order(conn, request_id, command, ctx, call.if_match)

    return await _step(call, principal, request_id, order)


@router.post("/purchase-requests/{request_id}/receive", response_model=PurchaseRequestResponse)
async def receive_purchase(
    request_id: UUID, body: ReceivePurchaseRequest, principal: Agent, call: CommandCall
) -> Response:
    """Receive the order: devices enter the inventory in stock under the asset tags given (one per unit), or the
    licence is acquired with a seat per unit; the receipt's cost is the expenditure naming them, counted once."""
    receipt = body.model_dump()
    return await _step(
        call, principal, request_id, lambda conn, ctx: purchasing.receive(conn, request_id, receipt, ctx, call.if_match)
    )
