"""The metrics projector of issue 11: N events of mixed types in the topics, the rebuild's rate, the live projector's
lag at a paced rate, and KPI, MBN and audit reads over the rebuilt projection, over HTTP."""

import asyncio
import heapq
import itertools
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import REGISTRY

from bench.inventory import Client, Latencies
from bench.measure import CpuMeter, children_of, cpu_seconds, process_clock
from bench.stack import HOST, Stack, drop_schema, uvicorn_server
from devstack import free_port
from events import heap, kafka
from events.base import Event
from events.contracts import assets as dev
from events.contracts import tickets as tk
from events.contracts import training as tr
from events.contracts import work_orders as wo
from events.envelope import Context, wrap
from events.tokens import mint, new_signing_key
from metrics.rebuild import rebuild
from metrics.settings import Settings
from tickets.domain.policy import DEFAULT_CALENDAR, DEFAULT_TARGETS, priority_of

SCHEMA = "bench_metrics"
TENANTS, TENANT_WEIGHTS = ("bench", "bench-county", "bench-shared-services"), (7, 2, 1)  # reads ask for the first
YEARS = range(2019, 2025)
TARGET_RATE, TARGET_LAG_S, TARGET_P95_MS = 20_000, 1.0, 20.0
REQUESTS = 200  # per kind of read, interleaved
_START, _SPAN = datetime(2019, 1, 1, 8, tzinfo=UTC), timedelta(days=6 * 365)
_CATEGORIES = ("hardware", "software", "network", "access", "printing", "email")
_GROUPS = ("desk", "field", "network", "applications")
_DEVICES = (
    (dev.DeviceKind.LAPTOP, dev.MbnClass.LAPTOPS_TABLETS), (dev.DeviceKind.DESKTOP, dev.MbnClass.DESKTOPS_THIN_CLIENTS),
    (dev.DeviceKind.SMARTPHONE, dev.MbnClass.SMARTPHONES), (dev.DeviceKind.TABLET, dev.MbnClass.LAPTOPS_TABLETS),
    (dev.DeviceKind.PRINTER, dev.MbnClass.NOT_COUNTED),
)  # fmt: skip

# (1) The store: stories of one stream each (a ticket, a work order with its repair, a device, a training session,
# an orientation) started one after another over six years and interleaved in business-time order, as they would
# sit in the topics, built with the real event classes and envelopes; one desk policy per tenant first.

Story = tuple[str, str, list[Event]]  # service (its topic), stream id, the stream's events in order


def _after(rng: random.Random, at: datetime, count: int, days: float) -> list[datetime]:
    return sorted(at + timedelta(minutes=rng.uniform(1, days * 1440)) for _ in range(count))


def _ticket(rng: random.Random, at: datetime, tech: str) -> Story:
    tid, impact, urgency, t = uuid4(), rng.choice(list(tk.Level)), rng.choice(list(tk.Level)), _after(rng, at, 5, 12)
    events: list[Event] = [
        tk.TicketOpened(at=at, ticket_id=tid, requester_id=f"staff-{rng.randrange(5000)}", subject="Cannot print",
                        description="The printer on floor 3 shows a paper jam.", category=rng.choice(_CATEGORIES),
                        impact=impact, urgency=urgency, priority=priority_of(impact, urgency),
                        channel=rng.choice(list(tk.Channel))),
        tk.TicketAcknowledged(at=t[0], technician_id=tech),
        tk.TicketAssigned(at=t[1], assignee_id=tech, group=rng.choice(_GROUPS)),
    ]  # fmt: skip
    if rng.random() < 0.3:
        events.append(tk.CommentAdded(at=t[2], comment_id=uuid4(), author_id=tech, body="Cleared; watching it.",
                                      visibility=tk.Visibility.PUBLIC, by_agent=True))  # fmt: skip
    events.append(tk.TicketResolved(at=t[3], resolution_code=rng.choice(list(tk.ResolutionCode)), note="Done.",
                                    technician_id=tech))  # fmt: skip
    return "tickets", str(tid), [*events, tk.TicketClosed(at=t[4], closure=rng.choice(list(tk.Closure)))]


