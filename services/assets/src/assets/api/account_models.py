"""Request and response bodies of the accounts API: accounts, password resets, flagged accounts, departures."""

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from assets.domain.account import AccountStatus
from assets.domain.password_reset import FLAG_THRESHOLD, FLAG_WINDOW, ResetStatus
from events.contracts.accounts import ResetChannel, VerificationMethod
from events.fields import Body, Day, Instant, UserId

# Free text lands in events and tables for good: a phone number or a password typed into it must be refused.
_PHONE_LIKE = re.compile(r"\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b|\+\d[\d\s().-]{7,}\d")
_SECRET_LIKE = re.compile(r"\b(pass(word|code|phrase)?|pwd|pin|secret|token)\s*(is|was|:|=)\s*\S", re.IGNORECASE)


def _no_secret(value: str) -> str:
    if _PHONE_LIKE.search(value):
        raise ValueError('looks like a phone number: say which one ("the number on file"), never the number')
    if _SECRET_LIKE.search(value):
        raise ValueError("looks like a password, PIN or token: record what was done, never the secret")
    return value


Remark = Annotated[str, Field(min_length=1, max_length=5_000), AfterValidator(_no_secret)]
Username = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="letters, digits, dot, dash and underscore, 64 at most; unique in the tenant whatever the case",
    ),
]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Group = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]


WINDOW_HOURS = FLAG_WINDOW.total_seconds() / 3600


def _once_each(groups: list[str]) -> list[str]:
    return list(dict.fromkeys(groups))


class ProvisionAccountRequest(Body):
    username: Username
    person_id: UserId = Field(description="the staff member's user id, as in their token")
    email: Email | None = Field(default=None, description="the person's mail address, for notices")
    groups: Annotated[list[Group], Field(max_length=100), AfterValidator(_once_each)] = []
    expires_on: Day | None = Field(default=None, description="the last day the account is meant to be used")


class ReasonRequest(Body):
    reason: Remark


class DepartureRequest(Body):
    reason: Remark = "departure"


class RequestPasswordResetRequest(Body):
    channel: ResetChannel | None = Field(
        default=None,
        description=(
            "how the request came in; staff asking for their own account use the portal, which is the default for them"
        ),
    )
    ticket_id: UUID | None = Field(default=None, description="the desk ticket the request came with, if any")
    requested_at: Instant | None = Field(
        default=None, description="when the desk was asked, if before now (a call logged later); not for staff"
    )


class VerifyPasswordResetRequest(Body):
    method: VerificationMethod
    note: Remark | None = Field(
        default=None, description='how it went, never the evidence: "called back the number on file", not the number'
    )


class CompletePasswordResetRequest(Body):
    force_change: bool = Field(default=True, description="the person must choose a new password at next logon")


class AccountResponse(BaseModel):
    id: UUID
    username: str
    person_id: str
    email: str | None
    groups: list[str]
    expires_on: date | None
    expired: bool = Field(description="its expiry date is past")
    status: AccountStatus
    status_reason: str = Field(description="why it was last disabled, locked or deprovisioned")
    provisioned_at: datetime
    updated_at: datetime
    version: int


class AccountPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AccountResponse]


class PasswordResetResponse(BaseModel):
    id: UUID
    account_id: UUID
    username: str
    person_id: str
    requested_by: str
    channel: ResetChannel
    ticket_id: UUID | None
    status: ResetStatus
    requested_at: datetime
    method: VerificationMethod | None
    verified_by: str | None
    verified_at: datetime | None
    verification_note: str | None
    completed_by: str | None
    completed_at: datetime | None
    force_change: bool | None
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    resets_within_window: int = Field(
        description=f"resets of the account requested in the {WINDOW_HOURS:g} hours up to this one, this one included"
    )
    flagged: bool = Field(description=f"{FLAG_THRESHOLD} or more: verify the identity with care")
    updated_at: datetime
    version: int


class FlaggedAccount(BaseModel):
    id: UUID
    username: str
    person_id: str
    status: AccountStatus
    resets: int = Field(description="the most resets requested within one window")
    flagged_at: datetime = Field(description="the first reset since `since` that reached the threshold")
    last_flagged_at: datetime = Field(description="the last reset since `since` at or over the threshold")


class FlaggedPage(BaseModel):
    threshold: int
    window_hours: float
    since: datetime
    total: int
    limit: int
    offset: int
    items: list[FlaggedAccount]


class DepartureResponse(BaseModel):
    person_id: str
    deprovisioned: list[AccountResponse] = Field(description="the accounts this departure deprovisioned")


def account_body(row, today: date) -> dict[str, Any]:
    expired = row["expires_on"] is not None and row["expires_on"] < today
    return AccountResponse(**row, expired=expired).model_dump(mode="json")


def reset_body(row) -> dict[str, Any]:
    flagged = row["resets_within_window"] >= FLAG_THRESHOLD
    return PasswordResetResponse(**row, flagged=flagged).model_dump(mode="json")
