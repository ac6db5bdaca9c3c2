"""Network account and password reset events the assets service publishes on `assets.events`; never a secret.

Every event names the account and the person holding it (`person_id`, the user id tokens carry), so that a
consumer (notices to staff, training's orientation) needs no lookup. A reset records who asked, for whom, how
the person's identity was verified, by whom and when: never a password, hash, token, PIN or phone number.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
UserId = Annotated[str, Field(min_length=1, max_length=128)]


class ResetChannel(StrEnum):
    """How the request for a reset reached the desk."""

    PORTAL = "portal"  # the staff member asked through the self-service portal, signed in
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"
    TICKET = "ticket"


class VerificationMethod(StrEnum):
    """How the person's identity was verified before a reset: the method, never the evidence itself."""

    IN_PERSON_ID = "in_person_id"  # seen in person with photo ID
    CALL_BACK = "call_back"  # called back on the number on file (the number is never recorded here)
    MANAGER_APPROVAL = "manager_approval"  # a manager vouched for the person
    MFA = "mfa"  # the person passed a second factor they had enrolled


class AccountProvisioned(Event):
    """A network account was created for a staff member; training owes the person an orientation from it."""

    event_type: ClassVar[str] = "assets.account_provisioned"

    at: datetime
    account_id: UUID
    username: Name
    person_id: UserId
    email: Name | None = None  # the person's mail address, for notices
    groups: list[Name] = Field(default_factory=list, max_length=100)
    expires_on: date | None = None  # the last day the account is meant to be used (a contract's end)


class AccountDisabled(Event):
    """The account was switched off by the desk; it can be enabled again."""

    event_type: ClassVar[str] = "assets.account_disabled"

    at: datetime
    account_id: UUID
    person_id: UserId
    reason: Note


class AccountEnabled(Event):
    event_type: ClassVar[str] = "assets.account_enabled"

    at: datetime
    account_id: UUID
    person_id: UserId


class AccountLocked(Event):
    """The account was locked out (too many failed logons, a suspected compromise); it can be unlocked."""

    event_type: ClassVar[str] = "assets.account_locked"

    at: datetime
    account_id: UUID
    person_id: UserId
    reason: Note


class AccountUnlocked(Event):
    event_type: ClassVar[str] = "assets.account_unlocked"

    at: datetime
    account_id: UUID
    person_id: UserId


class AccountDeprovisioned(Event):
    """The account was removed for good (the person left, say `reason`: "departure"); nothing happens to it after."""

    event_type: ClassVar[str] = "assets.account_deprovisioned"

    at: datetime
    account_id: UUID
    person_id: UserId
    reason: Note


class PasswordResetRequested(Event):
    """Someone (`requested_by`: the person, or the desk for them) asked for the account's password to be reset."""

    event_type: ClassVar[str] = "assets.password_reset_requested"

    at: datetime
    reset_id: UUID
    account_id: UUID
    person_id: UserId
    requested_by: UserId
    channel: ResetChannel
    ticket_id: UUID | None = None


class PasswordResetVerified(Event):
    """The person's identity was verified for the reset, by `verified_by`, with `method`."""

    event_type: ClassVar[str] = "assets.password_reset_verified"

    at: datetime
    reset_id: UUID
    account_id: UUID
    person_id: UserId
    method: VerificationMethod
    verified_by: UserId
    note: Note = ""


class PasswordResetCompleted(Event):
    """The password was reset; `force_change` says the person must choose a new one at their next logon."""

    event_type: ClassVar[str] = "assets.password_reset_completed"

    at: datetime
    reset_id: UUID
    account_id: UUID
    person_id: UserId
    completed_by: UserId
    verified_by: UserId
    method: VerificationMethod
    force_change: bool


class PasswordResetCancelled(Event):
    """The reset will not be done (asked by mistake, identity not verified); the request stays in the history."""

    event_type: ClassVar[str] = "assets.password_reset_cancelled"

    at: datetime
    reset_id: UUID
    account_id: UUID
    person_id: UserId
    cancelled_by: UserId
    reason: Note