def _work_order(rng: random.Random, at: datetime, tech: str, device: UUID) -> Story:
    oid, t = uuid4(), _after(rng, at, 5, 20)
    return "tickets", str(oid), [
        wo.WorkOrderCreated(at=at, work_order_id=oid, title="Replace the fuser", description="Jams every morning.",
                            kind=wo.WorkOrderKind.CORRECTIVE, device_id=device),
        wo.WorkOrderScheduled(at=t[0], work_order_id=oid, technician_id=tech, scheduled_for=t[1]),
        wo.WorkOrderStarted(at=t[1], work_order_id=oid, technician_id=tech),
        wo.WorkTimeLogged(at=t[2], work_order_id=oid, technician_id=tech, minutes=rng.randint(15, 240)),
        wo.RepairLogged(at=t[3], repair_id=uuid4(), device_id=device, ticket_id=None, work_order_id=oid,
                        technician_id=tech, fault="fuser", action="replaced", minutes=rng.randint(15, 240)),
        wo.WorkOrderCompleted(at=t[4], work_order_id=oid, summary="Fuser replaced."),
    ]  # fmt: skip


def _device(rng: random.Random, at: datetime, tech: str, device: UUID) -> Story:
    (kind, mbn), t, n = rng.choice(_DEVICES), _after(rng, at, 4, 60), rng.randrange(10**6)
    events: list[Event] = [
        dev.DeviceRegistered(at=at, device_id=device, asset_tag=f"BP-{n:06d}", serial=f"SN{n:08d}",
                             manufacturer="Dell", model="Latitude 5440", kind=kind, holds_storage=True, mbn_class=mbn,
                             purchase=dev.Purchase(purchased_on=at.date(), cost=Decimal("1249.99")),
                             warranty_ends_on=at.date() + timedelta(days=3 * 365), location=f"Site {n % 60:02d}"),
        dev.DeviceInstalled(at=t[0], device_id=device, location=f"Site {n % 60:02d}", technician_id=tech,
                            person_id=f"staff-{n % 5000}"),
        dev.DeviceAssigned(at=t[1], device_id=device, person_id=f"staff-{(n + 1) % 5000}"),
        dev.DeviceMoved(at=t[2], device_id=device, location=f"Site {(n + 7) % 60:02d}"),
    ]  # fmt: skip
    if rng.random() < 0.3:
        events.append(dev.DeviceRetired(at=t[3], device_id=device, reason="end of life"))
    return "assets", str(device), events


def _session(rng: random.Random, at: datetime, tech: str) -> Story:
    session, course = uuid4(), uuid4()
    return "training", str(session), [
        tr.TrainingDelivered(at=at, delivery_id=uuid4(), person_id=f"staff-{rng.randrange(5000)}",
                             hours=Decimal("3.5"), kind="session", topic="Phishing awareness", course_id=course,
                             session_id=session, trainer_id=tech) for _ in range(8)]  # fmt: skip


def _orientation(rng: random.Random, at: datetime, tech: str) -> Story:
    oid, delivery, person, t = uuid4(), uuid4(), f"staff-{rng.randrange(5000)}", _after(rng, at, 1, 15)[0]
    due = (at + timedelta(days=10)).date()
    return "training", str(oid), [
        tr.OrientationOwed(at=at, orientation_id=oid, person_id=person, due_on=due),
        tr.OrientationCompleted(at=t, orientation_id=oid, person_id=person, due_on=due, within_due=t.date() <= due,
                                hours=Decimal("1.5"), delivery_id=delivery, trainer_id=tech),
        tr.TrainingDelivered(at=t, delivery_id=delivery, person_id=person, hours=Decimal("1.5"), kind="orientation",
                             topic="Orientation", orientation_id=oid, trainer_id=tech),
    ]  # fmt: skip


_KINDS, _KIND_WEIGHTS = ("ticket", "work_order", "device", "session", "orientation"), (55, 12, 15, 3, 15)
_EVENTS_PER_STORY = 5.5  # the mix's mean: about 60% ticket events, 13% work orders, 14% devices, 13% training


def _story(rng: random.Random, at: datetime, tech: str, devices: list[UUID]) -> Story:
    kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
    if kind == "device":
        devices.append(uuid4())
        return _device(rng, at, tech, devices[-1])
    if kind == "work_order":
        return _work_order(rng, at, tech, rng.choice(devices) if devices else uuid4())
    return {"ticket": _ticket, "session": _session, "orientation": _orientation}[kind](rng, at, tech)


