"""The network account decider, given / when / then, without I/O: its lifecycle and every refusal."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from assets.domain.access_errors import AccountAlreadyProvisioned, AccountGone, AccountNotInThatState
from assets.domain.account import (
    ACCOUNT,
    AccountStatus,
    DeprovisionAccount,
    DisableAccount,
    EnableAccount,
    LockAccount,
    ProvisionAccount,
    UnlockAccount,
)
from events.contracts.accounts import (
    AccountDeprovisioned,
    AccountDisabled,
    AccountEnabled,
    AccountLocked,
    AccountProvisioned,
    AccountUnlocked,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

ACCOUNT_ID = uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WHO = dict(at=MONDAY, account_id=ACCOUNT_ID, person_id="jdoe")

PROVISIONED = AccountProvisioned(
    **WHO, username="jdoe", email="jdoe@city.example", groups=["clerks", "vpn"], expires_on=date(2026, 12, 31)
)
DISABLED = AccountDisabled(**WHO, reason="on leave")
ENABLED = AccountEnabled(**WHO)
LOCKED = AccountLocked(**WHO, reason="five failed logons")
UNLOCKED = AccountUnlocked(**WHO)
DEPROVISIONED = AccountDeprovisioned(**WHO, reason="departure")


def provision(**overrides) -> ProvisionAccount:
    fields = dict(
        account_id=ACCOUNT_ID,
        username="jdoe",
        person_id="jdoe",
        at=MONDAY,
        email="jdoe@city.example",
        groups=("clerks", "vpn"),
        expires_on=date(2026, 12, 31),
    )
    return ProvisionAccount(**{**fields, **overrides})


def test_an_account_is_provisioned_active_with_its_groups_and_expiry():
    given(ACCOUNT).then(provision(), PROVISIONED)
    state = given(ACCOUNT, PROVISIONED).state
    assert (state.status, state.groups, state.username) == (AccountStatus.ACTIVE, ("clerks", "vpn"), "jdoe")


def test_an_account_is_provisioned_once():
    given(ACCOUNT, PROVISIONED).refuses(provision(), AccountAlreadyProvisioned)


def test_an_account_is_not_provisioned_already_expired():
    refusal = given(ACCOUNT).refuses(provision(expires_on=date(2026, 3, 1)), Unprocessable)
    assert refusal.field == "expires_on"
    given(ACCOUNT).then(
        provision(expires_on=MONDAY.date()), PROVISIONED.model_copy(update={"expires_on": MONDAY.date()})
    )


def test_an_active_account_is_disabled_and_a_disabled_one_enabled():
    given(ACCOUNT, PROVISIONED).then(DisableAccount("on leave", MONDAY), DISABLED)
    given(ACCOUNT, PROVISIONED, DISABLED).then(EnableAccount(MONDAY), ENABLED)
    assert given(ACCOUNT, PROVISIONED, DISABLED, ENABLED).state.status is AccountStatus.ACTIVE


def test_an_active_account_is_locked_and_a_locked_one_unlocked():
    given(ACCOUNT, PROVISIONED).then(LockAccount("five failed logons", MONDAY), LOCKED)
    given(ACCOUNT, PROVISIONED, LOCKED).then(UnlockAccount(MONDAY), UNLOCKED)
    assert given(ACCOUNT, PROVISIONED, LOCKED, UNLOCKED).state.status is AccountStatus.ACTIVE


@pytest.mark.parametrize(
    ("history", "command"),
    [
        ((), EnableAccount(MONDAY)),  # active: nothing to enable
        ((), UnlockAccount(MONDAY)),  # active: nothing to unlock
        ((DISABLED,), DisableAccount("again", MONDAY)),
        ((DISABLED,), LockAccount("locked while disabled", MONDAY)),
        ((DISABLED,), UnlockAccount(MONDAY)),
        ((LOCKED,), LockAccount("again", MONDAY)),
        ((LOCKED,), DisableAccount("disabled while locked", MONDAY)),
        ((LOCKED,), EnableAccount(MONDAY)),
    ],
)
def test_accounts_move_only_between_active_and_disabled_or_active_and_locked(history, command):
    given(ACCOUNT, PROVISIONED, *history).refuses(command, AccountNotInThatState, "only an account")


@pytest.mark.parametrize("history", [(), (DISABLED,), (LOCKED,)])
def test_an_account_is_deprovisioned_from_any_state_but_its_last(history):
    given(ACCOUNT, PROVISIONED, *history).then(DeprovisionAccount("departure", MONDAY), DEPROVISIONED)
    state = given(ACCOUNT, PROVISIONED, *history, DEPROVISIONED).state
    assert (state.status, state.reason) == (AccountStatus.DEPROVISIONED, "departure")


@pytest.mark.parametrize(
    "command",
    [
        DisableAccount("x", MONDAY),
        EnableAccount(MONDAY),
        LockAccount("x", MONDAY),
        UnlockAccount(MONDAY),
        DeprovisionAccount("again", MONDAY),
    ],
)
def test_a_deprovisioned_account_is_final(command):
    given(ACCOUNT, PROVISIONED, DEPROVISIONED).refuses(command, AccountGone, "deprovisioned")


def test_a_command_on_an_account_never_provisioned_is_not_found():
    given(ACCOUNT).refuses(DisableAccount("x", MONDAY), NotFound)
