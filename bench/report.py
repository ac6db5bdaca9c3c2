"""The printed tables: throughput with the CPU each side used, the target ratios, and the HTTP runs."""

from bench.desk_http import DeskResult
from bench.flowgen import OPEN, RESOLVE, FlowResult
from bench.measure import Result
from bench.tickets_http import HttpResult

LABELS = {
    "store": "events.store.append",
    "store_sql": "  same INSERT, columns pre-built",
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
