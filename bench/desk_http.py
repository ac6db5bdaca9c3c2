"""Open + resolve over REST at peak and at half of it, beside the bare-FastAPI-plus-one-INSERT ceiling."""

import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import orjson

from bench import ceiling_app, tickets_http, workload
from bench.cpu import CpuMeter
from bench.flowgen import FlowResult, Requests, drive_flow, resolve_template
from bench.loadgen import build_request, drive
from bench.measure import Result, Timing
from bench.serve import HOST, uvicorn_server
from bench.stack import Stack
from devstack import free_port
from events.tokens import mint, new_signing_key

CEILING_SCHEMA = "bench_ceiling"
TECHNICIAN = "bench-technician"
_RESOLVE_BODY = {"resolution_code": "solved", "note": "Cleared the paper path and replaced the tray 2 roller."}
_REPO = str(Path(__file__).resolve().parent.parent)


@dataclass
class DeskResult:
    ceiling: Result
    ceiling_statuses: set[int]
    peak: FlowResult
    half: FlowResult


async def measure(stack: Stack, connections: int, timing: Timing, rounds: int) -> DeskResult:
    ceiling, statuses = await measure_ceiling(stack, connections, timing)
    peak, half = await measure_open_resolve(stack, connections, timing, rounds)
    return DeskResult(ceiling, statuses, peak, half)


async def measure_ceiling(stack: Stack, connections: int, timing: Timing) -> tuple[Result, set[int]]:
    """The bare app under the same uvicorn command line and environment, on a fresh table."""
    port = free_port()
    await _fresh_ceiling_table(stack.dsn)
    env = {**tickets_http.server_env(stack, ""), "DB_SCHEMA": CEILING_SCHEMA,
           "PYTHONPATH": os.pathsep.join(filter(None, [_REPO, os.environ.get("PYTHONPATH")]))}  # fmt: skip
    try:
        with uvicorn_server("bench.ceiling_app:create_app", env, port) as server:
            meter = CpuMeter(tickets_http.server_clocks(stack, server.pid))
            request = build_request("POST", "/items", f"{HOST}:{port}", {"Content-Type": "application/json"},
                                    orjson.dumps(tickets_http.BODY))  # fmt: skip
            return await drive(HOST, port, request, connections, timing, meter, 201)
    finally:
        await tickets_http.reset_schema(stack.dsn, CEILING_SCHEMA)


async def _fresh_ceiling_table(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{CEILING_SCHEMA}" CASCADE')
        await conn.execute(f'CREATE SCHEMA "{CEILING_SCHEMA}"')
        await conn.execute(f'SET search_path TO "{CEILING_SCHEMA}"')
        await conn.execute(ceiling_app.CREATE_TABLE)
    finally:
        await conn.close()


async def measure_open_resolve(
    stack: Stack, connections: int, timing: Timing, rounds: int
) -> tuple[FlowResult, FlowResult]:
    """Flat out first; then, on the same service, paced to half the requests/s just reached, best p99 of `rounds`."""
    private_pem, public_pem = new_signing_key()
    port = free_port()
    await tickets_http.reset_schema(stack.dsn)
    try:
        with tickets_http.tickets_server(stack, public_pem, port) as server:
            clocks, requests = tickets_http.server_clocks(stack, server.pid), _requests(port, private_pem)
            peak = await drive_flow(HOST, port, requests, connections, timing, CpuMeter(clocks))
            half_rate = peak.result.rate / 2
            halves = [await drive_flow(HOST, port, requests, connections, timing, CpuMeter(clocks), half_rate)
                      for _ in range(rounds)]  # fmt: skip
            # A noisy neighbour's second-long stall would decide a p99 alone: like the write cells, best kept.
            return peak, min(halves, key=lambda half: half.result.percentile(99))
    finally:
        await tickets_http.reset_schema(stack.dsn)


def _requests(port: int, private_pem: str) -> Requests:
    """A staff member opens, a technician of the same tenant resolves: two real tokens, minted once."""
    token = mint(private_pem, subject=TECHNICIAN, tenant=workload.TENANT, roles=["technician"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    resolve = build_request("POST", "/tickets/{id}/resolve", f"{HOST}:{port}", headers, orjson.dumps(_RESOLVE_BODY))
    return Requests(tickets_http.request_bytes(port, private_pem), resolve_template(resolve))
