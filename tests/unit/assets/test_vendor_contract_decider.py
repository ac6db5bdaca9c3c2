"""The vendor contract decider, given / when / then, without I/O: terms, renewals as new terms, termination."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from assets.domain.budget_errors import (
    ContractEnded,
    ContractRenewalNotLater,
    ContractTerminated,
    VendorContractAlreadyRecorded,
)
from assets.domain.vendor_contract import (
    VENDOR_CONTRACT,
    RecordVendorContract,
    RenewVendorContract,
    TerminateVendorContract,
)
from events.contracts.purchasing import (
    ContractType,
    ScheduledPayment,
    VendorContractRecorded,
    VendorContractRenewed,
    VendorContractTerminated,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

CONTRACT, PC = uuid4(), uuid4()
SIGNED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
QUARTERLY = (
    ScheduledPayment(due_on=date(2026, 1, 15), amount=Decimal("2500.00")),
    ScheduledPayment(due_on=date(2026, 4, 15), amount=Decimal("2500.00")),
    ScheduledPayment(due_on=date(2026, 7, 15), amount=Decimal("2500.00")),
    ScheduledPayment(due_on=date(2026, 10, 15), amount=Decimal("2500.01")),
)


def record(**overrides) -> RecordVendorContract:
    fields = dict(
        contract_id=CONTRACT,
        contract_type=ContractType.HARDWARE_MAINTENANCE,
        vendor="Dell Canada",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        value=Decimal("10000.01"),
        renewal_notice_days=90,
        owner_id="maria",
        at=SIGNED,
        payments=QUARTERLY,
        reference="C-2026-14",
        device_ids=(PC,),
    )
    return RecordVendorContract(**{**fields, **overrides})


RECORDED = VendorContractRecorded(
    at=SIGNED,
    contract_id=CONTRACT,
    contract_type=ContractType.HARDWARE_MAINTENANCE,
    vendor="Dell Canada",
    reference="C-2026-14",
    starts_on=date(2026, 1, 1),
    ends_on=date(2026, 12, 31),
    value=Decimal("10000.01"),
    payments=list(QUARTERLY),
    renewal_notice_days=90,
    device_ids=[PC],
    owner_id="maria",
)


def renew(**overrides) -> RenewVendorContract:
    fields = dict(ends_on=date(2027, 12, 31), value=Decimal("10400.00"), at=LATER)
    return RenewVendorContract(**{**fields, **overrides})


def test_a_contract_is_recorded_once_with_its_term_payments_and_what_it_covers():
    given(VENDOR_CONTRACT).then(record(), RECORDED)
    given(VENDOR_CONTRACT, RECORDED).refuses(record(), VendorContractAlreadyRecorded)


def test_payments_sum_to_the_value_and_fall_due_within_the_term():
    short = given(VENDOR_CONTRACT).refuses(record(value=Decimal("10000.00")), Unprocessable, "sum to 10000.01")
    assert short.field == "payments"
    late = (*QUARTERLY[:3], ScheduledPayment(due_on=date(2027, 1, 15), amount=Decimal("2500.01")))
    assert given(VENDOR_CONTRACT).refuses(record(payments=late), Unprocessable, "2027-01-15").field == "payments"
    backwards = given(VENDOR_CONTRACT).refuses(record(ends_on=date(2025, 12, 31), payments=()), Unprocessable)
    assert backwards.field == "ends_on"


def test_a_renewal_is_a_new_term_starting_the_day_after_the_current_one_ends():
    state = given(VENDOR_CONTRACT, RECORDED).state
    assert state.notice_on() == date(2026, 10, 2)
    expected = VendorContractRenewed(
        at=LATER,
        contract_id=CONTRACT,
        term=2,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        value=Decimal("10400.00"),
        renewal_notice_days=90,
    )
    given(VENDOR_CONTRACT, RECORDED).then(renew(), expected)
    renewed = given(VENDOR_CONTRACT, RECORDED, expected).state
    assert [t.number for t in renewed.terms] == [1, 2] and renewed.terms[0].value == Decimal("10000.01")


def test_a_renewal_must_end_later_than_the_current_term():
    given(VENDOR_CONTRACT, RECORDED).refuses(renew(ends_on=date(2026, 12, 31)), ContractRenewalNotLater, "2026-12-31")


def test_a_renewal_leaves_no_gap_between_terms():
    gap = given(VENDOR_CONTRACT, RECORDED).refuses(renew(starts_on=date(2027, 2, 1)), Unprocessable)
    assert gap.field == "starts_on"


def test_an_ended_contract_is_not_renewed():
    after_end = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
    given(VENDOR_CONTRACT, RECORDED).refuses(renew(at=after_end, ends_on=date(2028, 1, 1)), ContractEnded)


def test_a_terminated_contract_is_neither_renewed_nor_terminated_again():
    terminated = VendorContractTerminated(
        at=LATER, contract_id=CONTRACT, effective_on=date(2026, 11, 30), reason="vendor left the market"
    )
    given(VENDOR_CONTRACT, RECORDED).then(
        TerminateVendorContract(reason="vendor left the market", at=LATER, effective_on=date(2026, 11, 30)),
        terminated,
    )
    given(VENDOR_CONTRACT, RECORDED, terminated).refuses(renew(), ContractTerminated)
    given(VENDOR_CONTRACT, RECORDED, terminated).refuses(TerminateVendorContract("again", LATER), ContractTerminated)


def test_a_termination_takes_effect_within_the_term_and_not_in_the_past():
    past = TerminateVendorContract("too late", LATER, effective_on=date(2026, 1, 1))
    assert given(VENDOR_CONTRACT, RECORDED).refuses(past, Unprocessable).field == "effective_on"
    beyond = TerminateVendorContract("too far", LATER, effective_on=date(2027, 6, 1))
    assert given(VENDOR_CONTRACT, RECORDED).refuses(beyond, Unprocessable).field == "effective_on"


def test_commands_on_a_contract_never_recorded_find_nothing():
    given(VENDOR_CONTRACT).refuses(renew(), NotFound)
