"""CPU seconds of processes from /proc, to show which side of a benchmark is busy."""

import os
from collections.abc import Callable
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
