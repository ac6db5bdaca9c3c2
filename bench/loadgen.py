"""HTTP/1.1 keep-alive load generators: one pre-built request in a loop, and the open-then-resolve flow."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from bench.measure import CpuMeter, Result, Timing, Window


def build_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_response(buffer: bytearray) -> tuple[int, int, int] | None:
    """(status, body start, bytes used) of the first complete response in `buffer`, or None while incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    start = head.find(b"\r\ncontent-length:")
    if start < 0:  # the server always sends a length; a chunked answer would be a bench bug
        raise ValueError(f"response without Content-Length: {head[:200]!r}")
    stop = head.find(b"\r\n", start + 2)
    length = int(head[start + 17 : stop if stop > 0 else len(head)])
    used = end + 4 + length
    return (int(head[9:12]), end + 4, used) if len(buffer) >= used else None


class _Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight; the next goes out as the answer arrives."""

    def __init__(self, request: bytes, window: Window, stats: "_Stats", index: int):
        self.request, self.window, self.stats, self.index = request, window, stats, index
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._send()

    def _send(self) -> None:
        if self.window.stopped:  # the in-flight answer has come back: leave cleanly
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (parsed := parse_response(self.buffer)) is not None:
            status, _, used = parsed
            del self.buffer[:used]
            self._answered(status)
            self._send()

    def _answered(self, status: int) -> None:
        if not self.window.counting:
            return
        if status == self.stats.expected_status:
            self.window.counts[self.index] += 1
            self.stats.latencies.append(time.perf_counter() - self.sent_at)
        else:
            self.stats.errors += 1
            self.stats.statuses.add(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)


class _Stats:
    def __init__(self, expected_status: int):
        self.expected_status = expected_status
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: set[int] = set()


async def drive(
    host: str, port: int, request: bytes, connections: int, timing: Timing, meter: CpuMeter, expected_status: int
) -> tuple[Result, set[int]]:
    """Keep `connections` requests in flight; returns the window's result and any unexpected statuses."""
    loop = asyncio.get_running_loop()
    window, stats = Window(connections), _Stats(expected_status)
    protocols = []
    for index in range(connections):
        _, protocol = await loop.create_connection(lambda i=index: _Connection(request, window, stats, i), host, port)
        protocols.append(protocol)
    await asyncio.sleep(timing.warmup)
    window.open(meter)
    await asyncio.sleep(timing.duration)
    result = window.close()
    await asyncio.wait_for(asyncio.gather(*(p.closed for p in protocols)), timeout=30)
    result.errors, result.latencies = stats.errors, stats.latencies
    return result, stats.statuses


# The open-then-resolve flow: each connection opens a ticket, resolves it, and starts over.
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
