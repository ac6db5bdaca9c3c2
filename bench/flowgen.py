"""A two-step keep-alive load generator: each connection opens a ticket, resolves it, and starts over."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from bench.cpu import CpuMeter
from bench.loadgen import parse_response
from bench.measure import Result, Timing, Window

OPEN, RESOLVE = "open", "resolve"


@dataclass(frozen=True)
class Requests:
    """The open request, pre-built, and the resolve request built around each new ticket id."""

    open: bytes
    resolve: Callable[[bytes], bytes]


def resolve_template(built: bytes, placeholder: bytes = b"{id}") -> Callable[[bytes], bytes]:
    """Split a pre-built request once at the id, so each resolve costs two concatenations."""
    head, tail = built.split(placeholder)
    return lambda ticket_id: head + ticket_id + tail


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class FlowResult:
    result: Result  # both request types: ops, window, CPU, all latencies
    kinds: dict[str, Kind]
    statuses: set[int]
    offered: float | None  # requests/s the pacing aimed at; None when unpaced


class _Flow(asyncio.Protocol):
    """One connection, one request in flight; paced, each request has a slot `interval` after the previous one."""

    def __init__(self, requests: Requests, window: Window, kinds: dict[str, Kind], statuses: set[int],
                 index: int, interval: float):  # fmt: skip
        self.requests, self.window, self.kinds, self.statuses, self.index = requests, window, kinds, statuses, index
        self.interval, self.slot = interval, 0.0
        self.buffer = bytearray()
        self.pending = OPEN
        self.next_request = requests.open
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def start(self, first_slot: float) -> None:
        self.slot = first_slot
        self._schedule()

    def _schedule(self) -> None:
        if not self.interval:
            self._send()
            return
        delay = self.slot - time.perf_counter()
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._send)
        else:
            self._send()  # behind schedule: send at once, and the latency still counts from the missed slot

    def _send(self) -> None:
        if self.window.stopped:  # the in-flight answer has come back: leave cleanly
            self.transport.close()
            return
        # Paced, latency counts from the slot, not from the late send (no coordinated omission).
        self.sent_at = self.slot if self.interval else time.perf_counter()
        self.transport.write(self.next_request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (parsed := parse_response(self.buffer)) is not None:
            status, body_at, used = parsed
            body = bytes(self.buffer[body_at:used])
            del self.buffer[:used]
            self._answered(status, body)
            self.slot += self.interval
            self._schedule()

    def _answered(self, status: int, body: bytes) -> None:
        kind, ok = self.pending, 200 <= status < 300
        if self.window.counting:
            self._count(kind, status, ok)
        if kind == OPEN and ok:  # the id comes from the 201 body, as a client would read it
            self.pending, self.next_request = RESOLVE, self.requests.resolve(orjson.loads(body)["id"].encode())
        else:
            self.pending, self.next_request = OPEN, self.requests.open

    def _count(self, kind: str, status: int, ok: bool) -> None:
        if ok:
            self.window.counts[self.index] += 1
            self.kinds[kind].latencies.append(time.perf_counter() - self.sent_at)
        else:
            self.kinds[kind].errors += 1
            self.statuses.add(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)


async def drive_flow(host: str, port: int, requests: Requests, connections: int, timing: Timing, meter: CpuMeter,
                     rate: float | None = None) -> FlowResult:  # fmt: skip
    """Loop open → resolve on `connections`; with `rate`, each connection is paced so the total offered is `rate`/s."""
    loop = asyncio.get_running_loop()
    window, kinds, statuses = Window(connections), {OPEN: Kind(), RESOLVE: Kind()}, set()
    interval = connections / rate if rate else 0.0
    protocols: list[_Flow] = []
    for i in range(connections):
        _, protocol = await loop.create_connection(
            lambda i=i: _Flow(requests, window, kinds, statuses, i, interval), host, port
        )
        protocols.append(protocol)
    start = time.perf_counter()
    for i, protocol in enumerate(protocols):  # first slots staggered evenly, so the offered load is smooth
        protocol.start(start + interval * i / connections)
    await asyncio.sleep(timing.warmup)
    window.open(meter)
    await asyncio.sleep(timing.duration)
    result = window.close()
    await asyncio.wait_for(asyncio.gather(*(p.closed for p in protocols)), timeout=30)
    result.errors = sum(k.errors for k in kinds.values())
    result.latencies = [*kinds[OPEN].latencies, *kinds[RESOLVE].latencies]
    return FlowResult(result, kinds, statuses, rate)