@dataclass
class Record:
    service: str
    key: bytes
    value: bytes
    event_id: UUID
    tenant: str
    event_type: str


def _record(service: str, stream: str, version: int, event: Event, tenant: str, actor: str) -> Record:
    ctx = Context(tenant=tenant, actor=actor, correlation_id=stream, recorded_at=event.at)
    envelope = wrap(event, stream_id=stream, stream_version=version, ctx=ctx)
    return Record(service, stream.encode(), orjson.dumps(envelope.document()), envelope.id, tenant, event.event_type)


def desk_policies(at: datetime) -> list[Record]:
    changed = tk.DeskPolicyChanged(calendar=DEFAULT_CALENDAR, targets=DEFAULT_TARGETS, auto_close_business_days=3,
                                   reopen_window_days=7, at=at)  # fmt: skip
    return [_record("tickets", f"desk-policy:{tenant}", 1, changed, tenant, "bench-manager") for tenant in TENANTS]


def records(n: int, *, start: datetime = _START, span: timedelta = _SPAN, seed: int = 11) -> Iterator[Record]:
    """About `n` events (whole stories), in business-time order across streams: stories start one after another
    over `span`, and each story's later events wait in a heap until the clock reaches them."""
    rng, order, pending = random.Random(seed), itertools.count(), []
    devices: dict[str, list[UUID]] = {tenant: [] for tenant in TENANTS}
    step, at, planned = span.total_seconds() * _EVENTS_PER_STORY / n, start, 0
    while planned < n or pending:
        if planned < n:
            at += timedelta(seconds=rng.expovariate(1 / step))
            tenant, tech = rng.choices(TENANTS, TENANT_WEIGHTS)[0], f"tech-{rng.randrange(40)}"
            service, stream, events = _story(rng, at, tech, devices[tenant])
            for version, event in enumerate(events, 1):
                heapq.heappush(pending, (event.at, next(order), service, stream, version, event, tenant, tech))
            planned += len(events)
        while pending and (planned >= n or pending[0][0] <= at):
            _, _, service, stream, version, event, tenant, actor = heapq.heappop(pending)
            yield _record(service, stream, version, event, tenant, actor)


@dataclass
class StoreResult:
    events: int = 0
    seconds: float = 0.0
    types: Counter = field(default_factory=Counter)
    tickets: list[str] = field(default_factory=list)  # some of the read tenant's, to ask the audit history for

    def keep(self, record: Record) -> None:
        self.events += 1
        self.types[record.event_type] += 1
        if record.tenant == TENANTS[0] and record.event_type == tk.TicketOpened.event_type and len(self.tickets) < 1000:
            self.tickets.append(record.key.decode())


async def build_store(settings: Settings, events: int) -> StoreResult:
    """Straight into the topics in large batches, as fast as the broker takes them (the relay is measured apart)."""
    await kafka.ensure_topics(settings, kafka.all_topics(settings))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=50, acks=1,
                                max_batch_size=1 << 20, max_request_size=8 << 20)  # fmt: skip
    await producer.start()
    store, sent, started = StoreResult(), [], time.perf_counter()
    try:
        for record in itertools.chain(desk_policies(_START), records(events)):
            sent.append(await producer.send(settings.topic(record.service), record.value, key=record.key))
            store.keep(record)
            if len(sent) >= 20_000:
                await asyncio.gather(*sent)
                sent.clear()
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    store.seconds = time.perf_counter() - started
    return store


# (2) The rebuild: metrics.rebuild's own function, timed, with the CPU each process used, each handler's share
# (events.projection counts it) and the rows each table took per event.


@dataclass
class RebuildResult:
    applied: int
    seconds: float
    cores: dict[str, float]
    rows: int  # in audit_history afterwards
    handlers: dict[str, float]  # seconds in each projection handler
    writes: dict[str, int]  # rows inserted, updated or deleted, per table

    @property
    def rate(self) -> float:
        return self.applied / self.seconds


