"""The network accounts REST API: provision and move accounts through their life, reset passwords; routes only.

A password reset is requested (`POST /accounts/{id}/password-resets`), the person's identity verified
(`POST /password-resets/{id}/verify`), then completed (`/complete`): never a password, a hash or a token.
Staff reach only their own accounts: they list and read them and ask for a reset through the portal.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from assets import accounts
from assets.api.account_models import (
    WINDOW_HOURS,
    AccountPage,
    AccountResponse,
    CompletePasswordResetRequest,
    DepartureRequest,
    DepartureResponse,
    FlaggedPage,
    PasswordResetResponse,
    ProvisionAccountRequest,
    ReasonRequest,
    RequestPasswordResetRequest,
    VerifyPasswordResetRequest,
    account_body,
    reset_body,
)
from assets.api.device_models import CLOCK_SKEW
from assets.domain import account as acc
from assets.domain import password_reset as pr
from events.auth import AGENTS, DESK, Agent, Desk, Member, Participant, Principal
from events.contracts.accounts import ResetChannel
from events.envelope import Context, utcnow
from events.errors import NotFound, Unprocessable
from events.fields import Instant
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["accounts"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]
PersonId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:\-]+$")]


def _reaches(principal: Principal, person_id: str) -> bool:
    """The desk reaches every account of the tenant; staff only their own."""
    return principal.has_any(DESK) or person_id == principal.user_id


@router.post("/accounts", status_code=201, response_model=AccountResponse)
async def provision_account(body: ProvisionAccountRequest, principal: Agent, call: CommandCall) -> Response:
    """Provision a network account for a staff member: its username (unique in the tenant), groups and expiry."""

    async def run(conn, ctx: Context) -> Answer:
        command = acc.ProvisionAccount(
            account_id=uuid7(), **body.model_dump(exclude={"groups"}), groups=tuple(body.groups), at=ctx.recorded_at
        )
        account = await accounts.provision(conn, command, ctx)
        return Answer(
            account_body(account.view, ctx.recorded_at.date()),
            account.version,
            location=f"/accounts/{command.account_id}",
        )

    return await call.run(principal, run)


@router.get("/accounts", response_model=AccountPage)
async def search_accounts(
    pool: Pool,
    principal: Member,
    username: Text = None,
    person: Text = None,
    state: acc.AccountStatus | None = None,
    group: Text = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Accounts by username (its beginning), person, state and group, with the total; staff see only theirs."""
    if not principal.has_any(DESK):
        person = principal.user_id
    filters = dict(username=username, person=person, state=state, group=group)
    async with pool.acquire() as conn:
        found = await accounts.search(conn, principal.tenant, filters, limit, offset)
    today = utcnow().date()
    return {**found, "items": [account_body(row, today) for row in found["items"]]}


@router.get("/accounts/flagged", response_model=FlaggedPage)
async def flagged_accounts(
    pool: Pool,
    principal: Desk,
    limit: Limit = 50,
    offset: Offset = 0,
    since: Annotated[
        Instant | None, Query(description="flags raised by a reset since then; default: a window ago")
    ] = None,
) -> dict[str, Any]:
    """Accounts whose password was reset too often: `threshold` (3) or more resets requested within one window of
    `window_hours` (24), flagged by a reset requested since `since`; the latest flagged first, with the total."""
    since = since or utcnow() - pr.FLAG_WINDOW
    async with pool.acquire() as conn:
        found = await accounts.flagged(conn, principal.tenant, since, limit, offset)
    return {"threshold": pr.FLAG_THRESHOLD, "window_hours": WINDOW_HOURS, "since": since, **found}


@router.get("/accounts/{account_id}", response_model=AccountResponse)
async def get_account(account_id: UUID, pool: Pool, principal: Member) -> Response:
    """The account; `ETag` is its version, for `If-Match`. Staff reach only their own accounts."""
    async with pool.acquire() as conn:
        row = await accounts.account_row(conn, account_id, principal.tenant)
    if row is None or not _reaches(principal, row["person_id"]):
        raise NotFound(f"no account {account_id}")
    return answered(account_body(row, utcnow().date()), row["version"])


MakeCommand = Callable[[datetime], acc.AccountCommand]


async def _transition(call: CommandCall, principal: Principal, account_id: UUID, make: MakeCommand) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        account = await accounts.handle_account(conn, account_id, make(ctx.recorded_at), ctx, call.if_match)
        return Answer(account_body(account.view, ctx.recorded_at.date()), account.version)

    return await call.run(principal, run)


@router.post("/accounts/{account_id}/disable", response_model=AccountResponse)
async def disable_account(account_id: UUID, body: ReasonRequest, principal: Agent, call: CommandCall) -> Response:
    """Switch an active account off; `enable` switches it on again."""
    return await _transition(call, principal, account_id, lambda at: acc.DisableAccount(body.reason, at))


@router.post("/accounts/{account_id}/enable", response_model=AccountResponse)
async def enable_account(account_id: UUID, principal: Agent, call: CommandCall) -> Response:
    return await _transition(call, principal, account_id, lambda at: acc.EnableAccount(at))


@router.post("/accounts/{account_id}/lock", response_model=AccountResponse)
async def lock_account(account_id: UUID, body: ReasonRequest, principal: Agent, call: CommandCall) -> Response:
    """Lock an active account out (failed logons, a suspected compromise); `unlock` lets it in again."""
    return await _transition(call, principal, account_id, lambda at: acc.LockAccount(body.reason, at))


@router.post("/accounts/{account_id}/unlock", response_model=AccountResponse)
async def unlock_account(account_id: UUID, principal: Agent, call: CommandCall) -> Response:
    return await _transition(call, principal, account_id, lambda at: acc.UnlockAccount(at))


