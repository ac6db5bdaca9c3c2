"""Idempotency keys: a replayed command answers with its first response and appends nothing."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from events.errors import Refused

MAX_KEY_LENGTH = 200


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

    def __init__(self, key: str):
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


def fingerprint(method: str, path: str, body: Any, caller: str = "") -> str:
    """What makes two requests the same request: method, path, the parsed body, and who sent it."""
    return hashlib.sha256(orjson.dumps([method, path, body, caller], option=orjson.OPT_SORT_KEYS)).hexdigest()


async def recall(conn: asyncpg.Connection, tenant: str, key: str, request_hash: str) -> Outcome | None:
    row = await conn.fetchrow(
        "SELECT request_hash, status_code, response, headers FROM idempotency_keys WHERE tenant = $1 AND key = $2",
        tenant,
        key,
    )
    if row is None:
        return None
    if row["request_hash"] != request_hash:
        raise IdempotencyKeyReused(key)
    return Outcome(row["status_code"], row["response"], row["headers"])


async def remember(conn: asyncpg.Connection, tenant: str, key: str, request_hash: str, outcome: Outcome) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (tenant, key, request_hash, status_code, response, headers)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        tenant, key, request_hash, outcome.status_code, outcome.body, outcome.headers,
    )


async def run_once(
    pool: asyncpg.Pool, tenant: str, key: str | None, request_hash: str, command: Command
) -> Outcome:
    """Run `command` in one transaction with its key; a replay, even a concurrent one, gets the first answer."""
    async with pool.acquire() as conn:
        try:
            return await _run_in_transaction(conn, tenant, key, request_hash, command)
        except asyncpg.UniqueViolationError as error:
            if key is None or error.table_name != "idempotency_keys":
                raise
        # A concurrent twin committed first; its transaction holds the answer.
        return await recall(conn, tenant, key, request_hash)


async def _run_in_transaction(
    conn: asyncpg.Connection, tenant: str, key: str | None, request_hash: str, command: Command
) -> Outcome:
    async with conn.transaction():
        if key is not None and (previous := await recall(conn, tenant, key, request_hash)):
            return previous
        outcome = await command(conn)
        if key is not None:
            await remember(conn, tenant, key, request_hash, outcome)
        return outcome
