"""The reporting schema for BI tools: a tenant's read-only role, connected as Metabase would, reads its own rows
through documented views, and neither another tenant's rows nor any internal table."""

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import orjson
import pytest

from events.contracts import tickets as ev
from events.db import create_pool
from events.envelope import Context, wrap
from metrics import reporting
from metrics.projections import projection
from metrics.reporting import Schemas
from support.builders import opened
from support.records import deliver_batch

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
INTERNAL = (asyncpg.InsufficientPrivilegeError, asyncpg.ReadOnlySQLTransactionError)


@pytest.fixture
async def roles(db):
    """Role names for the test (roles outlive schemas: each is dropped afterwards, with its grants)."""
    made: list[str] = []
    yield made
    for role in made:
        if await db.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", role):
            await db.execute(f'DROP OWNED BY "{role}"')
            await db.execute(f'DROP ROLE "{role}"')


async def project(settings, *envelopes) -> None:
    """Apply the events as the projector applies a fetched batch."""
    pool = await create_pool(settings.database_url, settings.projection, min_size=1, max_size=1)
    try:
        await deliver_batch(pool, "metrics.projector", projection, envelopes, "t")
    finally:
        await pool.close()


def tickets(tenant: str, count: int, *, internal_comment: bool = False) -> list:
    ctx = Context(tenant=tenant, actor="tom", correlation_id="c", recorded_at=MONDAY)
    found = []
    for _ in range(count):
        tid = uuid4()
        found.append(wrap(opened(ticket_id=tid, at=MONDAY), stream_id=str(tid), stream_version=1, ctx=ctx))
        if internal_comment:
            note = ev.CommentAdded(comment_id=uuid4(), author_id="tom", body="caller was rude", visibility="internal",
                                   by_agent=True, at=MONDAY)  # fmt: skip
            found.append(wrap(note, stream_id=str(tid), stream_version=2, ctx=ctx))
    return found


async def record_input(client, headers, value: str) -> None:
    body = {"fiscal_year": 2025, "input_id": "INTN010", "value": value, "provenance": {"source": "HR"}}
    assert (await client.post("/mbn/inputs", json=body, headers=headers)).status_code == 201


async def grant_by_command(settings, schema: str, tenant: str, role: str) -> str:
    """`python -m metrics.reporting grant-tenant`, as an operator runs it; returns the password it printed."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DB_SCHEMA": settings.schema,
           "PROJECTION_SCHEMA": settings.projection, "LOG_LEVEL": "warning"}  # fmt: skip
    argv = ["-m", "metrics.reporting", "--schema", schema, "grant-tenant", tenant, "--role", role]
    command = await asyncio.create_subprocess_exec(sys.executable, *argv, env=env, stdout=PIPE, stderr=PIPE)
    out, err = await asyncio.wait_for(command.communicate(), 60)
    assert command.returncode == 0, err.decode()
    return out.decode().split("password: ")[1].strip()


async def test_a_tenants_reporting_role_reads_its_own_rows_and_nothing_outside_reporting(
    metrics, db, stack, namespace, tokens, roles
):
    settings, mine, theirs = metrics.settings["metrics"], tokens.tenant, f"other-{namespace}"
    await project(settings, *tickets(mine, 2, internal_comment=True), *tickets(theirs, 3))
    await record_input(metrics.metrics, tokens.headers("manager"), "1200")
    await record_input(metrics.metrics, tokens.headers("manager", tenant=theirs), "900")
    schemas = Schemas(f"{namespace}_reporting", settings.projection, settings.schema)
    roles += [f"{namespace}_mine", f"{namespace}_theirs"]
    password = await grant_by_command(settings, schemas.reporting, mine, roles[0])
    await reporting.grant_tenant(db, schemas, theirs, roles[1], "another-secret")

    metabase = await asyncpg.connect(stack.database_url, user=roles[0], password=password)
    try:
        opened_rows = await metabase.fetch("SELECT tenant, value FROM kpi_desk_tickets_opened WHERE dimension = 'all'")
        assert [(r["tenant"], r["value"]) for r in opened_rows] == [(mine, 2)]
        trail = await metabase.fetch("SELECT tenant, event_type, payload, withheld FROM audit_trail")
        assert {r["tenant"] for r in trail} == {mine} and len(trail) == 4
        comments = [orjson.loads(r["payload"]) for r in trail if r["event_type"] == "tickets.comment_added"]
        assert all("body" not in c for c in comments) and len(comments) == 2
        assert [(r["tenant"], r["value"]) for r in await metabase.fetch("SELECT tenant, value FROM mbn_inputs")] == [
            (mine, 1200)]  # fmt: skip
        for internal in (f'"{settings.projection}".kpi_daily', f'"{settings.projection}".audit_history',
                         f'"{settings.schema}".events', f'"{settings.schema}".mbn_inputs',
                         f'"{schemas.access}".tenant_roles'):  # fmt: skip
            with pytest.raises(INTERNAL):
                await metabase.fetch(f"SELECT * FROM {internal} LIMIT 1")
        writes = ("DELETE FROM audit_trail", f'CREATE TABLE "{schemas.reporting}".mine (x int)', "SET ROLE postgres")
        for write in writes:
            with pytest.raises(INTERNAL):
                await metabase.execute(write)
        listed = await metabase.fetch("SELECT DISTINCT table_schema FROM information_schema.tables"
                                      " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")  # fmt: skip
        assert [r["table_schema"] for r in listed] == [schemas.reporting]
    finally:
        await metabase.close()


async def test_every_reporting_view_says_what_it_holds_and_a_reinstall_keeps_the_roles_reading(
    metrics, db, stack, namespace, tokens, roles
):
    settings = metrics.settings["metrics"]
    await project(settings, *tickets(tokens.tenant, 1))
    schemas = Schemas(f"{namespace}_reporting", settings.projection, settings.schema)
    views = await reporting.install(db, schemas)
    roles.append(f"{namespace}_bi")
    await reporting.grant_tenant(db, schemas, tokens.tenant, roles[0], "secret")
    expected = {"audit_trail", "kpi_definitions", "kpi_desk_backlog", "kpi_assets_mtbf", "mbn_intn205", "mbn_benchmark"}
    assert expected <= set(views)
    undocumented = await db.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1"
        " AND (obj_description(c.oid, 'pg_class') IS NULL OR length(obj_description(c.oid, 'pg_class')) < 40)",
        schemas.reporting,
    )
    assert undocumented == []
    await reporting.install(db, schemas)  # as after a rebuild of the projection: the views anew, the grants back
    bi = await asyncpg.connect(stack.database_url, user=roles[0], password="secret")
    try:
        for view in views:  # every view answers (no error), the role's rows only
            await bi.fetch(f'SELECT * FROM "{view}" LIMIT 5')
        assert await bi.fetchval("SELECT sum(value) FROM kpi_desk_tickets_opened WHERE dimension = 'all'") == 1
    finally:
        await bi.close()
    assert await reporting.revoke_tenant(db, schemas, roles[0])
    assert not await db.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", roles[0])
