"""The purchase request decider, given / when / then, without I/O: each step in its order, every step refused out of
it, twice, or after a rejection."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from assets.domain.budget_errors import (
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
from assets.domain.purchase_request import (
    PURCHASE_REQUEST,
    ApprovePurchase,
    OrderPurchase,
    ReceivePurchase,
    RecommendPurchase,
    RejectPurchase,
    RequestPurchase,
    Stage,
)
from events.contracts.assets import DeviceKind
from events.contracts.budget import CostComponent
from events.contracts.purchasing import (
    Alternative,
    PurchaseApproved,
    PurchaseOrdered,
    PurchaseReceived,
    PurchaseRecommended,
    PurchaseRejected,
    PurchaseRequested,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

REQUEST, COMMITMENT, SPENT, PC1, PC2 = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal

REQUESTED = PurchaseRequested(
    at=AT,
    request_id=REQUEST,
    requester_id="tom",
    item="Two laptops for GIS interns",
    justification="summer interns start in May",
    for_whom="GIS team",
    quantity=2,
    estimated_cost=D("3000.00"),
)
RECOMMENDED = PurchaseRecommended(
    at=AT,
    request_id=REQUEST,
    recommended_by="tom",
    manufacturer="Lenovo",
    model="ThinkPad T14",
    specification="16 GB",
    unit_cost=D("1400.00"),
    cost=D("2800.00"),
    alternatives=[Alternative(option="Dell 5440", cost=D("1500"))],
    device_kind=DeviceKind.LAPTOP,
    holds_storage=True,
    useful_life_months=48,
)
APPROVED = PurchaseApproved(at=AT, request_id=REQUEST, approver_id="maria")
REJECTED = PurchaseRejected(at=AT, request_id=REQUEST, approver_id="maria", reason="use the spare pool")
ORDERED = PurchaseOrdered(
    at=AT,
    request_id=REQUEST,
    commitment_id=COMMITMENT,
    vendor="CDW",
    amount=D("2800.00"),
    component=CostComponent.MATERIALS,
    cost_centre="GIS",
    expected_month="2026-04",
)
RECEIVED = PurchaseReceived(
    at=AT, request_id=REQUEST, received_by="tom", expenditure_id=SPENT, cost=D("2790.00"), device_ids=[PC1, PC2]
)

REQUEST_IT = RequestPurchase(
    REQUEST,
    "tom",
    "Two laptops for GIS interns",
    "summer interns start in May",
    2,
    D("3000.00"),
    AT,
    for_whom="GIS team",
)
RECOMMEND = RecommendPurchase(
    "tom",
    "ThinkPad T14",
    "16 GB",
    D("1400.00"),
    AT,
    manufacturer="Lenovo",
    alternatives=(Alternative(option="Dell 5440", cost=D("1500")),),
    device_kind=DeviceKind.LAPTOP,
    holds_storage=True,
    useful_life_months=48,
)
APPROVE = ApprovePurchase("maria", AT)
REJECT = RejectPurchase("maria", "use the spare pool", AT)
ORDER = OrderPurchase(COMMITMENT, "CDW", D("2800.00"), CostComponent.MATERIALS, "GIS", "2026-04", AT)
RECEIVE = ReceivePurchase("tom", SPENT, D("2790.00"), AT, device_ids=(PC1, PC2))


def test_a_request_goes_from_asked_to_recommended_approved_ordered_and_received():
    given(PURCHASE_REQUEST).then(REQUEST_IT, REQUESTED)
    given(PURCHASE_REQUEST, REQUESTED).then(RECOMMEND, RECOMMENDED)
    given(PURCHASE_REQUEST, REQUESTED, RECOMMENDED).then(APPROVE, APPROVED)
    given(PURCHASE_REQUEST, REQUESTED, RECOMMENDED, APPROVED).then(ORDER, ORDERED)
    given(PURCHASE_REQUEST, REQUESTED, RECOMMENDED, APPROVED, ORDERED).then(RECEIVE, RECEIVED)
    assert given(PURCHASE_REQUEST, REQUESTED, RECOMMENDED, APPROVED, ORDERED, RECEIVED).state.stage is Stage.RECEIVED


@pytest.mark.parametrize(
    ("history", "command", "rule"),
    [
        ((REQUESTED,), APPROVE, PurchaseNotRecommended),
        ((REQUESTED,), REJECT, PurchaseNotRecommended),
        ((REQUESTED, RECOMMENDED), ORDER, PurchaseNotApproved),
        ((REQUESTED,), ORDER, PurchaseNotApproved),
        ((REQUESTED, RECOMMENDED, APPROVED), RECEIVE, PurchaseNotOrdered),
        ((REQUESTED, RECOMMENDED), RECOMMEND, PurchaseAlreadyRecommended),
        ((REQUESTED, RECOMMENDED, APPROVED), APPROVE, PurchaseAlreadyDecided),
        ((REQUESTED, RECOMMENDED, APPROVED), REJECT, PurchaseAlreadyDecided),
        ((REQUESTED, RECOMMENDED, REJECTED), APPROVE, PurchaseAlreadyDecided),
        ((REQUESTED, RECOMMENDED, REJECTED), ORDER, PurchaseWasRejected),
        ((REQUESTED, RECOMMENDED, REJECTED), RECOMMEND, PurchaseWasRejected),
        ((REQUESTED, RECOMMENDED, APPROVED, ORDERED), ORDER, PurchaseAlreadyOrdered),
        ((REQUESTED, RECOMMENDED, APPROVED, ORDERED, RECEIVED), RECEIVE, PurchaseAlreadyReceived),
        ((REQUESTED, RECOMMENDED, APPROVED, ORDERED, RECEIVED), APPROVE, PurchaseAlreadyDecided),
        ((REQUESTED,), REQUEST_IT, PurchaseRequestAlreadyMade),
        ((), RECOMMEND, NotFound),
    ],
)
def test_a_step_out_of_its_order_is_refused_by_the_rule_it_breaks(history, command, rule):
    given(PURCHASE_REQUEST, *history).refuses(command, rule)


def test_whoever_asked_does_not_approve_their_own_purchase():
    own = ApprovePurchase("tom", AT)
    given(PURCHASE_REQUEST, REQUESTED, RECOMMENDED).refuses(own, PurchaseSelfApproval, "another manager")


def test_a_recommendation_becomes_devices_or_a_licence_not_both_and_costs_the_quantity_by_default():
    both = RecommendPurchase("tom", "T14", "spec", D("1"), AT, device_kind=DeviceKind.LAPTOP, title_id=uuid4())
    assert given(PURCHASE_REQUEST, REQUESTED).refuses(both, Unprocessable).field == "title_id"
    [recommended] = given(PURCHASE_REQUEST, REQUESTED).when(RECOMMEND)
    assert recommended.cost == D("2800.00")


def test_a_receipt_of_devices_gives_each_ordered_unit_its_device():
    one_short = ReceivePurchase("tom", SPENT, D("1"), AT, device_ids=(PC1,))
    history = (REQUESTED, RECOMMENDED, APPROVED, ORDERED)
    assert given(PURCHASE_REQUEST, *history).refuses(one_short, Unprocessable, "2 devices").field == "devices"
    service = RECOMMENDED.model_copy(update={"device_kind": None, "model": "On-site set-up"})
    with_devices = given(PURCHASE_REQUEST, REQUESTED, service, APPROVED, ORDERED).refuses(RECEIVE, Unprocessable)
    assert with_devices.field == "devices"