@router.post("/accounts/{account_id}/deprovision", response_model=AccountResponse)
async def deprovision_account(account_id: UUID, body: ReasonRequest, principal: Agent, call: CommandCall) -> Response:
    """Remove the account for good: nothing happens to it after, and its username is not given again."""
    return await _transition(call, principal, account_id, lambda at: acc.DeprovisionAccount(body.reason, at))


@router.post("/people/{person_id}/departure", response_model=DepartureResponse)
async def record_departure(
    person_id: PersonId, principal: Agent, call: CommandCall, body: DepartureRequest | None = None
) -> Response:
    """The person left: every account they still hold is deprovisioned, all or none, in one transaction.
    A departure recorded again deprovisions nothing more. The ETag counts the accounts it deprovisioned."""

    async def run(conn, ctx: Context) -> Answer:
        gone = await accounts.depart(conn, person_id, body.reason if body else "departure", ctx)
        today = ctx.recorded_at.date()
        return Answer({"person_id": person_id, "deprovisioned": [account_body(a.view, today) for a in gone]}, len(gone))

    return await call.run(principal, run)


@router.post("/accounts/{account_id}/password-resets", status_code=201, response_model=PasswordResetResponse)
async def request_password_reset(
    account_id: UUID, principal: Participant, call: CommandCall, body: RequestPasswordResetRequest | None = None
) -> Response:
    """Ask for the account's password to be reset; staff ask for their own account, through the portal. A reset
    of a deprovisioned account is refused (409 `AccountGone`)."""
    body = body or RequestPasswordResetRequest()

    async def run(conn, ctx: Context) -> Answer:
        account = await accounts.facts_of(conn, account_id, ctx.tenant)
        if account is None or not _reaches(principal, account.person_id):
            raise NotFound(f"no account {account_id}")
        command = pr.RequestPasswordReset(
            reset_id=uuid7(),
            account=account,
            requested_by=ctx.actor,
            channel=_channel(principal, body.channel),
            at=_requested_at(principal, body.requested_at, ctx.recorded_at),
            ticket_id=body.ticket_id,
        )
        reset = await accounts.request_reset(conn, command, ctx)
        return Answer(reset_body(reset.view), reset.version, location=f"/password-resets/{command.reset_id}")

    return await call.run(principal, run)


def _channel(principal: Principal, channel: ResetChannel | None) -> ResetChannel:
    if principal.has_any(AGENTS):
        if channel is None:
            raise Unprocessable("channel", "say how the request came in: phone, in_person, email, ticket or portal")
        return channel
    if channel not in (None, ResetChannel.PORTAL):
        raise Unprocessable("channel", "staff ask for a reset of their own account through the portal")
    return ResetChannel.PORTAL


def _requested_at(principal: Principal, at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if not principal.has_any(AGENTS):
        raise Unprocessable("requested_at", "a request through the portal is made now: leave it out")
    if at > now + CLOCK_SKEW:
        raise Unprocessable("requested_at", "is in the future: record a request once it was made")
    return at


@router.get("/password-resets/{reset_id}", response_model=PasswordResetResponse)
async def get_password_reset(reset_id: UUID, pool: Pool, principal: Member) -> Response:
    """The reset: who asked, for whom, how the identity was verified and by whom, and whether its account is
    flagged for resets; `ETag` is its version. Staff reach only the resets of their own accounts."""
    async with pool.acquire() as conn:
        row = await accounts.reset_row(conn, reset_id, principal.tenant)
    if row is None or not _reaches(principal, row["person_id"]):
        raise NotFound(f"no password reset {reset_id}")
    return answered(reset_body(row), row["version"])


MakeResetCommand = Callable[[pr.AccountFacts, datetime], pr.ResetCommand]


async def _on_reset(call: CommandCall, principal: Principal, reset_id: UUID, make: MakeResetCommand) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        reset = await accounts.handle_reset(
            conn, reset_id, lambda account: make(account, ctx.recorded_at), ctx, call.if_match
        )
        return Answer(reset_body(reset.view), reset.version)

    return await call.run(principal, run)


@router.post("/password-resets/{reset_id}/verify", response_model=PasswordResetResponse)
async def verify_password_reset(
    reset_id: UUID, body: VerifyPasswordResetRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record how the person's identity was verified: in person with ID, a call-back to the number on file, a
    manager's approval (by a manager) or MFA. Nobody verifies a reset of their own account."""
    return await _on_reset(
        call,
        principal,
        reset_id,
        lambda account, at: pr.VerifyPasswordReset(
            account=account,
            method=body.method,
            verified_by=principal.user_id,
            verifier_roles=principal.roles,
            at=at,
            note=body.note or "",
        ),
    )


@router.post("/password-resets/{reset_id}/complete", response_model=PasswordResetResponse)
async def complete_password_reset(
    reset_id: UUID, principal: Agent, call: CommandCall, body: CompletePasswordResetRequest | None = None
) -> Response:
    """Record that the password was reset, by default forcing a change at next logon. A reset not verified is
    refused (409 `ResetNotVerified`)."""
    force_change = body.force_change if body else True
    return await _on_reset(
        call,
        principal,
        reset_id,
        lambda account, at: pr.CompletePasswordReset(
            account=account, completed_by=principal.user_id, at=at, force_change=force_change
        ),
    )


@router.post("/password-resets/{reset_id}/cancel", response_model=PasswordResetResponse)
async def cancel_password_reset(reset_id: UUID, body: ReasonRequest, principal: Agent, call: CommandCall) -> Response:
    """Drop a reset that will not be done (asked by mistake, identity not verified); it stays in the history."""
    return await _on_reset(
        call,
        principal,
        reset_id,
        lambda account, at: pr.CancelPasswordReset(cancelled_by=principal.user_id, reason=body.reason, at=at),
    )
