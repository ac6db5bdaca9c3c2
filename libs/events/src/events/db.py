"""Postgres connection pools and the numbered-SQL migration runner."""

from collections.abc import Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import asyncpg
import orjson
import structlog

log = structlog.get_logger()

STORE_MIGRATIONS = files("events") / "migrations" / "store"
CONSUMER_MIGRATIONS = files("events") / "migrations" / "consumer"


JSONB_VERSION = b"\x01"  # jsonb's binary format: this version byte, then the document as text


async def _init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in binary format, so that a binary COPY (a rebuild's bulk writes) can carry it too."""
    await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                              encoder=lambda v: JSONB_VERSION + orjson.dumps(v), decoder=_jsonb_document)  # fmt: skip


def _jsonb_document(raw: bytes) -> object:
    return orjson.loads(memoryview(raw)[1:])


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Released connections are only rolled back (asyncpg does that first), not fully reset.

    The full reset costs a round trip on every release; nothing in the suite leaves session state
    behind on a pooled connection except migrations, which reset their connection themselves.
    """


async def create_pool(dsn: str, *schemas: str, min_size: int = 2, max_size: int = 20) -> asyncpg.Pool:
    """A pool whose connections see `schemas` first, so one database can hold every service."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        server_settings={"search_path": ",".join(f'"{s}"' for s in schemas), "application_name": schemas[0]},
    )


async def page(conn: asyncpg.Connection, columns: str, source: str, order: str, args: Sequence[Any], limit: int,
               offset: int, *, one_scan: bool = False) -> dict[str, Any]:
    """One page of `SELECT columns source ORDER BY order`, with the total `source` finds: what a list answers.

    `source` is the FROM and WHERE clauses, its parameters `args` ($1..$n); the page takes the next two.
    `one_scan` counts the total in the page's own scan (`count(*) OVER ()`): for a source the page must read in
    full anyway to sort it (no index gives its order), where a separate count would read it all a second time.
    """
    n = len(args)
    if not one_scan:
        total = await conn.fetchval(f"SELECT count(*) {source}", *args)
    rows = await conn.fetch(f"SELECT {columns}{_WINDOW_TOTAL if one_scan else ''} {source} ORDER BY {order}"
                            f" LIMIT ${n + 1} OFFSET ${n + 2}", *args, limit, offset)
    items = [dict(row) for row in rows]
    if one_scan:
        total = items[0].get("total_found") if items else await conn.fetchval(f"SELECT count(*) {source}", *args)
        for item in items:
            del item["total_found"]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


_WINDOW_TOTAL = ", count(*) OVER () AS total_found"


def lock_key(purpose: str, schema: str) -> str:
    """The text whose hash names an advisory lock; locks are per database, so the schema is in it."""
    return f"{purpose}:{schema}"


def _scripts(sources: dict[str, Traversable]) -> list[tuple[str, str, Traversable]]:
    found = []
    for source, folder in sources.items():
        if not folder.is_dir():  # a service with no tables of its own yet ships no migrations folder
            continue
        for script in sorted(folder.iterdir(), key=lambda s: s.name):
            if script.name.endswith(".sql"):
                found.append((source, script.name, script))
    return found


async def migrate(conn: asyncpg.Connection, schema: str, sources: dict[str, Traversable]) -> list[str]:
    """Apply each numbered script once, in order, under an advisory lock so replicas can start together."""
    applied = []
    await conn.execute("SELECT pg_advisory_lock(hashtext($1))", lock_key("migrate", schema))
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(f'SET search_path TO "{schema}"')
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (source text, name text,"
            " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, name))"
        )
        done = {(r["source"], r["name"]) for r in await conn.fetch("SELECT source, name FROM schema_migrations")}
        for source, name, script in _scripts(sources):
            if (source, name) not in done:
                await _apply(conn, source, name, script.read_text())
                applied.append(f"{source}/{name}")
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock_key("migrate", schema))
    if applied:
        log.info("migrations_applied", schema=schema, scripts=applied)
    return applied


async def _apply(conn: asyncpg.Connection, source: str, name: str, sql: str) -> None:
    async with conn.transaction():
        await conn.execute(sql)
        await conn.execute("INSERT INTO schema_migrations (source, name) VALUES ($1, $2)", source, name)


async def migrate_pool(pool: asyncpg.Pool, schema: str, sources: dict[str, Traversable]) -> list[str]:
    async with pool.acquire() as conn:
        try:
            return await migrate(conn, schema, sources)
        finally:
            await conn.reset()  # migrate changed search_path and took a session lock
