"""The network account decider: provisioned active, disabled and enabled, locked and unlocked, deprovisioned for good.

active <-> disabled, active <-> locked; deprovisioned (from any of them) is final. A username is unique in
the tenant: the decider cannot see other accounts, so the read model's unique index keeps that rule.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from assets.domain.access_errors import AccountAlreadyProvisioned, AccountGone, AccountNotInThatState
from events.base import Event
from events.contracts.accounts import (
    AccountDeprovisioned,
    AccountDisabled,
    AccountEnabled,
    AccountLocked,
    AccountProvisioned,
    AccountUnlocked,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable


class AccountStatus(StrEnum):
    NONE = "none"  # not provisioned
    ACTIVE = "active"
    DISABLED = "disabled"
    LOCKED = "locked"
    DEPROVISIONED = "deprovisioned"


@dataclass(frozen=True)
class Account:
    account_id: UUID | None = None
    username: str = ""
    person_id: str = ""
    email: str | None = None
    groups: tuple[str, ...] = ()
    expires_on: date | None = None
    status: AccountStatus = AccountStatus.NONE
    reason: str = ""  # why it was last disabled, locked or deprovisioned


@dataclass(frozen=True)
class ProvisionAccount:
    account_id: UUID
    username: str
    person_id: str
    at: datetime
    email: str | None = None
    groups: tuple[str, ...] = ()
    expires_on: date | None = None


@dataclass(frozen=True)
class DisableAccount:
    reason: str
    at: datetime


@dataclass(frozen=True)
class EnableAccount:
    at: datetime


@dataclass(frozen=True)
class LockAccount:
    reason: str
    at: datetime


@dataclass(frozen=True)
class UnlockAccount:
    at: datetime


@dataclass(frozen=True)
class DeprovisionAccount:
    reason: str
    at: datetime


AccountCommand = ProvisionAccount | DisableAccount | EnableAccount | LockAccount | UnlockAccount | DeprovisionAccount


def _must_exist_and_remain(state: Account, command: AccountCommand) -> None:
    if state.status is AccountStatus.NONE:
        raise NotFound("no such account")
    if state.status is AccountStatus.DEPROVISIONED:
        raise AccountGone(f"account {state.username} is deprovisioned: nothing more happens to it")


def _must_be(state: Account, action: str, status: AccountStatus) -> None:
    if state.status is not status:
        raise AccountNotInThatState(
            f"account {state.username} is {state.status}: only an account {status} can be {action}"
        )


def _provision(state: Account, c: ProvisionAccount) -> list[Event]:
    if state.status is not AccountStatus.NONE:
        raise AccountAlreadyProvisioned(f"account {c.account_id} is already provisioned")
    if c.expires_on is not None and c.expires_on < c.at.date():
        raise Unprocessable("expires_on", f"{c.expires_on} is past: an account is provisioned to be used")
    return [
        AccountProvisioned(
            at=c.at,
            account_id=c.account_id,
            username=c.username,
            person_id=c.person_id,
            email=c.email,
            groups=list(c.groups),
            expires_on=c.expires_on,
        )
    ]


def _disable(state: Account, c: DisableAccount) -> list[Event]:
    _must_be(state, "disabled", AccountStatus.ACTIVE)
    return [AccountDisabled(at=c.at, account_id=state.account_id, person_id=state.person_id, reason=c.reason)]


def _enable(state: Account, c: EnableAccount) -> list[Event]:
    _must_be(state, "enabled", AccountStatus.DISABLED)
    return [AccountEnabled(at=c.at, account_id=state.account_id, person_id=state.person_id)]


def _lock(state: Account, c: LockAccount) -> list[Event]:
    _must_be(state, "locked", AccountStatus.ACTIVE)
    return [AccountLocked(at=c.at, account_id=state.account_id, person_id=state.person_id, reason=c.reason)]


def _unlock(state: Account, c: UnlockAccount) -> list[Event]:
    _must_be(state, "unlocked", AccountStatus.LOCKED)
    return [AccountUnlocked(at=c.at, account_id=state.account_id, person_id=state.person_id)]


def _deprovision(state: Account, c: DeprovisionAccount) -> list[Event]:
    return [AccountDeprovisioned(at=c.at, account_id=state.account_id, person_id=state.person_id, reason=c.reason)]


def _provisioned(s: Account, e: AccountProvisioned) -> Account:
    return Account(
        account_id=e.account_id,
        username=e.username,
        person_id=e.person_id,
        email=e.email,
        groups=tuple(e.groups),
        expires_on=e.expires_on,
        status=AccountStatus.ACTIVE,
    )


def _becomes(status: AccountStatus):
    def evolve(s: Account, e: Event) -> Account:
        return replace(s, status=status, reason=getattr(e, "reason", ""))

    return evolve


ACCOUNT = Decider(
    initial=Account(),
    evolvers={
        AccountProvisioned: _provisioned,
        AccountDisabled: _becomes(AccountStatus.DISABLED),
        AccountEnabled: _becomes(AccountStatus.ACTIVE),
        AccountLocked: _becomes(AccountStatus.LOCKED),
        AccountUnlocked: _becomes(AccountStatus.ACTIVE),
        AccountDeprovisioned: _becomes(AccountStatus.DEPROVISIONED),
    },
    deciders={
        ProvisionAccount: _provision,
        DisableAccount: _disable,
        EnableAccount: _enable,
        LockAccount: _lock,
        UnlockAccount: _unlock,
        DeprovisionAccount: _deprovision,
    },
    precondition=_must_exist_and_remain,
    creates=(ProvisionAccount,),
)
