"""Idempotency keys: a replayed command answers with its first response and appends nothing."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
import structlog

from events.errors import Refused
from events.jobs import PeriodicJob

log = structlog.get_logger()

MAX_KEY_LENGTH = 200
KEPT_FOR = timedelta(hours=24)
REPLAYED = "Idempotent-Replayed"  # the header that marks a replayed answer (IETF Idempotency-Key draft, Stripe)
PURGE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Outcome:
    """What a command answered, kept so that a replay answers the same."""

    status_code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Command = Callable[[asyncpg.Connection], Awaitable[Outcome]]


class IdempotencyKeyReused(Refused):
    """The same key came back with a different request: a client bug, never silently answered (422)."""

    status = 422
    kind = "idempotency-key-reused"

    def __init__(self, key: str):
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


@dataclass(frozen=True)
class Key:
    """An Idempotency-Key as the caller's own: the same text from another caller is another key."""

    tenant: str
    caller: str
    value: str
    kept_for: timedelta = KEPT_FOR


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests the same request: method, path and the parsed body."""
    return hashlib.sha256(orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)).hexdigest()


async def recall(conn: asyncpg.Connection, key: Key, request_hash: str) -> Outcome | None:
    """The first answer to `key`, marked as replayed; an expired key is forgotten here and answers nothing."""
    row = await conn.fetchrow(
        "SELECT request_hash, status_code, response, headers, created_at > now() - $4::interval AS live"
        " FROM idempotency_keys WHERE tenant = $1 AND caller = $2 AND key = $3",
        key.tenant, key.caller, key.value, key.kept_for,
    )
    if row is None:
        return None
    if not row["live"]:
        await conn.execute("DELETE FROM idempotency_keys WHERE tenant = $1 AND caller = $2 AND key = $3",
                           key.tenant, key.caller, key.value)
        return None
    if row["request_hash"] != request_hash:
        raise IdempotencyKeyReused(key.value)
    return Outcome(row["status_code"], row["response"], {**row["headers"], REPLAYED: "true"})


async def remember(conn: asyncpg.Connection, key: Key, request_hash: str, outcome: Outcome) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (tenant, caller, key, request_hash, status_code, response, headers)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        key.tenant, key.caller, key.value, request_hash, outcome.status_code, outcome.body, outcome.headers,
    )


async def run_once(
    pool: asyncpg.Pool, tenant: str, key: str | None, request_hash: str, command: Command, *,
    caller: str = "", kept_for: timedelta = KEPT_FOR,
) -> Outcome:
    """Run `command` in one transaction with `caller`'s key; a replay, even a concurrent one, gets the first answer."""
    scoped = Key(tenant, caller, key, kept_for) if key is not None else None
    async with pool.acquire() as conn:
        try:
            return await _run_in_transaction(conn, scoped, request_hash, command)
        except asyncpg.UniqueViolationError as error:
            if scoped is None or error.table_name != "idempotency_keys":
                raise
        # A concurrent twin committed first; its transaction holds the answer.
        return await recall(conn, scoped, request_hash)


async def _run_in_transaction(
    conn: asyncpg.Connection, key: Key | None, request_hash: str, command: Command
) -> Outcome:
    async with conn.transaction():
        if key is not None and (previous := await recall(conn, key, request_hash)):
            return previous
        outcome = await command(conn)
        if key is not None:
            await remember(conn, key, request_hash, outcome)
        return outcome


def purge_expired_keys(kept_for: timedelta, every_seconds: float = PURGE_EVERY_SECONDS) -> PeriodicJob:
    """A periodic job that deletes keys older than `kept_for`, so keys nobody repeats do not pile up."""

    async def purge(pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            status = await conn.execute("DELETE FROM idempotency_keys WHERE created_at <= now() - $1::interval",
                                        kept_for)
        if (purged := int(status.split()[-1])) > 0:
            log.info("idempotency_keys_purged", count=purged)

    return PeriodicJob("idempotency_keys_purge", every_seconds, purge)
