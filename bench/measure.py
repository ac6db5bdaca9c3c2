"""Measuring a run: CPU seconds per process from /proc, and N workers timed over a warm-up and a window."""

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # the process ended between listing and reading
        return None
    # The command name may hold spaces or parentheses; everything after the last ')' is fixed.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """User plus system time of one process, 0 if it is gone."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK if fields else 0.0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent on anything but idling, since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


_MACHINE = "machine"


class CpuMeter:
    """CPU used by named processes between start() and stop(), in cores (CPU seconds per wall second)."""

    def __init__(self, clocks: dict[str, Callable[[], float]]):
        self.clocks = clocks
        self._before: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        return {_MACHINE: machine_busy_seconds(), **{name: clock() for name, clock in self.clocks.items()}}

    def start(self) -> None:
        self._before = self._sample()

    def stop(self, seconds: float) -> dict[str, float]:
        """Cores per process, and `others`: whatever else kept the machine busy (the box is shared)."""
        after = self._sample()
        cores = {name: (after[name] - self._before[name]) / seconds for name in self.clocks}
        cores["others"] = max(0.0, (after[_MACHINE] - self._before[_MACHINE]) / seconds - sum(cores.values()))
        return cores


def process_clock(pid: int) -> Callable[[], float]:
    return lambda: cpu_seconds(pid)


def tree_clock(pid: int) -> Callable[[], float]:
    """A server and its children (postgres backends); a child that exits keeps the time last seen."""
    seen: dict[int, float] = {}

    def clock() -> float:
        for each in (pid, *children_of(pid)):
            seen[each] = max(seen.get(each, 0.0), cpu_seconds(each))
        return sum(seen.values())

    return clock


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
