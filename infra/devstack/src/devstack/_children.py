"""The runner's child processes: each leads its own session, is watched without reaping, dies with its group,
and can be started again after it crashed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DELAY = 1.0  # seconds before the first restart of a crashed child; doubles with each crash in a row
MAX_DELAY = 30.0
STEADY = 60.0  # a child that ran this long before it crashed is not crashing in a loop: back to FIRST_DELAY


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]
    env: dict[str, str]
    crashes: int = 0  # in a row, for the pause before the next restart
    started: float = field(default_factory=time.monotonic)


def spawn(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> Child:
    """Start `command` with stdout and stderr appended to `<log_dir>/<name>.log`."""
    log_path = log_dir / f"{name}.log"
    with open(log_path, "ab") as log:  # the child writes to its own copy of the descriptor
        # Own session: a terminal Ctrl-C reaches only the runner, which stops things in order; killpg reaches it all.
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)  # fmt: skip
    return Child(name, proc, log_path, command, env)


def restart_delay(child: Child) -> float:
    """How long to wait before starting the crashed `child` again: longer with each crash in a row."""
    crashes = 1 if time.monotonic() - child.started > STEADY else child.crashes + 1
    child.crashes = crashes
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (crashes - 1))


def respawn(child: Child) -> Child:
    """Sweep what is left of the exited child's group, reap it, and start its command again."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.proc.pid, signal.SIGKILL)
    child.proc.wait()
    again = spawn(child.name, child.command, child.env, child.log_path.parent)
    again.crashes = child.crashes
    return again


def exited(child: Child) -> str | None:
    """How the child ended ("exit code 1", "signal SIGKILL"), or None while it runs."""
    # WNOWAIT leaves an exited leader unreaped, so its pid keeps naming its group until stop_children sweeps it.
    result = os.waitid(os.P_PID, child.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if result is None:
        return None
    if result.si_code == os.CLD_EXITED:
        return f"exit code {result.si_status}"
    return f"signal {signal.Signals(result.si_status).name}"


def stop_children(children: list[Child], timeout: float) -> None:
    """SIGTERM every group at once, give them `timeout` seconds together, then SIGKILL what is left."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        _reap(child, deadline, timeout)


def _reap(child: Child, deadline: float, timeout: float) -> None:
    while not exited(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not exited(child):
        print(f"{child.name} ignored SIGTERM for {timeout:.0f}s; killing it", file=sys.stderr, flush=True)
    # The leader is not reaped yet, so its pid still names its group: sweep any stragglers, then reap.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.proc.pid, signal.SIGKILL)
    child.proc.wait()
