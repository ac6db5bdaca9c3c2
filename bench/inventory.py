"""The inventory of issue 8: CSV import, N devices of ~10 events each, `as_of` searches and MBN counts over HTTP."""

import asyncio
import csv
import io
import itertools
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID, uuid4

import asyncpg
import orjson

from assets import import_devices, service
from assets.domain import commands as cmd
from assets.domain.device import DEVICE
from assets.settings import Settings
from bench.loadgen import build_request, parse_response
from bench.stack import HOST, Stack, drop_schema, uvicorn_server
from bench.writes import ACTOR, TENANT
from devstack import free_port
from events import streams
from events.db import create_pool
from events.envelope import Context
from events.tokens import mint, new_signing_key

SCHEMA = "bench_assets"
IMPORT_ROWS = 10_000  # the file, and the size of each file that registers the rest of the inventory
WRITERS = 8
REQUESTS = 200  # per kind of request, interleaved
HANDLED = 1_000  # devices whose commands go through handle_device: its rate, beside the faster path's
TARGET_P95_MS, TARGET_IMPORT_S = 50.0, 10.0
_FIRST, _LAST = datetime(2015, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC)
_KINDS = [
    ("laptop", "Latitude 5440"),
    ("desktop", "OptiPlex 7010"),
    ("smartphone", "iPhone 13"),
    ("tablet", "iPad 10"),
    ("thin_client", "Wyse 5070"),
    ("monitor", "P2422H"),
    ("printer", "M507"),
]
_STORAGE = {"laptop", "desktop", "smartphone", "tablet"}
LOCATIONS = [f"Site {n:02d}" for n in range(60)]
_CLASSES = ["laptops_tablets", "desktops_thin_clients", "smartphones"]


def tag(n: int) -> str:
    return f"BN-{n:06d}"


# (a) The import: a file of new devices, registered between 2015 and 2022, through python -m assets.import_devices.


def csv_file(first: int, count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["asset_tag", "kind", "holds_storage", "serial", "manufacturer", "model", "purchased_on", "cost",
                     "location", "department", "registered_at"])  # fmt: skip
    for n in range(first, first + count):
        kind, model = _KINDS[n % len(_KINDS)]
        registered = (_FIRST + timedelta(days=n * 7919 % 2920)).date()  # spread over 2015-2022
        writer.writerow([tag(n), kind, str(kind in _STORAGE).lower(), f"SN{n:08d}", "Dell", model, registered,
                         "1249.99", LOCATIONS[n % len(LOCATIONS)], f"Dept {n % 12}", registered])  # fmt: skip
    return out.getvalue().encode()


async def import_file(dsn: str, raw: bytes) -> tuple[float, dict[str, int]]:
    """The command line's own `run` (parse, migrated pool, plan, one transaction), timed end to end."""
    settings = Settings(database_url=dsn, db_schema=SCHEMA, db_pool_size=2)
    started = time.perf_counter()
    report = await import_devices.run(raw, TENANT, ACTOR, settings, show_progress=False)
    return time.perf_counter() - started, report.counts()


@dataclass
class ImportResult:
    new: tuple[float, dict[str, int]]
    again: tuple[float, dict[str, int]]


async def measure_import(dsn: str) -> ImportResult:
    raw = csv_file(0, IMPORT_ROWS)
    return ImportResult(await import_file(dsn, raw), await import_file(dsn, raw))


# (b) The rest registered by the importer, then 9 commands a device: the first HANDLED through handle_device, the
# rest by the faster public path that writes the same rows (through handle_device, 100,000 devices take ~6 min).


def lifecycle(n: int, registered: datetime, rng: random.Random) -> list[cmd.Command]:
    """Nine commands after the registration, each at a backdated instant between it and the end of 2025."""
    span = (_LAST - registered).total_seconds()
    at = sorted(registered + timedelta(seconds=rng.uniform(60, span)) for _ in range(9))
    person, place = f"person-{n % 5000}", lambda k: LOCATIONS[(n + k * 7) % len(LOCATIONS)]
    commands = [
        cmd.InstallDevice(place(1), "bench-technician", at[0], person), cmd.SendForRepair("screen", at[1]),
        cmd.ReturnFromRepair(at[2]), cmd.ReturnDevice(at[3], place(2)), cmd.MoveDevice(place(3), at[4]),
        cmd.AssignDevice(f"person-{(n + 1) % 5000}", at[5]), cmd.MoveDevice(place(4), at[6]), cmd.ReturnDevice(at[7]),
    ]  # fmt: skip
    return [*commands, _last_command(n, at[8])]


def _last_command(n: int, at: datetime) -> cmd.Command:
    """Some devices end lost or stolen, retired or in repair, the rest deployed: counts change over the years."""
    if n % 10 == 0:
        return cmd.ReportMissing(stolen=n % 20 == 0, at=at)
    if n % 10 in (1, 2):
        return cmd.RetireDevice("end of life", at)
    if n % 10 == 3:
        return cmd.SendForRepair("battery", at)
    return cmd.AssignDevice(f"person-{(n + 2) % 5000}", at)


