"""What the bench runs against: Postgres and the broker, bench schemas, and apps served by uvicorn subprocesses."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from uuid import uuid4

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel

import devstack
from events.db import create_pool

HOST = "127.0.0.1"


@dataclass
class Stack:
    dsn: str
    bootstrap_servers: str
    postgres_pid: int | None = None  # known only for an embedded server, for CPU accounting
    broker_pid: int | None = None
    owned: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self.owned.close()


def open_stack(need_broker: bool) -> Stack:
    """DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded servers owned by the returned Stack."""
    owned = ExitStack()
    try:
        dsn, pg_pid = os.environ.get("DATABASE_URL"), None
        if not dsn:
            postgres = owned.enter_context(devstack.start_postgres())
            dsn, pg_pid = postgres.dsn, postgres.pid
        bootstrap, broker_pid = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", ""), None
        if need_broker and not bootstrap:
            broker = owned.enter_context(devstack.start_broker())
            bootstrap, broker_pid = broker.bootstrap_servers, broker.pid
        return Stack(dsn, bootstrap, pg_pid, broker_pid, owned)
    except BaseException:
        owned.close()
        raise


async def fresh_schema(dsn: str, schema: str, *statements: str) -> None:
    """An empty schema of the bench's own (dropped first if a run left it behind), with `statements` run in it."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(f'SET search_path TO "{schema}"')
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def drop_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


# An ASGI app factory served as deployed: a uvicorn subprocess on uvloop + httptools, one worker, no access log.


def uvicorn_command(factory: str, port: int) -> list[str]:
    """One command line for every app the bench serves, so that only the app differs between runs."""
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log"]  # fmt: skip


@contextmanager
def uvicorn_server(factory: str, env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """The server, once its /readyz answers 200; stopped gracefully (then killed) on the way out."""
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(uvicorn_command(factory, port), env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(server, port, log)
            yield server
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)  # uvicorn's graceful stop: the lifespan closes pool and relay
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_ready(server: subprocess.Popen, port: int, log, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {server.returncode}:\n{log.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server on port {port} did not become ready")


# The HTTP ceiling: bare FastAPI, a pydantic body, one single-row INSERT; served as bench.stack:create_ceiling_app.

CEILING_FACTORY = "bench.stack:create_ceiling_app"
CEILING_TABLE = """CREATE TABLE ceiling_items (id uuid PRIMARY KEY, subject text NOT NULL, description text NOT NULL,
    category text NOT NULL, impact text NOT NULL, urgency text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())"""
_CEILING_INSERT = """INSERT INTO ceiling_items (id, subject, description, category, impact, urgency)
    VALUES ($1, $2, $3, $4, $5, $6)"""


class Item(BaseModel):
    """The same fields POST /tickets takes, so that both sides parse a body of the same size."""

    subject: str
    description: str
    category: str
    impact: str
    urgency: str


def create_ceiling_app() -> FastAPI:
    dsn, schema = os.environ["DATABASE_URL"], os.environ["DB_SCHEMA"]
    pool_size = int(os.environ.get("DB_POOL_SIZE", "20"))  # the services' default

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The services' own pool factory: same size, codecs and cheap release, so only the request work differs.
        app.state.pool = await create_pool(dsn, schema, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"status": "ready"}

    @app.post("/items", status_code=201)
    async def create_item(item: Item, request: Request) -> dict:
        item_id = uuid4()
        await request.app.state.pool.execute(
            _CEILING_INSERT, item_id, item.subject, item.description, item.category, item.impact, item.urgency
        )
        return {"id": str(item_id)}

    return app