def _handler_seconds() -> dict[str, float]:
    found = {}
    for metric in REGISTRY.collect():
        if metric.name == "projection_handler_seconds":
            found = {s.labels["handler"]: s.value for s in metric.samples if s.name.endswith("_total")}
    return found


# The rebuilt tables are new (a shadow schema swapped in), so their counters hold the replay's writes alone.
_WRITES = """SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables
    WHERE schemaname = $1 AND n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n DESC"""


async def measure_rebuild(stack: Stack, settings: Settings) -> RebuildResult:
    heap.settle()  # the collector as `python -m metrics.rebuild` sets it
    meter, before = CpuMeter(_clocks(stack)), _handler_seconds()
    meter.start()
    started = time.perf_counter()
    applied = await rebuild(settings, show_progress=False)
    seconds = time.perf_counter() - started
    await asyncio.sleep(0.5)  # until the postmaster has reaped the rebuild's backends, and so counts their time
    cores = meter.stop(seconds)
    handlers = {name: spent - before.get(name, 0.0) for name, spent in _handler_seconds().items()}
    conn = await asyncpg.connect(stack.dsn)
    try:
        rows = await conn.fetchval(f'SELECT count(*) FROM "{settings.projection}".audit_history')
        writes = {r["relname"]: r["n"] for r in await conn.fetch(_WRITES, settings.projection)}
    finally:
        await conn.close()
    return RebuildResult(applied, seconds, cores, rows, handlers, writes)


def server_clock(pid: int) -> Callable[[], float]:
    """A server and its children, those that exited included (in the server's cutime and cstime once reaped): the
    rebuild's backends start and end between two samples, where bench.measure.tree_clock would not see them."""

    def clock() -> float:
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        reaped = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return reaped + sum(cpu_seconds(child) for child in children_of(pid))

    return clock


def _clocks(stack: Stack, **more: int) -> dict[str, Callable[[], float]]:
    clocks = {"bench": process_clock(os.getpid()), **{name: process_clock(pid) for name, pid in more.items()}}
    if stack.postgres_pid:
        clocks["postgres"] = server_clock(stack.postgres_pid)
    if stack.broker_pid:
        clocks["broker"] = process_clock(stack.broker_pid)
    return clocks


# (3) The live projector as deployed (python -m metrics.projector), fed at a steady rate by a producer configured as
# the relay's. A record's lag is the time from its send to the first look at audit_history that finds it: every
# SAMPLE_S a sampler asks for the tracked records still missing, so a lag is exact to within one sampling period.
# One record in TRACK_EVERY is tracked, so that the sampler's own queries stay a small load on the database.

SAMPLE_S, TRACK_EVERY = 0.05, 10


