"""POST /tickets over real HTTP: the tickets service under uvicorn in a subprocess, driven by bench.loadgen."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
import orjson

from bench import workload
from bench.cpu import CpuMeter, process_clock, tree_clock
from bench.loadgen import build_request, drive
from bench.measure import Result, Timing
from bench.serve import HOST, uvicorn_server
from bench.stack import Stack
from devstack import free_port
from events.tokens import mint, new_signing_key

SCHEMA = "bench_tickets"
BODY = {"subject": "Printer jam", "description": "Tray 2 on the 3rd floor jams on every duplex job.",
         "category": "hardware", "impact": "low", "urgency": "high"}  # fmt: skip


@dataclass
class HttpResult:
    result: Result
    statuses: set[int]
    stored: int  # events in the store after the run
    unpublished: int  # of which the relay had not yet published when the load stopped


def server_env(stack: Stack, public_pem: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": stack.dsn, "DB_SCHEMA": SCHEMA, "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers,
        "KAFKA_IDEMPOTENT_PRODUCER": "false",  # the embedded broker cannot grant producer ids
        "AUTH_KEY": public_pem, "LOG_LEVEL": "warning",
    }  # fmt: skip


@contextmanager
def tickets_server(stack: Stack, public_pem: str, port: int) -> Iterator[subprocess.Popen]:
    """The service as deployed: uvicorn, uvloop, httptools, one worker, no access log."""
    with uvicorn_server("tickets.main:create_app", server_env(stack, public_pem), port) as server:
        yield server


async def reset_schema(dsn: str, schema: str = SCHEMA) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def _store_counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(f'SELECT count(*) AS total, count(*) FILTER (WHERE published_at IS NULL) AS'
                                  f' unpublished FROM "{SCHEMA}".events')  # fmt: skip
        return row["total"], row["unpublished"]
    finally:
        await conn.close()


def request_bytes(port: int, private_pem: str) -> bytes:
    token = mint(private_pem, subject=workload.ACTOR, tenant=workload.TENANT, roles=["staff"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return build_request("POST", "/tickets", f"{HOST}:{port}", headers, orjson.dumps(BODY))


async def measure(stack: Stack, connections: int, timing: Timing) -> HttpResult:
    """Start a fresh service, keep `connections` POST /tickets in flight, and count 201s in the window."""
    private_pem, public_pem = new_signing_key()
    port = free_port()
    await reset_schema(stack.dsn)
    with tickets_server(stack, public_pem, port) as server:
        meter = CpuMeter(server_clocks(stack, server.pid))
        result, statuses = await drive(HOST, port, request_bytes(port, private_pem), connections, timing, meter, 201)
        stored, unpublished = await _store_counts(stack.dsn)
    await reset_schema(stack.dsn)
    return HttpResult(result, statuses, stored, unpublished)


def server_clocks(stack: Stack, server_pid: int) -> dict:
    clocks = {"loadgen": process_clock(os.getpid()), "server": process_clock(server_pid)}
    if stack.postgres_pid:
        clocks["postgres"] = tree_clock(stack.postgres_pid)
    if stack.broker_pid:
        clocks["broker"] = process_clock(stack.broker_pid)
    return clocks
