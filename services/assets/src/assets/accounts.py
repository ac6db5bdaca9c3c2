"""Accounts and password resets on the kit: commands through `streams.handle`, their rows written beside them."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.access_errors import UsernameTaken
from assets.domain.account import ACCOUNT, Account, AccountCommand, AccountStatus, DeprovisionAccount, ProvisionAccount
from assets.domain.password_reset import (
    FLAG_THRESHOLD,
    FLAG_WINDOW,
    PASSWORD_RESET,
    AccountFacts,
    PasswordReset,
    RequestPasswordReset,
    ResetCommand,
)
from events import streams
from events.contracts.accounts import (
    PasswordResetCancelled,
    PasswordResetCompleted,
    PasswordResetRequested,
    PasswordResetVerified,
)
from events.db import page
from events.envelope import Context
from events.errors import NotFound
from events.streams import Stream

# --- accounts -------------------------------------------------------------------------------------------------


async def provision(conn: asyncpg.Connection, command: ProvisionAccount, ctx: Context) -> Stream[Account]:
    """Provision an account; its `view` is the account's row. A username the tenant already has is refused."""
    return await streams.handle(
        conn, ACCOUNT, str(command.account_id), command, ctx, loaded=streams.fresh(ACCOUNT), inline=_write_account
    )


async def handle_account(
    conn: asyncpg.Connection, account_id: UUID, command: AccountCommand, ctx: Context, if_match: int | None = None
) -> Stream[Account]:
    return await streams.handle(conn, ACCOUNT, str(account_id), command, ctx, if_match=if_match, inline=_write_account)


_UPSERT_ACCOUNT = """
INSERT INTO accounts (account_id, tenant, username, person_id, email, groups, expires_on, status, status_reason,
    provisioned_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (account_id) DO UPDATE SET status = $8, status_reason = $9, updated_at = $11, version = $12"""


async def _write_account(conn: asyncpg.Connection, account: Stream[Account], ctx: Context) -> asyncpg.Record:
    a = account.state
    try:
        await conn.execute(
            _UPSERT_ACCOUNT,
            a.account_id,
            ctx.tenant,
            a.username,
            a.person_id,
            a.email,
            list(a.groups),
            a.expires_on,
            a.status,
            a.reason,
            account.history[0].time,
            account.appended[-1].recordedtime,
            account.version,
        )
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != "accounts_username_unique":
            raise
        raise UsernameTaken(
            f"username {a.username} is already another account's in this tenant: a username"
            " names one account, also after it is deprovisioned"
        ) from None
    return await account_row(conn, a.account_id, ctx.tenant)


_ACCOUNT_COLUMNS = """account_id AS id, username, person_id, email, groups, expires_on, status, status_reason,
    provisioned_at, updated_at, version"""


async def account_row(conn: asyncpg.Connection, account_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1 AND tenant = $2", account_id, tenant
    )


_SEARCH = """
FROM accounts WHERE tenant = $1
  AND ($2::text IS NULL OR starts_with(lower(username), lower($2))) AND ($3::text IS NULL OR person_id = $3)
  AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR groups @> ARRAY[$5::text])"""


async def search(
    conn: asyncpg.Connection, tenant: str, filters: dict[str, Any], limit: int, offset: int
) -> dict[str, Any]:
    """Accounts by username (its beginning, any case), person, status and group, with the total."""
    args = [tenant, filters.get("username"), filters.get("person"), filters.get("state"), filters.get("group")]
    return await page(conn, _ACCOUNT_COLUMNS, _SEARCH, "lower(username), account_id", args, limit, offset)


async def depart(conn: asyncpg.Connection, person_id: str, reason: str, ctx: Context) -> list[Stream[Account]]:
    """Deprovision every account the person still holds, each through its own stream, in the caller's transaction.

    The rows are locked in one order first, so a departure and a command on one of the accounts do not deadlock.
    """
    held = await conn.fetch(
        "SELECT account_id FROM accounts WHERE tenant = $1 AND person_id = $2"
        " AND status <> $3 ORDER BY account_id FOR UPDATE",
        ctx.tenant,
        person_id,
        AccountStatus.DEPROVISIONED,
    )
    command = DeprovisionAccount(reason=reason, at=ctx.recorded_at)
    return [await handle_account(conn, row["account_id"], command, ctx) for row in held]


# --- password resets ------------------------------------------------------------------------------------------


async def facts_of(conn: asyncpg.Connection, account_id: UUID, tenant: str) -> AccountFacts | None:
    """The account a reset is for, its row share-locked: a deprovisioning waits for the reset, or the reset sees it."""
    row = await conn.fetchrow(
        "SELECT account_id, person_id, username, status FROM accounts WHERE account_id = $1 AND tenant = $2 FOR SHARE",
        account_id,
        tenant,
    )
    return (
        AccountFacts(row["account_id"], row["person_id"], row["username"], AccountStatus(row["status"]))
        if row
        else None
    )


async def request_reset(conn: asyncpg.Connection, command: RequestPasswordReset, ctx: Context) -> Stream[PasswordReset]:
    return await streams.handle(
        conn,
        PASSWORD_RESET,
        str(command.reset_id),
        command,
        ctx,
        loaded=streams.fresh(PASSWORD_RESET),
        inline=_write_reset,
    )


