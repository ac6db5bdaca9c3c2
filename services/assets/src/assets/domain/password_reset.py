"""The password reset decider: requested, identity verified, then completed (or cancelled), with no secret anywhere.

A reset is its own stream. What it needs of its account (whose it is, whether it is deprovisioned) comes in
the command as `AccountFacts`, read by the caller in the same transaction: the decider stays pure.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from assets.domain.access_errors import (
    AccountGone,
    ResetAlreadyCompleted,
    ResetAlreadyRequested,
    ResetAlreadyVerified,
    ResetCancelled,
    ResetNotVerified,
    VerificationNeedsManager,
    VerifierIsAccountHolder,
)
from assets.domain.account import AccountStatus
from events.base import Event
from events.contracts.accounts import (
    PasswordResetCancelled,
    PasswordResetCompleted,
    PasswordResetRequested,
    PasswordResetVerified,
    ResetChannel,
    VerificationMethod,
)
from events.decider import Decider
from events.errors import NotFound

# An account is flagged when this many resets of it were requested within this long: someone may be trying to
# take it over, or its holder needs help that resets do not give.
FLAG_THRESHOLD = 3
FLAG_WINDOW = timedelta(hours=24)

MANAGER = "manager"  # the token role that may record a manager's approval


class ResetStatus(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    VERIFIED = "verified"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class AccountFacts:
    """The account a reset is for, as it stands when the command is decided."""

    account_id: UUID
    person_id: str
    username: str
    status: AccountStatus


@dataclass(frozen=True)
class PasswordReset:
    reset_id: UUID | None = None
    account_id: UUID | None = None
    person_id: str = ""
    status: ResetStatus = ResetStatus.NONE
    method: VerificationMethod | None = None
    verified_by: str = ""


@dataclass(frozen=True)
class RequestPasswordReset:
    reset_id: UUID
    account: AccountFacts
    requested_by: str
    channel: ResetChannel
    at: datetime
    ticket_id: UUID | None = None


@dataclass(frozen=True)
class VerifyPasswordReset:
    account: AccountFacts
    method: VerificationMethod
    verified_by: str
    verifier_roles: frozenset[str]
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class CompletePasswordReset:
    account: AccountFacts
    completed_by: str
    at: datetime
    force_change: bool = True


@dataclass(frozen=True)
class CancelPasswordReset:
    cancelled_by: str
    reason: str
    at: datetime


ResetCommand = RequestPasswordReset | VerifyPasswordReset | CompletePasswordReset | CancelPasswordReset


def _must_exist(state: PasswordReset, command: ResetCommand) -> None:
    if state.status is ResetStatus.NONE:
        raise NotFound("no such password reset")


def _must_be_open(state: PasswordReset) -> None:
    if state.status is ResetStatus.COMPLETED:
        raise ResetAlreadyCompleted(f"reset {state.reset_id} is completed: request a new one")
    if state.status is ResetStatus.CANCELLED:
        raise ResetCancelled(f"reset {state.reset_id} was cancelled: request a new one")


def _account_must_remain(account: AccountFacts) -> None:
    if account.status is AccountStatus.DEPROVISIONED:
        raise AccountGone(f"account {account.username} is deprovisioned: its password is not reset")


def _request(state: PasswordReset, c: RequestPasswordReset) -> list[Event]:
    if state.status is not ResetStatus.NONE:
        raise ResetAlreadyRequested(f"reset {c.reset_id} is already requested")
    _account_must_remain(c.account)
    return [
        PasswordResetRequested(
            at=c.at,
            reset_id=c.reset_id,
            account_id=c.account.account_id,
            person_id=c.account.person_id,
            requested_by=c.requested_by,
            channel=c.channel,
            ticket_id=c.ticket_id,
        )
    ]


def _verify(state: PasswordReset, c: VerifyPasswordReset) -> list[Event]:
    _must_be_open(state)
    if state.status is ResetStatus.VERIFIED:
        raise ResetAlreadyVerified(f"reset {state.reset_id} was verified by {state.verified_by} ({state.method})")
    _account_must_remain(c.account)
    if c.verified_by == state.person_id:
        raise VerifierIsAccountHolder(f"{c.verified_by} holds the account: someone else verifies their identity")
    if c.method is VerificationMethod.MANAGER_APPROVAL and MANAGER not in c.verifier_roles:
        raise VerificationNeedsManager("only a manager records a manager's approval: verify another way")
    return [
        PasswordResetVerified(
            at=c.at,
            reset_id=state.reset_id,
            account_id=state.account_id,
            person_id=state.person_id,
            method=c.method,
            verified_by=c.verified_by,
            note=c.note,
        )
    ]


def _complete(state: PasswordReset, c: CompletePasswordReset) -> list[Event]:
    _must_be_open(state)
    if state.status is not ResetStatus.VERIFIED:
        raise ResetNotVerified(f"reset {state.reset_id} is not verified: verify the person's identity first")
    _account_must_remain(c.account)
    return [
        PasswordResetCompleted(
            at=c.at,
            reset_id=state.reset_id,
            account_id=state.account_id,
            person_id=state.person_id,
            completed_by=c.completed_by,
            verified_by=state.verified_by,
            method=state.method,
            force_change=c.force_change,
        )
    ]


def _cancel(state: PasswordReset, c: CancelPasswordReset) -> list[Event]:
    _must_be_open(state)
    return [
        PasswordResetCancelled(
            at=c.at,
            reset_id=state.reset_id,
            account_id=state.account_id,
            person_id=state.person_id,
            cancelled_by=c.cancelled_by,
            reason=c.reason,
        )
    ]


def _requested(s: PasswordReset, e: PasswordResetRequested) -> PasswordReset:
    return PasswordReset(
        reset_id=e.reset_id, account_id=e.account_id, person_id=e.person_id, status=ResetStatus.REQUESTED
    )


def _verified(s: PasswordReset, e: PasswordResetVerified) -> PasswordReset:
    return replace(s, status=ResetStatus.VERIFIED, method=e.method, verified_by=e.verified_by)


def _completed(s: PasswordReset, e: PasswordResetCompleted) -> PasswordReset:
    return replace(s, status=ResetStatus.COMPLETED)


def _cancelled(s: PasswordReset, e: PasswordResetCancelled) -> PasswordReset:
    return replace(s, status=ResetStatus.CANCELLED)


PASSWORD_RESET = Decider(
    initial=PasswordReset(),
    evolvers={
        PasswordResetRequested: _requested,
        PasswordResetVerified: _verified,
        PasswordResetCompleted: _completed,
        PasswordResetCancelled: _cancelled,
    },
    deciders={
        RequestPasswordReset: _request,
        VerifyPasswordReset: _verify,
        CompletePasswordReset: _complete,
        CancelPasswordReset: _cancel,
    },
    precondition=_must_exist,
    creates=(RequestPasswordReset,),
)
