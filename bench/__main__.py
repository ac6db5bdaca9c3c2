"""`python -m bench`: store appends vs a plain INSERT vs eventsourcing, POST /tickets, open + resolve over HTTP."""

import argparse
import os
import time
from importlib.metadata import version

import asyncpg
import uvloop

from bench import dbwrites, desk_http, es, report, tickets_http
from bench.cpu import CpuMeter, process_clock, tree_clock
from bench.measure import Result, Timing
from bench.stack import Stack, open_stack
from events.logging import configure_logging


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 round, 0.5 s warm-up, 2 s, HTTP 3 s")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each window")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per write-benchmark window")
    parser.add_argument("--rounds", type=int, default=2, help="write benchmarks are repeated, interleaved; best kept")
    parser.add_argument("--http-duration", type=float, default=10.0, help="seconds of each HTTP window")
    parser.add_argument("--writers", default="1,32", help="comma-separated concurrent writer counts")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections for POST /tickets")
    parser.add_argument("--skip-es", action="store_true", help="leave out the eventsourcing comparison")
    parser.add_argument("--skip-http", action="store_true", help="leave out POST /tickets")
    parser.add_argument("--skip-desk", action="store_true", help="leave out open + resolve and its ceiling")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration, args.http_duration, args.rounds = 0.5, 2.0, 3.0, 1
    args.writers = [int(w) for w in args.writers.split(",")]
    return args


def _meter(stack: Stack) -> CpuMeter:
    clocks = {"bench": process_clock(os.getpid())}
    if stack.postgres_pid:
        clocks["postgres"] = tree_clock(stack.postgres_pid)
    return CpuMeter(clocks)


async def _server_facts(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        facts = [await conn.fetchval(f"SHOW {name}") for name in ("server_version", "fsync", "synchronous_commit")]
    finally:
        await conn.close()
    return f"PostgreSQL {facts[0]} (fsync={facts[1]}, synchronous_commit={facts[2]})"


def _write_once(stack: Stack, kind: str, writers: int, timing: Timing) -> Result:
    if kind == "es":
        return es.measure(stack.dsn, writers, timing, _meter(stack))
    return uvloop.run(dbwrites.measure(kind, stack.dsn, writers, timing, _meter(stack)))


def _write_benchmarks(stack: Stack, args: argparse.Namespace) -> dict[tuple[str, int], Result]:
    """Every cell once per round, rounds interleaved so that a noisy neighbour hurts all kinds alike; best kept."""
    timing, best = Timing(args.warmup, args.duration), {}
    kinds = [*dbwrites.KINDS, *([] if args.skip_es else ["es"])]
    for _ in range(args.rounds):
        for writers in args.writers:
            for kind in kinds:
                result = _write_once(stack, kind, writers, timing)
                if (kind, writers) not in best or result.rate > best[kind, writers].rate:
                    best[kind, writers] = result
    return best


def _desk(stack: Stack, args: argparse.Namespace) -> None:
    print(f"\nOpen + resolve over REST (staff opens, technician resolves) vs the bare-FastAPI ceiling:\n"
          f"{args.connections} keep-alive connections, {args.warmup:g} s warm-up + {args.http_duration:g} s each;"
          f" paced (best p99 of {args.rounds}): fixed send slots per connection, latency from the slot",
          flush=True)  # fmt: skip
    timing = Timing(args.warmup, args.http_duration)
    desk = uvloop.run(desk_http.measure(stack, args.connections, timing, args.rounds))
    for line in report.desk_table(desk):
        print(line)


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    configure_logging("bench", "warning", as_json=False)  # the migration runner's info lines would break the table
    started = time.monotonic()
    stack = open_stack(need_broker=not (args.skip_http and args.skip_desk))
    try:
        facts = uvloop.run(_server_facts(stack.dsn))
        print(f"{facts}, {os.cpu_count()} CPUs shared by Postgres, the bench and (HTTP) the service", flush=True)
        print(f"Single-event write transactions, best of {args.rounds} rounds of {args.warmup:g} s warm-up"
              f" + {args.duration:g} s per cell.\nus-py / us-pg = CPU microseconds per op in this Python process /"
              " in Postgres; othr = cores busy with anything else on the machine.\n", flush=True)  # fmt: skip
        results = _write_benchmarks(stack, args)
        for line in report.write_table(results, args.writers, version("eventsourcing")):
            print(line)
        print(f"store.append Python work before the database (wrap + columns): "
              f"{dbwrites.envelope_cpu_micros():.0f} µs per call\n", flush=True)  # fmt: skip
        if not args.skip_http:
            print(f"POST /tickets over HTTP: {args.connections} keep-alive connections, {args.warmup:g} s warm-up"
                  f" + {args.http_duration:g} s; load generator and service share the CPUs", flush=True)  # fmt: skip
            http = uvloop.run(tickets_http.measure(stack, args.connections, Timing(args.warmup, args.http_duration)))
            for line in report.http_table(http):
                print(line)
        if not args.skip_desk:
            _desk(stack, args)
    finally:
        stack.close()
    print(f"\n(bench took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
