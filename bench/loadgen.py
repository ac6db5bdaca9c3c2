"""A lean HTTP/1.1 keep-alive load generator: pre-built request bytes, parsing only status and Content-Length."""

import asyncio
import time

from bench.cpu import CpuMeter
from bench.measure import Result, Timing, Window


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
