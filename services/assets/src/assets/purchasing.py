"""Purchasing on the kit: purchase requests through `streams.handle` with their rows beside them, the order that
records its commitment and the receipt that registers what came (devices in stock, a licence's seats) and records
what it cost, each in the step's one transaction; and the job that turns each purchase the inventory recorded, and
no expenditure named, into an expenditure of its own, once, so that the events alone carry every actual."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

import asyncpg
import structlog

from assets import budgets, service, software
from assets.domain.budget import RecordExpenditure, even
from assets.domain.commands import RegisterDevice
from assets.domain.purchase_request import (
    PURCHASE_REQUEST,
    OrderPurchase,
    PurchaseRequest,
    ReceivePurchase,
    RecommendPurchase,
    RecordCommitment,
    RequestPurchase,
)
from assets.domain.software import AcquireLicence
from events import jobs, streams
from events.contracts.assets import Amortization, Purchase
from events.contracts.budget import CostComponent, LicencePurchaseRef, SpendingKind
from events.contracts.purchasing import (
    PurchaseApproved,
    PurchaseOrdered,
    PurchaseReceived,
    PurchaseRecommended,
    PurchaseRejected,
    PurchaseRequested,
)
from events.contracts.software import LicencePurchase
from events.db import page
from events.envelope import Context
from events.errors import NotFound, UnknownReference
from events.ids import uuid7
from events.jobs import PeriodicJob
from events.streams import Stream

log = structlog.get_logger()

SPENDER = "system:inventory-spending"
SPENDING_SCAN_SECONDS = 300.0
SPENDING_BATCH = 500
UNALLOCATED = "unallocated"  # the cost centre of a purchase in a year with no budget to name one
# Fixed forever: changing it would give a purchase a second expenditure.
_SPENDING_NAMESPACE = UUID("0b6f1f8e-6a57-4a7e-9d0e-2c1e51f3b7a4")


def inventory_expenditure_id(tenant: str, purchase_key: str) -> UUID:
    """The one expenditure an inventory purchase gets from the job."""
    return uuid5(_SPENDING_NAMESPACE, f"{tenant}\n{purchase_key}")


_DUE = f"SELECT purchase_key FROM {budgets.INVENTORY_PURCHASES} ORDER BY spent_on, purchase_key LIMIT $1"
# Two replicas never record the same purchase: each holds it under a lock for its transaction, and re-reads it.
_CLAIM = "SELECT pg_try_advisory_xact_lock(hashtext('inventory-spending:' || $1))"
_ONE = f"SELECT * FROM {budgets.INVENTORY_PURCHASES} AND purchase_key = $1"


def inventory_spending_job() -> PeriodicJob:
    return PeriodicJob("inventory-spending", SPENDING_SCAN_SECONDS, record_inventory_spending)


async def record_inventory_spending(pool: asyncpg.Pool) -> int:
    """Record an expenditure for every inventory purchase not yet counted; returns how many were recorded."""
    correlation = f"inventory-spending-{uuid4().hex[:12]}"

    async def work(conn: asyncpg.Connection, row: asyncpg.Record) -> int:
        return await _record_purchase(conn, row["purchase_key"], Context("", SPENDER, correlation))

    recorded = await jobs.claim_each(pool, "inventory-spending", _DUE, (SPENDING_BATCH,), _CLAIM, work)
    if recorded:
        log.info("inventory_spending_recorded", count=recorded, correlation_id=correlation)
    return recorded


async def _record_purchase(conn: asyncpg.Connection, purchase_key: str, job: Context) -> int:
    purchase = await conn.fetchrow(_ONE, purchase_key)
    if purchase is None:  # an expenditure named it since it was listed
        return 0
    ctx = Context(purchase["tenant"], SPENDER, job.correlation_id)
    await budgets.spend(conn, await _expenditure(conn, purchase, ctx.recorded_at), ctx)
    return 1


async def _expenditure(conn: asyncpg.Connection, p: asyncpg.Record, at: datetime) -> RecordExpenditure:
    fiscal_year = await budgets.fiscal_year_of(conn, p["tenant"], p["spent_on"])
    cost_centre = await conn.fetchval(
        "SELECT inventory_cost_centre FROM budgets WHERE tenant = $1 AND fiscal_year = $2", p["tenant"], fiscal_year
    )
    device = p["device_id"]
    licence = LicencePurchaseRef(licence_id=p["licence_id"], purchase=p["purchase"]) if device is None else None
    return RecordExpenditure(
        expenditure_id=inventory_expenditure_id(p["tenant"], p["purchase_key"]),
        fiscal_year=fiscal_year,
        spent_on=p["spent_on"],
        kind=SpendingKind.INVENTORY_PURCHASE,
        component=CostComponent.MATERIALS,
        cost_centre=cost_centre or UNALLOCATED,
        amount=p["amount"],
        at=at,
        capital=p["capital"],
        vendor=p["vendor"],
        reference=p["reference"],
        description=f"{'device' if device else 'licence'} purchase recorded in the inventory",
        device_ids=(device,) if device else (),
        licence_purchases=(licence,) if licence else (),
    )


# ------------------------------------------------------------------------------------------------- purchase requests


async def read_request(conn: asyncpg.Connection, request_id: UUID, tenant: str) -> Stream[PurchaseRequest]:
    return await streams.read(conn, PURCHASE_REQUEST, str(request_id), tenant)


def asked_by(person_id: str | None):
    """The stream check for staff, who reach only what they asked for (None: the desk, who reach every request)."""

    def check(state: PurchaseRequest) -> None:
        if person_id is not None and state.request_id is not None and state.requester_id != person_id:
            raise NotFound("no such purchase request")

    return check


async def ask(conn: asyncpg.Connection, command: RequestPurchase, ctx: Context) -> Stream[PurchaseRequest]:
    return await handle_request(conn, command.request_id, command, ctx, loaded=streams.fresh(PURCHASE_REQUEST))


async def handle_request(
    conn: asyncpg.Connection,
    request_id: UUID,
    command: Any,
    ctx: Context,
    if_match: int | None = None,
    loaded: Stream[PurchaseRequest] | None = None,
) -> Stream[PurchaseRequest]:
    """Run a request command; the stream's `view` is the request's row as it stands after."""
    return await streams.handle(
        conn, PURCHASE_REQUEST, str(request_id), command, ctx, if_match=if_match, loaded=loaded, inline=_write_request
    )


async def recommend(
    conn: asyncpg.Connection, request_id: UUID, command: RecommendPurchase, ctx: Context, if_match: int | None = None
) -> Stream[PurchaseRequest]:
    if command.title_id is not None and (await software.read_title(conn, command.title_id, ctx.tenant)).version == 0:
        raise UnknownReference("title_id", f"there is no software title {command.title_id}")
    return await handle_request(conn, request_id, command, ctx, if_match)


async def order(
    conn: asyncpg.Connection, request_id: UUID, command: OrderPurchase, ctx: Context, if_match: int | None = None
) -> Stream[PurchaseRequest]:
    """Order an approved request: the commitment it makes is recorded with it, on the budget line named."""
    ordered = await handle_request(conn, request_id, command, ctx, if_match)
    made = ordered.state.recommendation
    year = await budgets.fiscal_year_of(conn, ctx.tenant, budgets.first_day(command.expected_month))
    commitment = RecordCommitment(
        command.commitment_id,
        year,
        command.component,
        command.cost_centre,
        command.amount,
        command.vendor,
        command.expected_month,
        command.at,
        description=f"purchase request {request_id}: {made.model}"[:5_000],
        order_number=command.order_number,
        purchase_request_id=request_id,
    )
    await budgets.record_commitment(conn, commitment, ctx)
    return ordered


async def receive(
    conn: asyncpg.Connection, request_id: UUID, receipt: dict, ctx: Context, if_match: int | None = None
) -> Stream[PurchaseRequest]:
    """Receive an ordered request: its devices registered in stock under the tags given, or its licence acquired
    with a seat per unit, and the receipt's cost recorded as the expenditure that names them, settling the order."""
    loaded = await read_request(conn, request_id, ctx.tenant)
    made, placed = loaded.state.recommendation, loaded.state.order
    cost = receipt["cost"] if receipt["cost"] is not None else (placed.amount if placed else Decimal(0))
    device_ids = tuple(uuid7() for _ in receipt["devices"])
    licence_id = uuid7() if made is not None and made.title_id is not None else None
    command = ReceivePurchase(ctx.actor, uuid7(), cost, ctx.recorded_at, device_ids, licence_id)
    received = await handle_request(conn, request_id, command, ctx, if_match, loaded=loaded)
    for device_id, unit, share in zip(device_ids, receipt["devices"], even(cost, len(device_ids) or 1), strict=False):
        await service.handle_device(conn, device_id, _register(device_id, unit, share, made, placed, receipt, ctx), ctx)
    if licence_id is not None:
        await software.acquire(conn, _acquire(licence_id, loaded.state.quantity, cost, made, placed, receipt, ctx), ctx)
    await budgets.spend(conn, await _receipt_spending(conn, command, made, placed, receipt, ctx), ctx)
    return received