async def _device_ids(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT device_id, asset_tag, registered_at FROM device_list WHERE tenant = $1"
                            " ORDER BY asset_tag", TENANT)  # fmt: skip


def _context() -> Context:
    return Context(tenant=TENANT, actor=ACTOR, correlation_id=uuid4().hex)  # recorded now, as each request is


async def through_handle_device(conn: asyncpg.Connection, device_id: UUID, commands: list[cmd.Command]) -> None:
    """As the routes run them: each command its own transaction that reads the stream, decides, appends, writes."""
    for command in commands:
        await service.handle_device(conn, device_id, command, _context())


async def stream_carried(conn: asyncpg.Connection, device_id: UUID, commands: list[cmd.Command]) -> None:
    """As the importer applies a row's commands: the same statements and rows but the read, which is done once,
    the stream carried from one command to the next; one transaction a device."""
    async with conn.transaction():
        stream = await service.read_device(conn, device_id, TENANT)
        for command in commands:
            stream = await streams.handle(conn, DEVICE, str(device_id), command, _context(), loaded=stream,
                                          inline=service.write_device)  # fmt: skip


Apply = Callable[[asyncpg.Connection, UUID, list[cmd.Command]], Awaitable[None]]


async def apply_all(pool: asyncpg.Pool, devices: list[asyncpg.Record], apply: Apply) -> tuple[float, datetime]:
    """`WRITERS` tasks taking devices in turn; the seconds it took, and the instant half the devices were done."""
    queue, done, midway = iter(devices), itertools.count(1), []
    started = time.perf_counter()

    async def writer() -> None:
        for row in queue:
            commands = lifecycle(int(row["asset_tag"][3:]), row["registered_at"], random.Random(row["asset_tag"]))
            async with pool.acquire() as conn:
                await apply(conn, row["device_id"], commands)
            if next(done) == len(devices) // 2:
                midway.append(datetime.now(UTC))

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return time.perf_counter() - started, midway[0]


@dataclass
class BuildResult:
    devices: int
    events: int
    register_s: float
    handled: tuple[int, float]  # devices through handle_device, seconds
    carried: tuple[int, float]  # the rest, the stream carried
    midway: datetime  # a record-time instant halfway through: what `known_at` asks about
    rows: dict[str, int] = field(default_factory=dict)


async def build(dsn: str, devices: int) -> BuildResult:
    """Register the rest by the importer; then 9 commands a device: the first HANDLED devices through handle_device,
    the others with the stream carried (the faster public path writing the same rows); then VACUUM ANALYZE."""
    started = time.perf_counter()
    for first in range(IMPORT_ROWS, devices, IMPORT_ROWS):
        await import_file(dsn, csv_file(first, min(IMPORT_ROWS, devices - first)))
    registered = time.perf_counter() - started
    pool = await create_pool(dsn, SCHEMA, min_size=WRITERS, max_size=WRITERS)  # the services' own: JSON codecs
    try:
        async with pool.acquire() as conn:
            ids = await _device_ids(conn)
        handled, _ = await apply_all(pool, ids[:HANDLED], through_handle_device)
        carried, midway = await apply_all(pool, ids[HANDLED:], stream_carried)
        async with pool.acquire() as conn:  # what autovacuum would soon do: fresh statistics, a visibility map
            await conn.execute("VACUUM ANALYZE events, device_list, device_timeline")
            rows = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("events", "device_timeline")}
    finally:
        await pool.close()
    return BuildResult(len(ids), len(ids) * 10, registered, (min(HANDLED, len(ids)), handled),
                       (max(0, len(ids) - HANDLED), carried), midway, rows)  # fmt: skip


# (c) GET /devices?as_of=... and GET /inventory/mbn-counts over HTTP: one request in flight, kinds interleaved.

Path = Callable[[random.Random], str]


def _as_of(rng: random.Random) -> str:
    return f"{rng.randint(2016, 2025)}-12-31"


def paths(devices: int, midway: datetime) -> dict[str, Path]:
    known = midway.isoformat().replace("+00:00", "Z")

    def get(route: str, **query: object) -> str:
        return f"{route}?{urlencode(query)}"

    return {
        "devices as_of, mbn_class": lambda r: get("/devices", as_of=_as_of(r), mbn_class=r.choice(_CLASSES)),
        "devices as_of, location": lambda r: get("/devices", as_of=_as_of(r), location=r.choice(LOCATIONS)),
        "devices as_of, tag": lambda r: get("/devices", as_of=_as_of(r), tag=tag(r.randrange(devices))),
        "devices as_of, mbn_class, known_at": lambda r: get("/devices", as_of=_as_of(r), known_at=known,
                                                            mbn_class=r.choice(_CLASSES)),
        "devices as_of, state, page 20 of 100": lambda r: get("/devices", as_of=_as_of(r), state="deployed",
                                                              limit=100, offset=1900),
        "mbn-counts as_of": lambda r: get("/inventory/mbn-counts", as_of=_as_of(r)),
        "mbn-counts as_of, known_at": lambda r: get("/inventory/mbn-counts", as_of=_as_of(r), known_at=known),
    }  # fmt: skip


