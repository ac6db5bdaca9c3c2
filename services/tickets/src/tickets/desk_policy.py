"""The desk policy's inline read model: one row per tenant, written with each change, read by every request."""

from uuid import UUID

import asyncpg

from events.base import event_from_stored
from events.contracts.tickets import DeskPolicyChanged
from events.envelope import Context
from events.streams import Stream
from tickets.domain.policy import DEFAULT_POLICY, DeskPolicy, policy_from

# Policies read back, per tenant, by the change they show: a policy is re-parsed only when it changed.
CACHE_SIZE = 1024
_parsed: dict[str, tuple[UUID, DeskPolicy]] = {}

# The policy document travels only when it is not the one the caller already holds.
_READ = """
SELECT version, event_id, schema_version, changed_at, CASE WHEN event_id = $2 THEN NULL ELSE policy END AS policy
FROM desk_policy WHERE tenant = $1
"""

_WRITE = """
INSERT INTO desk_policy (tenant, version, event_id, schema_version, changed_at, policy)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant) DO UPDATE SET version = $2, event_id = $3, schema_version = $4, changed_at = $5, policy = $6
"""


async def current(conn: asyncpg.Connection, tenant: str) -> Stream[DeskPolicy]:
    """The tenant's policy and its stream version (0 and the defaults until a manager sets one)."""
    held = _parsed.get(tenant)
    row = await conn.fetchrow(_READ, tenant, held[0] if held else None)
    if row is None:
        return Stream(DEFAULT_POLICY, 0)
    if row["policy"] is None:
        return Stream(held[1], row["version"])
    return Stream(_remember(tenant, row), row["version"])


def _remember(tenant: str, row: asyncpg.Record) -> DeskPolicy:
    event = event_from_stored(DeskPolicyChanged.event_type, row["schema_version"], row["policy"], row["changed_at"])
    if len(_parsed) >= CACHE_SIZE:
        _parsed.clear()  # crude, but bounded: each tenant re-reads its policy once
    _parsed[tenant] = (row["event_id"], policy_from(event))
    return _parsed[tenant][1]


async def write(conn: asyncpg.Connection, policy: Stream[DeskPolicy], ctx: Context) -> None:
    """The row for the change just appended, in its transaction."""
    changed = policy.appended[-1]
    await conn.execute(_WRITE, ctx.tenant, policy.version, changed.id, changed.schemaversion, changed.time,
                       changed.data)
