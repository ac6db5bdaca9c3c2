"""The password reset decider, given / when / then, without I/O: request, verify, complete, cancel and refusals."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

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
from assets.domain.password_reset import (
    PASSWORD_RESET,
    AccountFacts,
    CancelPasswordReset,
    CompletePasswordReset,
    RequestPasswordReset,
    ResetStatus,
    VerifyPasswordReset,
)
from events.contracts.accounts import (
    PasswordResetCancelled,
    PasswordResetCompleted,
    PasswordResetRequested,
    PasswordResetVerified,
    ResetChannel,
    VerificationMethod,
)
from events.errors import NotFound
from events.testing import given

RESET_ID, ACCOUNT_ID, TICKET_ID = uuid4(), uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTIVE = AccountFacts(ACCOUNT_ID, "jdoe", "jdoe", AccountStatus.ACTIVE)
LOCKED = AccountFacts(ACCOUNT_ID, "jdoe", "jdoe", AccountStatus.LOCKED)
GONE = AccountFacts(ACCOUNT_ID, "jdoe", "jdoe", AccountStatus.DEPROVISIONED)
TECHNICIAN, MANAGER = frozenset({"technician"}), frozenset({"manager"})
WHO = dict(at=MONDAY, reset_id=RESET_ID, account_id=ACCOUNT_ID, person_id="jdoe")

REQUESTED = PasswordResetRequested(**WHO, requested_by="tom", channel=ResetChannel.PHONE, ticket_id=TICKET_ID)
VERIFIED = PasswordResetVerified(
    **WHO, method=VerificationMethod.CALL_BACK, verified_by="tom", note="called back the number on file"
)
COMPLETED = PasswordResetCompleted(
    **WHO, completed_by="tom", verified_by="tom", method=VerificationMethod.CALL_BACK, force_change=True
)
CANCELLED = PasswordResetCancelled(**WHO, cancelled_by="tom", reason="asked by mistake")


def request(account: AccountFacts = ACTIVE) -> RequestPasswordReset:
    return RequestPasswordReset(RESET_ID, account, "tom", ResetChannel.PHONE, MONDAY, ticket_id=TICKET_ID)


def verify(method=VerificationMethod.CALL_BACK, by="tom", roles=TECHNICIAN, account=ACTIVE) -> VerifyPasswordReset:
    return VerifyPasswordReset(account, method, by, roles, MONDAY, note="called back the number on file")


def complete(account: AccountFacts = ACTIVE, force_change: bool = True) -> CompletePasswordReset:
    return CompletePasswordReset(account, "tom", MONDAY, force_change=force_change)


def cancel() -> CancelPasswordReset:
    return CancelPasswordReset("tom", "asked by mistake", MONDAY)


def test_a_reset_is_requested_for_the_accounts_holder_with_channel_and_ticket():
    given(PASSWORD_RESET).then(request(), REQUESTED)
    given(PASSWORD_RESET).then(request(LOCKED), REQUESTED)  # a locked-out person is who asks most


def test_a_reset_id_names_one_request():
    given(PASSWORD_RESET, REQUESTED).refuses(request(), ResetAlreadyRequested)


def test_a_reset_of_a_deprovisioned_account_is_refused():
    given(PASSWORD_RESET).refuses(request(GONE), AccountGone, "deprovisioned")


def test_a_verified_reset_is_completed_naming_who_verified_and_how():
    given(PASSWORD_RESET, REQUESTED).then(verify(), VERIFIED)
    given(PASSWORD_RESET, REQUESTED, VERIFIED).then(complete(), COMPLETED)
    no_forced_change = COMPLETED.model_copy(update={"force_change": False})
    given(PASSWORD_RESET, REQUESTED, VERIFIED).then(complete(force_change=False), no_forced_change)
    assert given(PASSWORD_RESET, REQUESTED, VERIFIED, COMPLETED).state.status is ResetStatus.COMPLETED


def test_a_reset_without_verification_is_refused():
    given(PASSWORD_RESET, REQUESTED).refuses(complete(), ResetNotVerified, "verify the person's identity first")


def test_a_reset_is_verified_once_and_completed_once():
    given(PASSWORD_RESET, REQUESTED, VERIFIED).refuses(verify(), ResetAlreadyVerified, "tom")
    given(PASSWORD_RESET, REQUESTED, VERIFIED, COMPLETED).refuses(complete(), ResetAlreadyCompleted)
    given(PASSWORD_RESET, REQUESTED, VERIFIED, COMPLETED).refuses(verify(), ResetAlreadyCompleted)


def test_a_managers_approval_is_recorded_by_a_manager():
    given(PASSWORD_RESET, REQUESTED).refuses(verify(VerificationMethod.MANAGER_APPROVAL), VerificationNeedsManager)
    approved = VERIFIED.model_copy(update={"method": VerificationMethod.MANAGER_APPROVAL, "verified_by": "maria"})
    given(PASSWORD_RESET, REQUESTED).then(verify(VerificationMethod.MANAGER_APPROVAL, "maria", MANAGER), approved)


def test_nobody_verifies_their_own_identity():
    given(PASSWORD_RESET, REQUESTED).refuses(verify(by="jdoe"), VerifierIsAccountHolder, "jdoe")
    own_approval = verify(VerificationMethod.MANAGER_APPROVAL, by="jdoe", roles=MANAGER)
    given(PASSWORD_RESET, REQUESTED).refuses(own_approval, VerifierIsAccountHolder)


def test_an_account_deprovisioned_after_the_request_stops_the_reset():
    given(PASSWORD_RESET, REQUESTED).refuses(verify(account=GONE), AccountGone)
    given(PASSWORD_RESET, REQUESTED, VERIFIED).refuses(complete(GONE), AccountGone)


@pytest.mark.parametrize("history", [(REQUESTED,), (REQUESTED, VERIFIED)])
def test_an_open_reset_can_be_cancelled(history):
    given(PASSWORD_RESET, *history).then(cancel(), CANCELLED)


@pytest.mark.parametrize(
    ("history", "command", "rule"),
    [
        ((REQUESTED, CANCELLED), verify(), ResetCancelled),
        ((REQUESTED, VERIFIED, CANCELLED), complete(), ResetCancelled),
        ((REQUESTED, CANCELLED), cancel(), ResetCancelled),
        ((REQUESTED, VERIFIED, COMPLETED), cancel(), ResetAlreadyCompleted),
    ],
)
def test_a_cancelled_or_completed_reset_takes_no_further_step(history, command, rule):
    given(PASSWORD_RESET, *history).refuses(command, rule, "request a new one")


@pytest.mark.parametrize("command", [verify(), complete(), cancel()])
def test_a_step_on_a_reset_never_requested_is_not_found(command):
    given(PASSWORD_RESET).refuses(command, NotFound)
