"""The purchasing deciders: commitments (purchase orders, drawn down by the spending that settles them), and the
purchase request, from what someone asks for to the goods received.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from uuid import UUID

from assets.domain.budget_errors import (
    CommitmentAlreadyRecorded,
    CommitmentClosed,
    PurchaseAlreadyDecided,
    PurchaseAlreadyOrdered,
    PurchaseAlreadyReceived,
    PurchaseAlreadyRecommended,
    PurchaseNotApproved,
    PurchaseNotOrdered,
    PurchaseNotRecommended,
    PurchaseRequestAlreadyMade,
    PurchaseSelfApproval,
    PurchaseWasRejected,
)
from events.base import Event
from events.contracts.assets import DeviceKind
from events.contracts.budget import CommitmentClosed as Closed
from events.contracts.budget import CommitmentDrawnDown, CommitmentRecorded, CostComponent
from events.contracts.purchasing import (
    Alternative,
    PurchaseApproved,
    PurchaseOrdered,
    PurchaseReceived,
    PurchaseRecommended,
    PurchaseRejected,
    PurchaseRequested,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Commitment:
    commitment_id: UUID | None = None
    amount: Decimal = ZERO
    drawn: Decimal = ZERO
    released: Decimal = ZERO
    closed: bool = False

    @property
    def open_amount(self) -> Decimal:
        return ZERO if self.closed else self.amount - self.drawn


@dataclass(frozen=True)
class RecordCommitment:
    commitment_id: UUID
    fiscal_year: int
    component: CostComponent
    cost_centre: str
    amount: Decimal
    vendor: str
    expected_month: str
    at: datetime
    description: str = ""
    order_number: str = ""
    purchase_request_id: UUID | None = None
    contract_id: UUID | None = None


@dataclass(frozen=True)
class DrawDownCommitment:
    expenditure_id: UUID
    amount: Decimal  # what was spent; the commitment goes down by as much as it still holds of it
    at: datetime


@dataclass(frozen=True)
class CloseCommitment:
    at: datetime
    reason: str = ""


def _commitment_must_exist(state: Commitment, command: object) -> None:
    if state.commitment_id is None:
        raise NotFound("no such commitment")


def _commit(state: Commitment, c: RecordCommitment) -> list[Event]:
    if state.commitment_id is not None:
        raise CommitmentAlreadyRecorded(f"commitment {c.commitment_id} is already recorded")
    return [CommitmentRecorded(**vars(c))]


def _still_open(state: Commitment) -> None:
    if state.open_amount == 0:
        why = "was closed" if state.closed else f"is spent in full ({state.amount})"
        raise CommitmentClosed(f"commitment {state.commitment_id} {why}: it takes no more spending")


def _draw(state: Commitment, c: DrawDownCommitment) -> list[Event]:
    _still_open(state)
    return [
        CommitmentDrawnDown(
            at=c.at,
            commitment_id=state.commitment_id,
            expenditure_id=c.expenditure_id,
            amount=min(c.amount, state.open_amount),
        )
    ]


def _close(state: Commitment, c: CloseCommitment) -> list[Event]:
    _still_open(state)
    return [Closed(at=c.at, commitment_id=state.commitment_id, released=state.open_amount, reason=c.reason)]


COMMITMENT = Decider(
    initial=Commitment(),
    evolvers={
        CommitmentRecorded: lambda s, e: Commitment(e.commitment_id, e.amount),
        CommitmentDrawnDown: lambda s, e: replace(s, drawn=s.drawn + e.amount),
        Closed: lambda s, e: replace(s, released=e.released, closed=True),
    },
    deciders={RecordCommitment: _commit, DrawDownCommitment: _draw, CloseCommitment: _close},
    precondition=_commitment_must_exist,
    creates=(RecordCommitment,),
)

# --- purchase requests ------------------------------------------------------------------------------------------


class Stage(IntEnum):
    """Where a request is, in the order it gets there; a rejected one goes no further."""

    NONE = 0
    REQUESTED = 1
    RECOMMENDED = 2
    APPROVED = 3
    ORDERED = 4
    RECEIVED = 5
    REJECTED = 9


@dataclass(frozen=True)
class PurchaseRequest:
    request_id: UUID | None = None
    stage: Stage = Stage.NONE
    requester_id: str = ""
    quantity: int = 0
    cost_centre: str | None = None
    recommendation: PurchaseRecommended | None = None
    order: PurchaseOrdered | None = None


@dataclass(frozen=True)
class RequestPurchase:
    request_id: UUID
    requester_id: str
    item: str
    justification: str
    quantity: int
    estimated_cost: Decimal
    at: datetime
    for_whom: str = ""
    cost_centre: str | None = None


@dataclass(frozen=True)
class RecommendPurchase:
    recommended_by: str
    model: str
    specification: str
    unit_cost: Decimal
    at: datetime
    cost: Decimal | None = None  # unit cost x quantity, unless the order adds (or saves) something
    manufacturer: str = ""
    alternatives: tuple[Alternative, ...] = ()
    device_kind: DeviceKind | None = None
    holds_storage: bool = False
    useful_life_months: int | None = None
    title_id: UUID | None = None


@dataclass(frozen=True)
class ApprovePurchase:
    approver_id: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class RejectPurchase:
    approver_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class OrderPurchase:
    commitment_id: UUID
    vendor: str
    amount: Decimal
    component: CostComponent
    cost_centre: str
    expected_month: str
    at: datetime
    order_number: str = ""


@dataclass(frozen=True)
class ReceivePurchase:
    received_by: str
    expenditure_id: UUID
    cost: Decimal
    at: datetime
    device_ids: tuple[UUID, ...] = ()
    licence_id: UUID | None = None


# The stage each step needs, and the refusal when the request has not reached it or is past it.
_NEEDS = {
    RecommendPurchase: Stage.REQUESTED,
    ApprovePurchase: Stage.RECOMMENDED,
    RejectPurchase: Stage.RECOMMENDED,
    OrderPurchase: Stage.APPROVED,
    ReceivePurchase: Stage.ORDERED,
}
_NOT_YET = {
    Stage.RECOMMENDED: PurchaseNotRecommended,
    Stage.APPROVED: PurchaseNotApproved,
    Stage.ORDERED: PurchaseNotOrdered,
}
_PAST = {
    Stage.REQUESTED: PurchaseAlreadyRecommended,
    Stage.RECOMMENDED: PurchaseAlreadyDecided,
    Stage.APPROVED: PurchaseAlreadyOrdered,
    Stage.ORDERED: PurchaseAlreadyReceived,
}


def _at_its_stage(state: PurchaseRequest, command: object) -> None:
    if state.request_id is None:
        raise NotFound("no such purchase request")
    needs = _NEEDS[type(command)]
    if state.stage is Stage.REJECTED:
        rule = PurchaseAlreadyDecided if needs is Stage.RECOMMENDED else PurchaseWasRejected
        raise rule(f"purchase request {state.request_id} was rejected: it goes no further than that")
    if state.stage < needs:
        raise _NOT_YET[needs](
            f"purchase request {state.request_id} is {state.stage.name.lower()}, not yet {needs.name.lower()}"
        )
    if state.stage > needs:
        raise _PAST[needs](f"purchase request {state.request_id} is already {state.stage.name.lower()}")


def _request(state: PurchaseRequest, c: RequestPurchase) -> list[Event]:
    if state.request_id is not None:
        raise PurchaseRequestAlreadyMade(f"purchase request {c.request_id} is already made")
    return [PurchaseRequested(**vars(c))]


def _recommend(state: PurchaseRequest, c: RecommendPurchase) -> list[Event]:
    if c.device_kind is not None and c.title_id is not None:
        raise Unprocessable("title_id", "a purchase becomes devices or a licence, not both: name one")
    cost = c.unit_cost * state.quantity if c.cost is None else c.cost
    return [
        PurchaseRecommended(
            **{**vars(c), "cost": cost, "alternatives": list(c.alternatives)}, request_id=state.request_id
        )
    ]


def _approve(state: PurchaseRequest, c: ApprovePurchase) -> list[Event]:
    if c.approver_id == state.requester_id:
        raise PurchaseSelfApproval(
            f"{c.approver_id} asked for purchase {state.request_id}: another manager approves it"
        )
    return [PurchaseApproved(request_id=state.request_id, **vars(c))]


def _reject(state: PurchaseRequest, c: RejectPurchase) -> list[Event]:
    return [PurchaseRejected(request_id=state.request_id, **vars(c))]


def _order(state: PurchaseRequest, c: OrderPurchase) -> list[Event]:
    if c.amount <= 0:
        raise Unprocessable("amount", "an order commits some money: give what it costs")
    if not c.cost_centre:
        raise Unprocessable("cost_centre", "the request names no cost centre: name the one the order is charged to")
    return [PurchaseOrdered(request_id=state.request_id, **vars(c))]


def _receive(state: PurchaseRequest, c: ReceivePurchase) -> list[Event]:
    r = state.recommendation
    if r.device_kind is not None and len(c.device_ids) != state.quantity:
        raise Unprocessable(
            "devices", f"{state.quantity} devices were ordered: give each its asset tag, not {len(c.device_ids)}"
        )
    if r.device_kind is None and c.device_ids:
        raise Unprocessable("devices", f"{r.model} does not enter the inventory as devices")
    return [PurchaseReceived(request_id=state.request_id, **{**vars(c), "device_ids": list(c.device_ids)})]


def _requested(s: PurchaseRequest, e: PurchaseRequested) -> PurchaseRequest:
    return PurchaseRequest(e.request_id, Stage.REQUESTED, e.requester_id, e.quantity, e.cost_centre)


PURCHASE_REQUEST = Decider(
    initial=PurchaseRequest(),
    evolvers={
        PurchaseRequested: _requested,
        PurchaseRecommended: lambda s, e: replace(s, stage=Stage.RECOMMENDED, recommendation=e),
        PurchaseApproved: lambda s, e: replace(s, stage=Stage.APPROVED),
        PurchaseRejected: lambda s, e: replace(s, stage=Stage.REJECTED),
        PurchaseOrdered: lambda s, e: replace(s, stage=Stage.ORDERED, order=e),
        PurchaseReceived: lambda s, e: replace(s, stage=Stage.RECEIVED),
    },
    deciders={
        RequestPurchase: _request,
        RecommendPurchase: _recommend,
        ApprovePurchase: _approve,
        RejectPurchase: _reject,
        OrderPurchase: _order,
        ReceivePurchase: _receive,
    },
    precondition=_at_its_stage,
    creates=(RequestPurchase,),
)
