"""The vendor contract decider: a contract's terms, each renewal a new term (never an edit), and its termination.

A term runs from `starts_on` to `ends_on` inclusive; its payments sum to its value and fall due within it.
A contract is in force until its last term ends or its termination takes effect; one that lapsed is not renewed.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from assets.domain.budget_errors import (
    ContractEnded,
    ContractRenewalNotLater,
    ContractTerminated,
    VendorContractAlreadyRecorded,
)
from events.base import Event
from events.contracts.purchasing import (
    ContractType,
    ScheduledPayment,
    VendorContractRecorded,
    VendorContractRenewed,
    VendorContractTerminated,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable


@dataclass(frozen=True)
class Term:
    number: int
    starts_on: date
    ends_on: date
    value: Decimal
    payments: tuple[ScheduledPayment, ...]


@dataclass(frozen=True)
class VendorContract:
    contract_id: UUID | None = None
    contract_type: ContractType = ContractType.HARDWARE_MAINTENANCE
    vendor: str = ""
    owner_id: str = ""
    renewal_notice_days: int = 0
    terms: tuple[Term, ...] = ()
    terminated_on: date | None = None
    termination_reason: str = ""

    @property
    def term(self) -> Term:
        return self.terms[-1]

    def notice_on(self) -> date:
        return self.term.ends_on - timedelta(days=self.renewal_notice_days)


@dataclass(frozen=True)
class RecordVendorContract:
    contract_id: UUID
    contract_type: ContractType
    vendor: str
    starts_on: date
    ends_on: date
    value: Decimal
    renewal_notice_days: int
    owner_id: str
    at: datetime
    payments: tuple[ScheduledPayment, ...] = ()
    reference: str = ""
    description: str = ""
    device_ids: tuple[UUID, ...] = ()
    licence_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class RenewVendorContract:
    ends_on: date
    value: Decimal
    at: datetime
    starts_on: date | None = None  # the day after the current term ends, unless the new term starts earlier
    payments: tuple[ScheduledPayment, ...] = ()
    renewal_notice_days: int | None = None  # the current period, unless renegotiated


@dataclass(frozen=True)
class TerminateVendorContract:
    reason: str
    at: datetime
    effective_on: date | None = None  # the command's day, unless later


def _must_exist(state: VendorContract, command: object) -> None:
    if state.contract_id is None:
        raise NotFound("no such contract")


def _check_term(starts_on: date, ends_on: date, value: Decimal, payments: tuple[ScheduledPayment, ...]) -> None:
    if ends_on < starts_on:
        raise Unprocessable("ends_on", f"the term cannot end ({ends_on}) before it starts ({starts_on})")
    outside = [p.due_on for p in payments if not starts_on <= p.due_on <= ends_on]
    if outside:
        raise Unprocessable(
            "payments", f"a payment falls due on {outside[0]}, outside the term {starts_on} to {ends_on}"
        )
    total = sum((p.amount for p in payments), Decimal(0))
    if payments and total != value:
        raise Unprocessable("payments", f"the payments sum to {total}, not to the term's value {value}")


def _record(state: VendorContract, c: RecordVendorContract) -> list[Event]:
    if state.contract_id is not None:
        raise VendorContractAlreadyRecorded(f"contract {c.contract_id} is already recorded")
    _check_term(c.starts_on, c.ends_on, c.value, c.payments)
    return [
        VendorContractRecorded(
            at=c.at,
            contract_id=c.contract_id,
            contract_type=c.contract_type,
            vendor=c.vendor,
            reference=c.reference,
            description=c.description,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            value=c.value,
            payments=list(c.payments),
            renewal_notice_days=c.renewal_notice_days,
            device_ids=list(c.device_ids),
            licence_ids=list(c.licence_ids),
            owner_id=c.owner_id,
        )
    ]


def _still_in_force(state: VendorContract, day: date) -> None:
    if state.terminated_on is not None:
        raise ContractTerminated(
            f"contract {state.contract_id} with {state.vendor} was terminated as of {state.terminated_on}"
        )
    if day > state.term.ends_on:
        raise ContractEnded(
            f"contract {state.contract_id} with {state.vendor} ended on {state.term.ends_on}:"
            " a lapsed contract is not renewed, record the new one"
        )


def _renew(state: VendorContract, c: RenewVendorContract) -> list[Event]:
    _still_in_force(state, c.at.date())
    current = state.term
    if c.ends_on <= current.ends_on:
        raise ContractRenewalNotLater(
            f"contract {state.contract_id} already runs to {current.ends_on}:"
            f" a renewal must end after it, not on {c.ends_on}"
        )
    starts_on = c.starts_on or current.ends_on + timedelta(days=1)
    if not current.starts_on < starts_on <= current.ends_on + timedelta(days=1):
        raise Unprocessable(
            "starts_on",
            f"the new term starts after {current.starts_on} and no later than the"
            f" day after the current term ends ({current.ends_on + timedelta(days=1)})",
        )
    _check_term(starts_on, c.ends_on, c.value, c.payments)
    notice_days = state.renewal_notice_days if c.renewal_notice_days is None else c.renewal_notice_days
    return [
        VendorContractRenewed(
            at=c.at,
            contract_id=state.contract_id,
            term=current.number + 1,
            starts_on=starts_on,
            ends_on=c.ends_on,
            value=c.value,
            payments=list(c.payments),
            renewal_notice_days=notice_days,
        )
    ]


def _terminate(state: VendorContract, c: TerminateVendorContract) -> list[Event]:
    _still_in_force(state, c.at.date())
    effective_on = c.effective_on or c.at.date()
    if effective_on < c.at.date() or effective_on > state.term.ends_on:
        raise Unprocessable(
            "effective_on",
            f"a termination takes effect between today and the term's end"
            f" ({state.term.ends_on}), not on {effective_on}",
        )
    return [
        VendorContractTerminated(at=c.at, contract_id=state.contract_id, effective_on=effective_on, reason=c.reason)
    ]


def _recorded(s: VendorContract, e: VendorContractRecorded) -> VendorContract:
    first = Term(1, e.starts_on, e.ends_on, e.value, tuple(e.payments))
    return VendorContract(e.contract_id, e.contract_type, e.vendor, e.owner_id, e.renewal_notice_days, (first,))


def _renewed(s: VendorContract, e: VendorContractRenewed) -> VendorContract:
    term = Term(e.term, e.starts_on, e.ends_on, e.value, tuple(e.payments))
    return replace(s, terms=(*s.terms, term), renewal_notice_days=e.renewal_notice_days)


def _terminated(s: VendorContract, e: VendorContractTerminated) -> VendorContract:
    return replace(s, terminated_on=e.effective_on, termination_reason=e.reason)


VENDOR_CONTRACT = Decider(
    initial=VendorContract(),
    evolvers={
        VendorContractRecorded: _recorded,
        VendorContractRenewed: _renewed,
        VendorContractTerminated: _terminated,
    },
    deciders={RecordVendorContract: _record, RenewVendorContract: _renew, TerminateVendorContract: _terminate},
    precondition=_must_exist,
    creates=(RecordVendorContract,),
)
