"""Run N workers for a warm-up then a timed window, counting the operations completed inside the window."""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.cpu import CpuMeter


@dataclass(frozen=True)
class Timing:
    warmup: float
    duration: float


@dataclass
class Result:
    ops: int
    seconds: float
    cores: dict[str, float]  # CPU cores busy per process during the window
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


class Window:
    """Shared by the workers: they count only while `counting`, and return once `stopped`."""

    def __init__(self, workers: int):
        self.counts = [0] * workers  # one slot per worker, so threads never race on a counter
        self.counting = False
        self.stopped = False
        self.started = 0.0
        self.meter: CpuMeter | None = None

    def open(self, meter: CpuMeter) -> None:
        self.meter = meter
        meter.start()
        self.started = time.perf_counter()
        self.counting = True

    def close(self) -> Result:
        self.counting = False
        seconds = time.perf_counter() - self.started
        cores = self.meter.stop(seconds) if self.meter else {}
        self.stopped = True
        return Result(sum(self.counts), seconds, cores)


async def run_async(op: Callable[[int], Awaitable[object]], workers: int, timing: Timing, meter: CpuMeter) -> Result:
    """`op(worker_index)` in a loop on `workers` concurrent tasks."""
    window = Window(workers)

    async def worker(index: int) -> None:
        while not window.stopped:
            await op(index)
            if window.counting:
                window.counts[index] += 1

    tasks = [asyncio.create_task(worker(i)) for i in range(workers)]
    await asyncio.sleep(timing.warmup)
    window.open(meter)
    await asyncio.sleep(timing.duration)
    result = window.close()
    await asyncio.gather(*tasks)  # a failing op fails the run rather than flattering it
    return result


def run_threads(op: Callable[[int], object], workers: int, timing: Timing, meter: CpuMeter) -> Result:
    """`op(worker_index)` in a loop on `workers` threads, for synchronous libraries."""
    window = Window(workers)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            while not window.stopped:
                op(index)
                if window.counting:
                    window.counts[index] += 1
        except BaseException as error:
            errors.append(error)
            window.stopped = True

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(timing.warmup)
    window.open(meter)
    time.sleep(timing.duration)
    result = window.close()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return result
