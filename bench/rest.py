"""REST over real HTTP: POST /tickets, and open + resolve at peak and at half of it beside the bare-FastAPI ceiling."""

import os
import subprocess
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import orjson

from bench.loadgen import FlowResult, Requests, build_request, drive, drive_flow, resolve_template
from bench.measure import CpuMeter, Result, Timing, process_clock, tree_clock
from bench.stack import CEILING_FACTORY, CEILING_TABLE, HOST, Stack, drop_schema, fresh_schema, uvicorn_server
from bench.writes import ACTOR, TENANT
from devstack import free_port
from events.tokens import mint, new_signing_key

SCHEMA = "bench_tickets"
CEILING_SCHEMA = "bench_ceiling"
TECHNICIAN = "bench-technician"
BODY = {"subject": "Printer jam", "description": "Tray 2 on the 3rd floor jams on every duplex job.",
         "category": "hardware", "impact": "low", "urgency": "high"}  # fmt: skip
_RESOLVE_BODY = {"resolution_code": "solved", "note": "Cleared the paper path and replaced the tray 2 roller."}
_REPO = str(Path(__file__).resolve().parent.parent)


def server_env(stack: Stack, public_pem: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": stack.dsn, "DB_SCHEMA": SCHEMA, "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers,
        "KAFKA_IDEMPOTENT_PRODUCER": "false",  # the embedded broker cannot grant producer ids
        "AUTH_KEY": public_pem, "LOG_LEVEL": "warning",
    }  # fmt: skip


def tickets_server(stack: Stack, public_pem: str, port: int) -> AbstractContextManager[subprocess.Popen]:
    """The service as deployed: uvicorn, uvloop, httptools, one worker, no access log."""
    return uvicorn_server("tickets.main:create_app", server_env(stack, public_pem), port)


def server_clocks(stack: Stack, server_pid: int) -> dict:
    clocks = {"loadgen": process_clock(os.getpid()), "server": process_clock(server_pid)}
    if stack.postgres_pid:
        clocks["postgres"] = tree_clock(stack.postgres_pid)
    if stack.broker_pid:
        clocks["broker"] = process_clock(stack.broker_pid)
    return clocks


def open_request(port: int, private_pem: str) -> bytes:
    token = mint(private_pem, subject=ACTOR, tenant=TENANT, roles=["staff"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return build_request("POST", "/tickets", f"{HOST}:{port}", headers, orjson.dumps(BODY))


# POST /tickets: the tickets service under uvicorn in a subprocess, `connections` requests in flight.


@dataclass
class HttpResult:
    result: Result
    statuses: set[int]
    stored: int  # events in the store after the run
    unpublished: int  # of which the relay had not yet published when the load stopped


async def _store_counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(f'SELECT count(*) AS total, count(*) FILTER (WHERE published_at IS NULL) AS'
                                  f' unpublished FROM "{SCHEMA}".events')  # fmt: skip
        return row["total"], row["unpublished"]
    finally:
        await conn.close()


async def measure_tickets(stack: Stack, connections: int, timing: Timing) -> HttpResult:
    """Start a fresh service, keep `connections` POST /tickets in flight, and count 201s in the window."""
    private_pem, public_pem = new_signing_key()
    port = free_port()
    await drop_schema(stack.dsn, SCHEMA)
    with tickets_server(stack, public_pem, port) as server:
        meter = CpuMeter(server_clocks(stack, server.pid))
        result, statuses = await drive(HOST, port, open_request(port, private_pem), connections, timing, meter, 201)
        stored, unpublished = await _store_counts(stack.dsn)
    await drop_schema(stack.dsn, SCHEMA)
    return HttpResult(result, statuses, stored, unpublished)


# Open + resolve (staff opens, technician resolves), flat out and paced, beside the bare-FastAPI ceiling.


@dataclass
class DeskResult:
    ceiling: Result
    ceiling_statuses: set[int]
    peak: FlowResult
    half: FlowResult


async def measure_desk(stack: Stack, connections: int, timing: Timing, rounds: int) -> DeskResult:
    ceiling, statuses = await measure_ceiling(stack, connections, timing)
    peak, half = await measure_open_resolve(stack, connections, timing, rounds)
    return DeskResult(ceiling, statuses, peak, half)


async def measure_ceiling(stack: Stack, connections: int, timing: Timing) -> tuple[Result, set[int]]:
    """The bare app under the same uvicorn command line and environment, on a fresh table."""
    port = free_port()
    await fresh_schema(stack.dsn, CEILING_SCHEMA, CEILING_TABLE)
    env = {**server_env(stack, ""), "DB_SCHEMA": CEILING_SCHEMA,
           "PYTHONPATH": os.pathsep.join(filter(None, [_REPO, os.environ.get("PYTHONPATH")]))}  # fmt: skip
    try:
        with uvicorn_server(CEILING_FACTORY, env, port) as server:
            meter = CpuMeter(server_clocks(stack, server.pid))
            request = build_request("POST", "/items", f"{HOST}:{port}", {"Content-Type": "application/json"},
                                    orjson.dumps(BODY))  # fmt: skip
            return await drive(HOST, port, request, connections, timing, meter, 201)
    finally:
        await drop_schema(stack.dsn, CEILING_SCHEMA)


async def measure_open_resolve(
    stack: Stack, connections: int, timing: Timing, rounds: int
) -> tuple[FlowResult, FlowResult]:
    """Flat out first; then, on the same service, paced to half the requests/s just reached, best p99 of `rounds`."""
    private_pem, public_pem = new_signing_key()
    port = free_port()
    await drop_schema(stack.dsn, SCHEMA)
    try:
        with tickets_server(stack, public_pem, port) as server:
            clocks, requests = server_clocks(stack, server.pid), _requests(port, private_pem)
            peak = await drive_flow(HOST, port, requests, connections, timing, CpuMeter(clocks))
            half_rate = peak.result.rate / 2
            halves = [await drive_flow(HOST, port, requests, connections, timing, CpuMeter(clocks), half_rate)
                      for _ in range(rounds)]  # fmt: skip
            # A noisy neighbour's second-long stall would decide a p99 alone: like the write cells, best kept.
            return peak, min(halves, key=lambda half: half.result.percentile(99))
    finally:
        await drop_schema(stack.dsn, SCHEMA)


def _requests(port: int, private_pem: str) -> Requests:
    """A staff member opens, a technician of the same tenant resolves: two real tokens, minted once."""
    token = mint(private_pem, subject=TECHNICIAN, tenant=TENANT, roles=["technician"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    resolve = build_request("POST", "/tickets/{id}/resolve", f"{HOST}:{port}", headers, orjson.dumps(_RESOLVE_BODY))
    return Requests(open_request(port, private_pem), resolve_template(resolve))