@dataclass
class LagResult:
    rate: float
    seconds: float
    tracked: int
    lags: list[float]
    cores: dict[str, float]

    def percentile(self, p: float) -> float:
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def _start_from_the_end(settings: Settings) -> None:
    """The live projector takes over where the rebuild stopped, its group's offsets at the topics' ends, as a
    projector that ran all along would have them (else it would first skip a million duplicates)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=settings.projector_group,
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic, p) for topic in kafka.all_topics(settings)
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]  # fmt: skip
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


class Tracker:
    """Send times of the tracked records not yet seen in audit_history, and the lags of those seen."""

    def __init__(self) -> None:
        self.waiting: dict[UUID, float] = {}
        self.lags: list[float] = []

    async def look(self, conn: asyncpg.Connection) -> None:
        ids, looked_at = list(self.waiting), time.perf_counter()  # the statement's snapshot is taken after this
        for row in await conn.fetch("SELECT event_id FROM audit_history WHERE event_id = ANY($1::uuid[])", ids):
            self.lags.append(looked_at - self.waiting.pop(row["event_id"]))

    async def follow(self, conn: asyncpg.Connection, feeding: asyncio.Task, drain_s: float = 30.0) -> None:
        while not feeding.done():
            await self.look(conn)
            await asyncio.sleep(SAMPLE_S)
        deadline = time.perf_counter() + drain_s
        while self.waiting and time.perf_counter() < deadline:
            await self.look(conn)
            await asyncio.sleep(SAMPLE_S)


async def feed(producer: AIOKafkaProducer, settings: Settings, paced: list[Record], rate: float,
               tracker: Tracker) -> None:  # fmt: skip
    """Send each record in its slot (`rate` a second), not after the previous one: a slow broker cannot slow it."""
    started, sent = time.perf_counter(), 0
    while sent < len(paced):
        due = min(len(paced), int((time.perf_counter() - started) * rate) + 1)
        for n in range(sent, due):
            if n % TRACK_EVERY == 0:
                tracker.waiting[paced[n].event_id] = time.perf_counter()
            await producer.send(settings.topic(paced[n].service), paced[n].value, key=paced[n].key)
        sent = due
        await asyncio.sleep(0.005)
    await producer.flush()


async def _until_applied(conn: asyncpg.Connection, producer: AIOKafkaProducer, settings, probe: Record) -> None:
    tracker, deadline = Tracker(), time.perf_counter() + 120
    tracker.waiting[probe.event_id] = time.perf_counter()
    await producer.send_and_wait(settings.topic(probe.service), probe.value, key=probe.key)
    while tracker.waiting:
        if time.perf_counter() > deadline:
            raise TimeoutError("the projector did not apply the probe record within 120 s")
        await tracker.look(conn)
        await asyncio.sleep(0.1)


async def measure_lag(stack: Stack, settings: Settings, rate: float, seconds: float) -> LagResult:
    """Start the projector, wait until it applies a probe record, then feed `rate` records/s for `seconds`."""
    await _start_from_the_end(settings)
    paced = list(records(int(rate * seconds) + 1, start=datetime.now(UTC), span=timedelta(seconds=seconds), seed=12))
    env = {**os.environ, "DATABASE_URL": stack.dsn, "DB_SCHEMA": SCHEMA, "WORKER_PORT": str(free_port()),
           "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers, "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
           "LOG_LEVEL": "warning"}  # fmt: skip
    projector = await asyncio.create_subprocess_exec(sys.executable, "-m", "metrics.projector", env=env)
    producer = kafka.producer(settings)  # the relay's: acks=all, linger 2 ms
    conn = await asyncpg.connect(stack.dsn, server_settings={"search_path": settings.projection})
    try:
        await producer.start()
        await _until_applied(conn, producer, settings, paced.pop(0))
        meter, tracker = CpuMeter(_clocks(stack, projector=projector.pid)), Tracker()
        meter.start()
        started = time.perf_counter()
        feeding = asyncio.create_task(feed(producer, settings, paced, rate, tracker))
        following = asyncio.create_task(tracker.follow(conn, feeding))
        await feeding
        elapsed = time.perf_counter() - started
        cores = meter.stop(elapsed)
        await following  # the last records' lags
        return LagResult(len(paced) / elapsed, elapsed, len(range(0, len(paced), TRACK_EVERY)), tracker.lags, cores)
    finally:
        await conn.close()
        await producer.stop()
        projector.terminate()
        await projector.wait()


# (4) Reads over the rebuilt projection through the metrics app as deployed, as the read tenant's manager: KPI
# series, the daily count, MBN results (the years' inputs from outside IT recorded first; device counts come from
# the projection) and one ticket's history.

_INPUTS = {"INTN001": 1_017_449, "INTN010": 14_300, "INTN105": 9_800_000, "INTN250": 310,
           "INTN243.salaries_wages_benefits": 41_000_000}  # fmt: skip


async def record_inputs(port: int, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", headers=headers, timeout=30) as client:
        for year, (input_id, value) in itertools.product(YEARS, _INPUTS.items()):
            body = {"fiscal_year": year, "input_id": input_id, "value": str(value),
                    "provenance": {"source": "Finance: FIR schedule 40", "note": "bench"}}  # fmt: skip
            answer = await client.post("/mbn/inputs", json=body)
            if answer.status_code != 201:
                raise RuntimeError(f"POST /mbn/inputs {input_id}: {answer.status_code} {answer.text[:300]}")


Path_ = Callable[[random.Random], str]


def read_paths(kpis: list[tuple[str, list[str]]], tickets: list[str]) -> dict[str, Path_]:
    """What a dashboard asks for: a year of a KPI by month, or by week and a group, the daily count, MBN, a history."""
    grouped = [(kpi, groups) for kpi, groups in kpis if groups]

    def year(r: random.Random, kpi: str, by: str) -> str:
        return f"/kpis/{kpi}?from={(y := r.choice(YEARS))}-01-01&to={y}-12-31&by={by}"

    paths: dict[str, Path_] = {
        "kpis/tickets-opened, a year": lambda r: year(r, "tickets-opened", "day").removesuffix("&by=day"),
        "mbn/results, a fiscal year": lambda r: f"/mbn/results?fiscal_year={r.choice(YEARS)}",
        "audit, one ticket": lambda r: f"/audit?entity_id={r.choice(tickets)}",
    }
    if kpis:
        paths["kpis/{id}, a year by month"] = lambda r: year(r, r.choice(kpis)[0], "month")
    if grouped:
        paths["kpis/{id}, a year by week, a group"] = lambda r: year(r, (k := r.choice(grouped))[0], "week") \
            + f"&group={r.choice(k[1])}"  # fmt: skip
    return paths


@dataclass
class Reads:
    kinds: dict[str, Latencies]
    by_kpi: dict[str, Latencies] = field(default_factory=dict)  # the KPI series, per KPI
    failed: dict[str, str] = field(default_factory=dict)  # of each kind, a request that failed: status and path

    def add(self, label: str, path: str, status: int, seconds: float) -> None:
        if status != 200:
            self.kinds[label].failures.add(status)
            self.failed.setdefault(label, f"{status} GET {path}")
        else:
            self.kinds[label].seconds.append(seconds)
            if path.startswith("/kpis/") and not path.startswith("/kpis/tickets-opened"):
                self.by_kpi.setdefault(path[6:].split("?")[0], Latencies()).seconds.append(seconds)


async def _kpis(client: Client) -> list[tuple[str, list[str]]]:
    """The current KPI definitions and their groups, or none when this build has no /kpis."""
    status, body = await client.get("/kpis")
    return [(k["id"], k["groups"]) for k in orjson.loads(body)["kpis"] if k["current"]] if status == 200 else []


async def measure_reads(stack: Stack, tickets: list[str], requests: int) -> Reads:
    """One request in flight, the kinds interleaved, 10 warm-up rounds uncounted."""
    private_pem, public_pem = new_signing_key()
    port, rng = free_port(), random.Random(11)
    env = {**os.environ, "DATABASE_URL": stack.dsn, "DB_SCHEMA": SCHEMA, "AUTH_KEY": public_pem,
           "RELAY_ENABLED": "false", "LOG_LEVEL": "warning"}  # fmt: skip
    token = mint(private_pem, subject="bench-manager", tenant=TENANTS[0], roles=["manager"])
    with uvicorn_server("metrics.main:create_app", env, port):
        await record_inputs(port, token)
        async with Client(port, token) as client:
            kinds = read_paths(await _kpis(client), tickets)
            found = Reads({label: Latencies() for label in kinds})
            for round_ in range(requests + 10):
                for label, path in kinds.items():
                    started, asked = time.perf_counter(), path(rng)
                    status, _ = await client.get(asked)
                    if round_ >= 10 or status != 200:
                        found.add(label, asked, status, time.perf_counter() - started)
    return found


@dataclass
class ProjectorResult:
    store: StoreResult
    rebuilt: RebuildResult
    reads: Reads
    lag: LagResult | None


async def measure(stack: Stack, events: int, lag_rate: float, lag_seconds: float, requests: int) -> ProjectorResult:
    settings = Settings(database_url=stack.dsn, db_schema=SCHEMA, kafka_bootstrap_servers=stack.bootstrap_servers,
                        kafka_topic_prefix=f"bench{uuid4().hex[:8]}.",  # fresh topics, even on a shared broker
                        kafka_idempotent_producer=False, log_level="warning")  # fmt: skip
    await _drop(stack, settings)
    try:
        store = await build_store(settings, events)
        rebuilt = await measure_rebuild(stack, settings)
        reads = await measure_reads(stack, store.tickets, requests)
        lag = await measure_lag(stack, settings, lag_rate, lag_seconds) if lag_seconds > 0 else None
        return ProjectorResult(store, rebuilt, reads, lag)
    finally:
        await _drop(stack, settings)


async def _drop(stack: Stack, settings: Settings) -> None:
    for schema in (SCHEMA, settings.projection, f"{settings.projection}_rebuild", f"{settings.projection}_retired"):
        await drop_schema(stack.dsn, schema)


# The printed table.

_LABEL = 40


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(result: ProjectorResult) -> list[str]:
    s, r = result.store, result.rebuilt
    lines = [
        f"{'store: produced straight to the topics':<{_LABEL}}{s.seconds:>8.1f} s  {s.events} events"
        f" ({s.events / s.seconds:.0f}/s, {len(s.types)} event types)",
        f"{'rebuild (metrics.rebuild.rebuild)':<{_LABEL}}{r.seconds:>8.1f} s  {r.rate:>6.0f} events/s"
        f"  (target >= {TARGET_RATE:,}/s: {_verdict(r.rate >= TARGET_RATE)}); audit_history {r.rows} rows",
        f"{'  CPU per event, µs':<{_LABEL}}" + "  ".join(f"{name} {cores * r.seconds / r.applied * 1e6:.0f}"
        for name, cores in r.cores.items() if name != "others") + f"  (others {r.cores.get('others', 0):.2f} cores)",
        *_handler_lines(r),
        f"{'  rows written per event':<{_LABEL}}" + ", ".join(f"{t} {n / r.applied:.2f}" for t, n in r.writes.items()
                                                                if n / r.applied >= 0.01),
    ]  # fmt: skip
    if result.lag:
        lines += _lag_lines(result.lag)
    lines += ["", f"{'GET over HTTP, one request in flight':<{_LABEL}}{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
                  f"  p95 < {TARGET_P95_MS:g} ms"]  # fmt: skip
    lines += [_read_line(label, lat) for label, lat in result.reads.kinds.items()]
    slowest = sorted(result.reads.by_kpi.items(), key=lambda item: -item[1].percentile(95))[:3]
    lines += [_read_line("  a slowest KPI", lat) + f"  {kpi}" for kpi, lat in slowest]
    return lines + [f"  failed: {example}" for example in result.reads.failed.values()]


def _read_line(label: str, lat: Latencies) -> str:
    p50, p95, p99 = (lat.percentile(p) for p in (50, 95, 99))
    failed = f"  statuses {sorted(lat.failures)}" if lat.failures else ""
    return f"{label:<{_LABEL}}{p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {_verdict(p95 < TARGET_P95_MS)}{failed}"


def _handler_lines(r: RebuildResult) -> list[str]:
    """Each projection handler's share of the rebuild's wall time, the costliest first; the rest is plumbing."""
    lines = [
        f"{'  handler ' + name.rsplit('.', 1)[-1]:<{_LABEL}}{seconds:>8.1f} s  {seconds / r.seconds:>4.0%}"
        f"  {seconds / r.applied * 1e6:>4.0f} µs/event  ({name})"
        for name, seconds in sorted(r.handlers.items(), key=lambda item: -item[1])
        if seconds > 0
    ]
    rest = r.seconds - sum(r.handlers.values())
    return [*lines, f"{'  the rest: fetch, parse, dedupe, commit':<{_LABEL}}{rest:>8.1f} s  {rest / r.seconds:>4.0%}"
                    f"  {rest / r.applied * 1e6:>4.0f} µs/event"]  # fmt: skip


def _lag_lines(lag: LagResult) -> list[str]:
    p50, p95, top = lag.percentile(50), lag.percentile(95), max(lag.lags, default=float("nan"))
    missing = lag.tracked - len(lag.lags)
    return [
        f"{f'live projector fed {lag.rate:.0f}/s for {lag.seconds:.0f} s':<{_LABEL}}{'p50 s':>8} {'p95 s':>8}"
        f" {'max s':>8}  max < {TARGET_LAG_S:g} s",
        f"{f'  send -> audit_history, {lag.tracked} tracked':<{_LABEL}}{p50:>8.3f} {p95:>8.3f} {top:>8.3f}  "
        f"{_verdict(top < TARGET_LAG_S)}{f'  ({missing} never applied)' if missing else ''}",
        "  CPU cores busy: " + "  ".join(f"{name} {v:.2f}" for name, v in lag.cores.items()),
    ]
