"""`python -m bench`: the command line, and the printed tables of store appends, eventsourcing and REST runs."""

import argparse
import os
import time
from importlib.metadata import version

import asyncpg
import uvloop

from bench import inventory, projector, rest, writes
from bench.loadgen import OPEN, RESOLVE, FlowResult
from bench.measure import CpuMeter, Result, Timing, process_clock, tree_clock
from bench.rest import DeskResult, HttpResult
from bench.stack import Stack, open_stack
from events.logging import configure_logging

DESCRIPTION = (
    "Store appends vs a plain INSERT vs eventsourcing, POST /tickets, open + resolve over HTTP, and the"
    " inventory: CSV import, as_of searches and MBN counts; the metrics projector: rebuild, live lag, KPI reads."
)


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="1 round, 0.5 s warm-up, 2 s, HTTP 3 s, 10,000 devices")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each window")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per write-benchmark window")
    parser.add_argument("--rounds", type=int, default=2, help="write benchmarks are repeated, interleaved; best kept")
    parser.add_argument("--http-duration", type=float, default=10.0, help="seconds of each HTTP window")
    parser.add_argument("--writers", default="1,32", help="comma-separated concurrent writer counts")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections for POST /tickets")
    parser.add_argument("--skip-es", action="store_true", help="leave out the eventsourcing comparison")
    parser.add_argument("--skip-http", action="store_true", help="leave out POST /tickets")
    parser.add_argument("--skip-desk", action="store_true", help="leave out open + resolve and its ceiling")
    parser.add_argument("--skip-inventory", action="store_true", help="leave out the inventory (import, as_of)")
    parser.add_argument("--devices", type=int, help="devices in the inventory (default 100000; --quick 10000)")
    parser.add_argument("--skip-writes", action="store_true", help="leave out the single-event write transactions")
    parser.add_argument("--skip-projector", action="store_true", help="leave out the metrics projector")
    parser.add_argument("--events", type=int, help="events in the projector's store (default 1000000; --quick 100000)")
    parser.add_argument("--lag-rate", type=float, default=2000.0, help="events/s fed to the live projector")
    parser.add_argument("--lag-seconds", type=float, help="seconds the live projector is fed (default 30; --quick 10)")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration, args.http_duration, args.rounds = 0.5, 2.0, 3.0, 1
    args.devices = args.devices or (10_000 if args.quick else 100_000)
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    args.lag_seconds = args.lag_seconds if args.lag_seconds is not None else (10.0 if args.quick else 30.0)
    if args.devices < inventory.IMPORT_ROWS:
        parser.error(f"--devices: at least {inventory.IMPORT_ROWS} (the imported file is the first of them)")
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
        from bench import eventsourcing_compare  # the bench extra, installed by `make bench`

        return eventsourcing_compare.measure_es(stack.dsn, writers, timing, _meter(stack))
    return uvloop.run(writes.measure_async(kind, stack.dsn, writers, timing, _meter(stack)))


def _write_benchmarks(stack: Stack, args: argparse.Namespace) -> dict[tuple[str, int], Result]:
    """Every cell once per round, rounds interleaved so that a noisy neighbour hurts all kinds alike; best kept."""
    timing, best = Timing(args.warmup, args.duration), {}
    kinds = [kind for kind in writes.KINDS if not (args.skip_es and kind == "es")]
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
    desk = uvloop.run(rest.measure_desk(stack, args.connections, timing, args.rounds))
    for line in desk_table(desk):
        print(line)


def _inventory(stack: Stack, args: argparse.Namespace) -> None:
    print(f"\nInventory (issue 8): {args.devices} devices of 10 events each (registered by the CSV importer, then"
          f" 9 commands a device), {inventory.REQUESTS} of each GET over HTTP", flush=True)  # fmt: skip
    for line in inventory.table(uvloop.run(inventory.measure(stack, args.devices))):
        print(line)


def _projector(stack: Stack, args: argparse.Namespace) -> None:
    print(f"\nMetrics projector (issue 11): {args.events} events of mixed types in the topics, rebuilt; the live"
          f" projector fed {args.lag_rate:g}/s for {args.lag_seconds:g} s; {projector.REQUESTS} of each GET over HTTP"
          " on the rebuilt projection", flush=True)  # fmt: skip
    result = uvloop.run(projector.measure(stack, args.events, args.lag_rate, args.lag_seconds, projector.REQUESTS))
    for line in projector.table(result):
        print(line)