async def handle_reset(
    conn: asyncpg.Connection,
    reset_id: UUID,
    make: Callable[[AccountFacts], ResetCommand],
    ctx: Context,
    if_match: int | None = None,
) -> Stream[PasswordReset]:
    """Decide `make(account)` on the reset, `account` being the reset's account as it stands now."""
    reset = await streams.read(conn, PASSWORD_RESET, str(reset_id), ctx.tenant)
    account = await facts_of(conn, reset.state.account_id, ctx.tenant) if reset.version else None
    if account is None:
        raise NotFound(f"no password reset {reset_id}")
    return await streams.handle(
        conn, PASSWORD_RESET, str(reset_id), make(account), ctx, if_match=if_match, loaded=reset, inline=_write_reset
    )


_RESET_REQUESTED = """
INSERT INTO password_resets (reset_id, tenant, account_id, person_id, requested_by, channel, ticket_id, status,
    requested_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'requested', $8, $8, 0)"""
_RESET_STEPS = {
    PasswordResetVerified: (
        "UPDATE password_resets SET method = $2, verified_by = $3, verified_at = $4,"
        " verification_note = $5 WHERE reset_id = $1",
        lambda e: (e.method, e.verified_by, e.at, e.note),
    ),
    PasswordResetCompleted: (
        "UPDATE password_resets SET completed_by = $2, completed_at = $3, force_change = $4 WHERE reset_id = $1",
        lambda e: (e.completed_by, e.at, e.force_change),
    ),
    PasswordResetCancelled: (
        "UPDATE password_resets SET cancelled_by = $2, cancelled_at = $3, cancel_reason = $4 WHERE reset_id = $1",
        lambda e: (e.cancelled_by, e.at, e.reason),
    ),
}


async def _write_reset(conn: asyncpg.Connection, reset: Stream[PasswordReset], ctx: Context) -> asyncpg.Record:
    """The reset's row: each new event fills in its step, then its status and version follow the stream."""
    for event in reset.events[-len(reset.appended) :]:
        if isinstance(event, PasswordResetRequested):
            await conn.execute(
                _RESET_REQUESTED,
                event.reset_id,
                ctx.tenant,
                event.account_id,
                event.person_id,
                event.requested_by,
                event.channel,
                event.ticket_id,
                event.at,
            )
        elif step := _RESET_STEPS.get(type(event)):
            await conn.execute(step[0], event.reset_id, *step[1](event))
    await conn.execute(
        "UPDATE password_resets SET status = $2, updated_at = $3, version = $4 WHERE reset_id = $1",
        reset.state.reset_id,
        reset.state.status,
        reset.appended[-1].recordedtime,
        reset.version,
    )
    return await reset_row(conn, reset.state.reset_id, ctx.tenant)


# Resets of the same account requested within FLAG_WINDOW up to this one, this one included.
_RESET = """
SELECT r.reset_id AS id, r.account_id, a.username, r.person_id, r.requested_by, r.channel, r.ticket_id, r.status,
       r.requested_at, r.method, r.verified_by, r.verified_at, r.verification_note, r.completed_by, r.completed_at,
       r.force_change, r.cancelled_by, r.cancelled_at, r.cancel_reason, r.updated_at, r.version,
       (SELECT count(*) FROM password_resets p WHERE p.account_id = r.account_id
          AND p.requested_at BETWEEN r.requested_at - $3::interval AND r.requested_at) AS resets_within_window
FROM password_resets r JOIN accounts a USING (account_id)
WHERE r.reset_id = $1 AND r.tenant = $2"""


async def reset_row(conn: asyncpg.Connection, reset_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_RESET, reset_id, tenant, FLAG_WINDOW)


# For each reset requested since $2: how many of its account's resets fall in the FLAG_WINDOW ($3) ending at it.
# An account is flagged when one of those windows holds FLAG_THRESHOLD ($4) or more.
_FLAGGED = """
FROM (
    SELECT account_id, max(resets) AS resets, min(requested_at) AS flagged_at, max(requested_at) AS last_flagged_at
    FROM (SELECT account_id, requested_at,
                 count(*) OVER (PARTITION BY account_id ORDER BY requested_at
                                RANGE BETWEEN $3::interval PRECEDING AND CURRENT ROW) AS resets
          FROM password_resets WHERE tenant = $1 AND requested_at >= $2::timestamptz - $3::interval) counted
    WHERE resets >= $4 AND requested_at >= $2
    GROUP BY account_id
) flagged JOIN accounts a USING (account_id)"""
_FLAGGED_COLUMNS = "a.account_id AS id, a.username, a.person_id, a.status, resets, flagged_at, last_flagged_at"


async def flagged(conn: asyncpg.Connection, tenant: str, since: datetime, limit: int, offset: int) -> dict[str, Any]:
    """Accounts reset FLAG_THRESHOLD times or more within FLAG_WINDOW, for a reset requested since `since`."""
    args = [tenant, since, FLAG_WINDOW, FLAG_THRESHOLD]
    return await page(conn, _FLAGGED_COLUMNS, _FLAGGED, "last_flagged_at DESC, id", args, limit, offset)