def _register(
    device_id,
    unit: dict,
    share: Decimal,
    made: PurchaseRecommended,
    placed: PurchaseOrdered,
    receipt: dict,
    ctx: Context,
) -> RegisterDevice:
    purchase = Purchase(
        purchased_on=ctx.recorded_at.date(), cost=share, supplier=placed.vendor, order_number=placed.order_number
    )
    life = Amortization(useful_life_months=made.useful_life_months) if made.useful_life_months else None
    return RegisterDevice(
        device_id,
        unit["asset_tag"],
        made.device_kind,
        made.holds_storage,
        ctx.recorded_at,
        serial=unit["serial"],
        manufacturer=made.manufacturer,
        model=made.model,
        purchase=purchase,
        amortization=life,
        warranty_ends_on=receipt["warranty_ends_on"],
        location=receipt["location"],
        department=receipt["department"],
    )


def _acquire(
    licence_id: UUID,
    seats: int,
    cost: Decimal,
    made: PurchaseRecommended,
    placed: PurchaseOrdered,
    receipt: dict,
    ctx: Context,
) -> AcquireLicence:
    purchase = LicencePurchase(
        cost=cost,
        purchased_on=ctx.recorded_at.date(),
        supplier=placed.vendor,
        order_number=placed.order_number,
    )
    return AcquireLicence(
        licence_id,
        made.title_id,
        receipt["licence_type"],
        seats,
        ctx.recorded_at,
        expires_on=receipt["expires_on"],
        purchase=purchase,
        key_reference=receipt["key_reference"],
    )