class Client:
    """One keep-alive connection, one request at a time."""

    def __init__(self, port: int, token: str):
        self.host, self.port, self.headers = f"{HOST}:{port}", port, {"Authorization": f"Bearer {token}"}

    async def __aenter__(self) -> "Client":
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.writer.close()

    async def get(self, path: str) -> tuple[int, bytes]:
        self.writer.write(build_request("GET", path, self.host, self.headers, b""))
        buffer = bytearray()
        while (parsed := parse_response(buffer)) is None:
            if not (chunk := await self.reader.read(1 << 16)):
                raise ConnectionError("the server closed the connection")
            buffer += chunk
        status, start, used = parsed
        return status, bytes(buffer[start:used])


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    failures: set[int] = field(default_factory=set)
    total: int = 0  # the last answer's `total`: that the searches find something

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1e3 if ordered else float("nan")


async def measure_queries(stack: Stack, built: BuildResult, requests: int = REQUESTS) -> dict[str, Latencies]:
    """The assets app as deployed (uvicorn, relay off: no broker), a manager's token; 10 warm-up rounds uncounted."""
    private_pem, public_pem = new_signing_key()
    port, kinds = free_port(), paths(built.devices, built.midway)
    env = {**os.environ, "DATABASE_URL": stack.dsn, "DB_SCHEMA": SCHEMA, "AUTH_KEY": public_pem,
           "RELAY_ENABLED": "false", "LOG_LEVEL": "warning"}  # fmt: skip
    token = mint(private_pem, subject=ACTOR, tenant=TENANT, roles=["manager"])
    found = {label: Latencies() for label in kinds}
    rng = random.Random(8)
    with uvicorn_server("assets.main:create_app", env, port):
        async with Client(port, token) as client:
            for round_ in range(requests + 10):
                for label, path in kinds.items():
                    started = time.perf_counter()
                    status, body = await client.get(path(rng))
                    elapsed = time.perf_counter() - started
                    if status != 200:
                        found[label].failures.add(status)
                    elif round_ >= 10:
                        found[label].seconds.append(elapsed)
                        found[label].total = orjson.loads(body)["total"]
    return found


@dataclass
class InventoryResult:
    imported: ImportResult
    built: BuildResult
    queries: dict[str, Latencies]


async def measure(stack: Stack, devices: int) -> InventoryResult:
    await drop_schema(stack.dsn, SCHEMA)
    try:
        imported = await measure_import(stack.dsn)
        built = await build(stack.dsn, devices)
        return InventoryResult(imported, built, await measure_queries(stack, built))
    finally:
        await drop_schema(stack.dsn, SCHEMA)


# The printed table.

_LABEL = 40


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(result: InventoryResult) -> list[str]:
    new, again, b = result.imported.new, result.imported.again, result.built
    lines = [
        f"{'import, 10,000 new rows':<{_LABEL}}{new[0]:>8.1f} s  {_counts(new[1])}  (target < {TARGET_IMPORT_S:g} s:"
        f" {_verdict(new[0] < TARGET_IMPORT_S)})",
        f"{'import, the same file again':<{_LABEL}}{again[0]:>8.1f} s  {_counts(again[1])}",
        f"{'build: register the rest (importer)':<{_LABEL}}{b.register_s:>8.1f} s  {b.devices - IMPORT_ROWS} devices",
        *_build_lines(b),
        f"{'inventory':<{_LABEL}}{b.devices:>8} devices, {b.events} events; rows: "
        + ", ".join(f"{name} {count}" for name, count in b.rows.items()),
        "",
        f"{'GET over HTTP, one request in flight':<{_LABEL}}{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f"  {f'p95 < {TARGET_P95_MS:g} ms':<14}last total",
    ]  # fmt: skip
    for label, lat in result.queries.items():
        p50, p95, p99 = (lat.percentile(p) for p in (50, 95, 99))
        failed = f"  statuses {sorted(lat.failures)}" if lat.failures else ""
        lines.append(f"{label:<{_LABEL}}{p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {_verdict(p95 < TARGET_P95_MS):<14}"
                     f"{lat.total}{failed}")  # fmt: skip
    return lines


def _build_lines(b: BuildResult) -> list[str]:
    """Each path's time and rate, and what all N devices' commands would take through handle_device."""
    lines = []
    for (devices, seconds), how in ((b.handled, "handle_device"), (b.carried, "stream carried")):
        if devices:
            rate = devices * 9 / seconds
            lines.append(f"{f'build: 9 commands x {devices}, {how}':<{_LABEL}}{seconds:>8.1f} s  {rate:.0f} commands/s"
                         f" ({WRITERS} writers)")  # fmt: skip
    handled, seconds = b.handled
    lines.append(f"{'  all through handle_device, extrapolated':<{_LABEL}}{b.devices * seconds / handled:>8.0f} s")
    return lines


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{what} {n}" for what, n in counts.items() if n)