def _writes(stack: Stack, args: argparse.Namespace) -> None:
    print(f"Single-event write transactions, best of {args.rounds} rounds of {args.warmup:g} s warm-up"
          f" + {args.duration:g} s per cell.\nus-py / us-pg = CPU microseconds per op in this Python process /"
          " in Postgres; othr = cores busy with anything else on the machine.\n", flush=True)  # fmt: skip
    results = _write_benchmarks(stack, args)
    for line in write_table(results, args.writers, version("eventsourcing")):
        print(line)
    print(f"store.append Python work before the database (database stubbed out): "
          f"{uvloop.run(writes.append_python_micros()):.0f} µs per call\n", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    configure_logging("bench", "warning", as_json=False)  # the migration runner's info lines would break the table
    started = time.monotonic()
    stack = open_stack(need_broker=not (args.skip_http and args.skip_desk and args.skip_projector))
    try:
        facts = uvloop.run(_server_facts(stack.dsn))
        print(f"{facts}, {os.cpu_count()} CPUs shared by Postgres, the bench and (HTTP) the service", flush=True)
        if not args.skip_writes:
            _writes(stack, args)
        if not args.skip_http:
            print(f"POST /tickets over HTTP: {args.connections} keep-alive connections, {args.warmup:g} s warm-up"
                  f" + {args.http_duration:g} s; load generator and service share the CPUs", flush=True)  # fmt: skip
            http = uvloop.run(rest.measure_tickets(stack, args.connections, Timing(args.warmup, args.http_duration)))
            for line in http_table(http):
                print(line)
        if not args.skip_desk:
            _desk(stack, args)
        if not args.skip_inventory:
            _inventory(stack, args)
        if not args.skip_projector:
            _projector(stack, args)
    finally:
        stack.close()
    print(f"\n(bench took {time.monotonic() - started:.0f} s)")


# The printed tables: throughput with the CPU each side used, the target ratios, and the HTTP runs.

LABELS = {
    "store": "events.store.append",
    "plain": "plain INSERT (the ceiling)",
    "es": "eventsourcing {version} (threads)",
}
_LABEL_WIDTH = 34


def _micros_per_op(result: Result, name: str) -> float:
    return result.cores.get(name, float("nan")) / result.rate * 1e6


def _cell(result: Result | None) -> str:
    if result is None:
        return f"{'-':>7}" + " " * 16
    client, server = _micros_per_op(result, "bench"), _micros_per_op(result, "postgres")
    return f"{result.rate:>7.0f} {client:>5.0f} {server:>5.0f} {result.cores['others']:>4.2f}"


def write_table(results: dict[tuple[str, int], Result], writers: list[int], es_version: str) -> list[str]:
    head = "".join(f"  {f' {w} writer' + ('s ' if w > 1 else ' '):-^23}" for w in writers)
    sub = "".join(f"  {'ops/s':>7} {'us-py':>5} {'us-pg':>5} {'othr':>4}" for _ in writers)
    lines = [f"{'':<{_LABEL_WIDTH}}{head}", f"{'':<{_LABEL_WIDTH}}{sub}"]
    for kind, label in LABELS.items():
        if any((kind, w) in results for w in writers):
            cells = "".join(f"  {_cell(results.get((kind, w)))}" for w in writers)
            lines.append(f"{label.format(version=es_version):<{_LABEL_WIDTH}}{cells}")
    lines += _ratio_lines(results, writers)
    return lines


def _ratio(results: dict, top: str, bottom: str, w: int) -> float | None:
    a, b = results.get((top, w)), results.get((bottom, w))
    return a.rate / b.rate if a and b else None


def _ratio_lines(results: dict, writers: list[int]) -> list[str]:
    lines = []
    targets = (("store / plain INSERT", "plain", 0.8, ""), ("store / eventsourcing", "es", 5, "x"))
    for label, bottom, target, unit in targets:
        cells = []
        for w in writers:
            ratio = _ratio(results, "store", bottom, w)
            verdict = "" if ratio is None else ("met" if ratio >= target else "MISSED")
            cells.append(f"{'-' if ratio is None else f'{ratio:.2f}{unit}':>7} {verdict:<15}")
        lines.append(f"{label + f' (target >= {target}{unit})':<{_LABEL_WIDTH}}" + "".join(f"  {c}" for c in cells))
    return lines


def http_table(http: HttpResult) -> list[str]:
    r = http.result
    cores = "  ".join(f"{name} {value:.2f}" for name, value in r.cores.items())
    server_ms = r.cores.get("server", float("nan")) / r.rate * 1e3
    p50, p99 = r.percentile(50) * 1e3, r.percentile(99) * 1e3
    lines = [
        f"{'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-201':>8} {'server CPU ms/req':>18}",
        f"{r.rate:>10.0f} {p50:>8.1f} {p99:>8.1f} {r.errors:>8} {server_ms:>18.2f}",
        f"CPU cores busy: {cores}",
        f"store after the run: {http.stored} events, {http.unpublished} not yet relayed when the load stopped",
    ]
    if http.statuses:
        lines.append(f"unexpected statuses: {sorted(http.statuses)}")
    return lines


_DESK_LABEL = 40
_OPEN_RESOLVE_TARGET, _HALF_RATE_P99_TARGET_MS = 0.5, 50.0


def desk_table(desk: DeskResult) -> list[str]:
    head = f"{'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'server CPU ms/req':>18}"
    lines = [f"{'':<{_DESK_LABEL}}{head}", _desk_row("ceiling: bare FastAPI + one INSERT", desk.ceiling)]
    lines += _flow_rows("open + resolve, flat out", desk.peak)
    lines += _flow_rows(f"open + resolve, paced to {desk.half.offered or 0:.0f}/s (half)", desk.half)
    lines += _desk_verdicts(desk)
    for label, flow in (("flat out", desk.peak), ("paced", desk.half)):
        lines.append(f"CPU cores busy, {label}: " + "  ".join(f"{n} {v:.2f}" for n, v in flow.result.cores.items()))
    statuses = desk.ceiling_statuses | desk.peak.statuses | desk.half.statuses
    if statuses:
        lines.append(f"unexpected statuses: {sorted(statuses)}")
    return lines


def _desk_row(label: str, r: Result, server: bool = True) -> str:
    server_ms = r.cores.get("server", float("nan")) / r.rate * 1e3 if server and r.ops else float("nan")
    p50, p99 = r.percentile(50) * 1e3, r.percentile(99) * 1e3
    cpu = f"{server_ms:>18.2f}" if server else ""  # the server's CPU cannot be split between the two requests
    return f"{label:<{_DESK_LABEL}}{r.rate:>10.0f} {p50:>8.1f} {p99:>8.1f} {r.errors:>8} {cpu}".rstrip()


def _flow_rows(label: str, flow: FlowResult) -> list[str]:
    rows = [_desk_row(label, flow.result)]
    for kind, name in ((OPEN, "POST /tickets"), (RESOLVE, "POST /tickets/{id}/resolve")):
        k = flow.kinds[kind]
        part = Result(len(k.latencies), flow.result.seconds, {}, k.errors, k.latencies)
        rows.append(_desk_row(f"  {name}", part, server=False))
    return rows


def _desk_verdicts(desk: DeskResult) -> list[str]:
    ratio = desk.peak.result.rate / desk.ceiling.rate
    p99 = desk.half.result.percentile(99) * 1e3
    ratio_ok, p99_ok = ratio >= _OPEN_RESOLVE_TARGET, p99 < _HALF_RATE_P99_TARGET_MS
    return [
        f"{f'open+resolve / ceiling (target >= {_OPEN_RESOLVE_TARGET:.0%})':<{_DESK_LABEL}}"
        f"{ratio:>10.0%} {'met' if ratio_ok else 'MISSED'}",
        f"{f'p99 at half the peak (target < {_HALF_RATE_P99_TARGET_MS:g} ms)':<{_DESK_LABEL}}"
        f"{p99:>10.1f} {'met' if p99_ok else 'MISSED'}",
    ]


if __name__ == "__main__":
    main()