async def _receipt_spending(
    conn, c: ReceivePurchase, made: PurchaseRecommended, placed: PurchaseOrdered, receipt: dict, ctx: Context
) -> RecordExpenditure:
    day = ctx.recorded_at.date()
    licences = (LicencePurchaseRef(licence_id=c.licence_id, purchase=0),) if c.licence_id else ()
    return RecordExpenditure(
        c.expenditure_id,
        await budgets.fiscal_year_of(conn, ctx.tenant, day),
        day,
        SpendingKind.PURCHASE_RECEIPT,
        placed.component,
        placed.cost_centre,
        c.cost,
        c.at,
        capital=bool(c.device_ids and made.useful_life_months),
        vendor=placed.vendor,
        reference=receipt["invoice_reference"] or placed.order_number,
        description=f"{made.model} received"[:5_000],
        commitment_id=placed.commitment_id,
        purchase_request_id=placed.request_id,
        device_ids=c.device_ids,
        licence_purchases=licences,
    )


_UPSERT_REQUEST = """
INSERT INTO purchase_requests (request_id, tenant, requester_id, item, justification, for_whom, quantity,
    estimated_cost, cost_centre, status, recommendation, decision, purchase_order, receipt, requested_at, updated_at,
    version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (request_id) DO UPDATE SET status = $10, recommendation = $11, decision = $12, purchase_order = $13,
    receipt = $14, updated_at = $16, version = $17"""
_STEPS = {
    PurchaseRecommended: "recommendation",
    PurchaseApproved: "decision",
    PurchaseRejected: "decision",
    PurchaseOrdered: "purchase_order",
    PurchaseReceived: "receipt",
}


async def _write_request(conn: asyncpg.Connection, request: Stream[PurchaseRequest], ctx: Context):
    asked: PurchaseRequested = request.events[0]
    steps = {_STEPS[type(e)]: _step(e) for e in request.events[1:]}
    await conn.execute(
        _UPSERT_REQUEST,
        asked.request_id,
        ctx.tenant,
        asked.requester_id,
        asked.item,
        asked.justification,
        asked.for_whom,
        asked.quantity,
        asked.estimated_cost,
        asked.cost_centre,
        request.state.stage.name.lower(),
        *(steps.get(name) for name in ("recommendation", "decision", "purchase_order", "receipt")),
        request.history[0].time,
        request.history[-1].recordedtime,
        request.version,
    )
    return await request_row(conn, asked.request_id, ctx.tenant)


def _step(event) -> dict:
    outcome = {PurchaseApproved: "approved", PurchaseRejected: "rejected"}.get(type(event))
    return {**event.model_dump(mode="json", exclude={"request_id"}), **({"outcome": outcome} if outcome else {})}


_REQUESTS = """request_id AS id, requester_id, item, justification, for_whom, quantity, estimated_cost, cost_centre,
    status, recommendation, decision, purchase_order AS "order", receipt, requested_at, updated_at, version"""
_SOURCE = """FROM purchase_requests WHERE tenant = $1 AND ($2::text IS NULL OR requester_id = $2)
  AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR request_id = $4)"""


async def request_row(
    conn: asyncpg.Connection, request_id: UUID, tenant: str, requester_id: str | None = None
) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_REQUESTS} {_SOURCE}", tenant, requester_id, None, request_id)


async def requests_of(
    conn: asyncpg.Connection, tenant: str, requester_id: str | None, status: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """Requests newest first (only the requester's own when named), with the total found."""
    args = [tenant, requester_id, status, None]
    return await page(conn, _REQUESTS, _SOURCE, "requested_at DESC, request_id DESC", args, limit, offset)
