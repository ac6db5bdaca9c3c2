"""Orientation on the kit: the tenant's training policy and each person's orientation through `streams.handle`,
their rows written beside them; the worker's reaction to a provisioned network account."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from events import streams
from events.contracts.accounts import AccountProvisioned
from events.db import page
from events.envelope import Context, Envelope
from events.streams import Stream
from training import deliveries
from training.domain.orientation import (
    ORIENTATION,
    CompleteOrientation,
    Orientation,
    OweOrientation,
    orientation_id_for,
)
from training.domain.policy import DEFAULT_POLICY, TRAINING_POLICY, SetTrainingPolicy, TrainingPolicy, policy_stream
from training.domain.training_errors import OrientationAlreadyOwed

log = structlog.get_logger()

# ------------------------------------------------------------------------------------------------ the policy

_READ_POLICY = """
SELECT orientation_due_business_days, timezone, holidays, version FROM training_policy WHERE tenant = $1"""
_WRITE_POLICY = """
INSERT INTO training_policy (tenant, orientation_due_business_days, timezone, holidays, changed_at, version)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant) DO UPDATE SET orientation_due_business_days = $2, timezone = $3, holidays = $4,
    changed_at = $5, version = $6"""


async def current_policy(conn: asyncpg.Connection, tenant: str) -> Stream[TrainingPolicy]:
    """The tenant's policy and its stream version (0 and the defaults until a manager sets one), from its row."""
    row = await conn.fetchrow(_READ_POLICY, tenant)
    if row is None:
        return Stream(DEFAULT_POLICY, 0)
    policy = TrainingPolicy(row["orientation_due_business_days"], row["timezone"], frozenset(row["holidays"]))
    return Stream(policy, row["version"])


async def set_policy(
    conn: asyncpg.Connection, policy: TrainingPolicy, ctx: Context, if_match: int | None
) -> Stream[TrainingPolicy]:
    """Replace the policy whole. Orientations already owed keep their due dates."""
    current = await current_policy(conn, ctx.tenant)
    return await streams.handle(
        conn,
        TRAINING_POLICY,
        policy_stream(ctx.tenant),
        SetTrainingPolicy(policy, ctx.recorded_at),
        ctx,
        if_match=if_match,
        loaded=current,
        inline=_write_policy,
    )


async def _write_policy(conn: asyncpg.Connection, policy: Stream[TrainingPolicy], ctx: Context) -> None:
    p = policy.state
    await conn.execute(
        _WRITE_POLICY,
        ctx.tenant,
        p.orientation_due_business_days,
        p.timezone,
        sorted(p.holidays),
        policy.appended[-1].time,
        policy.version,
    )


# ---------------------------------------------------------------------------------------------- orientations


async def read_orientation(conn: asyncpg.Connection, orientation_id: UUID, tenant: str) -> Stream[Orientation]:
    return await streams.read(conn, ORIENTATION, str(orientation_id), tenant)


async def owe(
    conn: asyncpg.Connection,
    person_id: str,
    at: datetime,
    ctx: Context,
    account_id: UUID | None = None,
    username: str = "",
) -> Stream[Orientation]:
    """Owe the person their orientation, due the policy's number of business days after `at`; refused
    (OrientationAlreadyOwed) when they are already owed one."""
    policy = (await current_policy(conn, ctx.tenant)).state
    orientation_id = orientation_id_for(ctx.tenant, person_id)
    command = OweOrientation(
        orientation_id=orientation_id,
        person_id=person_id,
        due_on=policy.due_on(at),
        at=at,
        account_id=account_id,
        username=username,
    )
    return await streams.handle(conn, ORIENTATION, str(orientation_id), command, ctx, inline=_write_orientation)


async def complete(
    conn: asyncpg.Connection,
    orientation_id: UUID,
    command: CompleteOrientation,
    ctx: Context,
    if_match: int | None = None,
) -> Stream[Orientation]:
    return await streams.handle(
        conn, ORIENTATION, str(orientation_id), command, ctx, if_match=if_match, inline=_write_orientation
    )


def context_of(envelope: Envelope) -> Context:
    """Who did it, for which tenant, in which conversation: the provisioning's, caused by its event."""
    return Context(
        tenant=envelope.tenant,
        actor=envelope.actor,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )


async def owe_for_account(conn: asyncpg.Connection, account: AccountProvisioned, envelope: Envelope) -> None:
    """A new network account owes its holder an orientation, from when it was provisioned; a person already owed
    one (another account, the same event delivered again) is owed nothing new."""
    try:
        await owe(conn, account.person_id, account.at, context_of(envelope), account.account_id, account.username)
    except OrientationAlreadyOwed:
        log.info("orientation_already_owed", person_id=account.person_id, account_id=str(account.account_id))


_UPSERT = """
INSERT INTO orientations (orientation_id, tenant, person_id, owed_at, due_on, account_id, username, completed_at,
    within_due, hours, trainer_id, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (orientation_id) DO UPDATE SET completed_at = $8, within_due = $9, hours = $10, trainer_id = $11,
    updated_at = $12, version = $13"""


async def _write_orientation(conn: asyncpg.Connection, orientation: Stream[Orientation], ctx: Context) -> Any:
    s = orientation.state
    await conn.execute(
        _UPSERT,
        s.orientation_id,
        ctx.tenant,
        s.person_id,
        s.owed_at,
        s.due_on,
        s.account_id,
        s.username,
        s.completed_at,
        s.within_due,
        s.hours,
        s.trainer_id,
        ctx.recorded_at,
        orientation.version,
    )
    await deliveries.record(conn, orientation.appended, ctx.tenant)
    policy = (await current_policy(conn, ctx.tenant)).state
    return await orientation_row(conn, s.orientation_id, ctx.tenant, policy.local_date(ctx.recorded_at))


# ---------------------------------------------------------------------------------------------------- queries

_STATUS = "CASE WHEN completed_at IS NOT NULL THEN 'completed' WHEN due_on < $2::date THEN 'overdue' ELSE 'owed' END"
_COLUMNS = f"""
orientation_id AS id, person_id, username, account_id, owed_at, due_on, {_STATUS} AS status, completed_at,
within_due, hours, trainer_id, updated_at, version"""


async def orientation_row(
    conn: asyncpg.Connection, orientation_id: UUID, tenant: str, today: date
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM orientations WHERE tenant = $1 AND orientation_id = $3", tenant, today, orientation_id
    )


_LIST = f"""
FROM orientations WHERE tenant = $1 AND ($3::text IS NULL OR {_STATUS} = $3) AND ($4::text IS NULL OR person_id = $4)"""


async def orientations_of(
    conn: asyncpg.Connection,
    tenant: str,
    today: date,
    status: str | None,
    person_id: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Orientations soonest due first, with the total the filters find; `today` is the tenant's local date:
    owed (not yet due), overdue (past its due date, not given) or completed."""
    return await page(conn, _COLUMNS, _LIST, "due_on, person_id", [tenant, today, status, person_id], limit, offset)
