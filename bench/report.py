"""The printed table: throughput with the CPU each side used, the target ratios, and the HTTP run."""

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
