"""Process plumbing shared by the dev services: spawning, readiness polling, shutdown."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self, TypeVar

from devstack.ports import LOCALHOST, free_port

_T = TypeVar("_T")
_POLL_INTERVAL = 0.05
_KILL_WAIT = 5.0
_PORT_ATTEMPTS = 3


class ServiceStartError(RuntimeError):
    """A dev service exited or never became ready; the message carries its log tail."""


class ChildServer:
    """A server the dev stack started as a child process: stopped once (`stop()`, leaving a `with`, or at exit)
    with `stop_signal`, killed after `stop_timeout`, its log closed, then `_after_stop()` (say, removing files)."""

    stop_signal = signal.SIGTERM
    stop_timeout = 5.0

    def __init__(self, process: subprocess.Popen[bytes], log_file: IO[bytes]) -> None:
        self.host = LOCALHOST
        self._process, self._log_file, self._stopped = process, log_file, False
        atexit.register(self.stop)

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        stop_process(self._process, self.stop_signal, self.stop_timeout)
        self._log_file.close()
        self._after_stop()

    def _after_stop(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class PortTaken(Exception):
    """The server lost its port to another process between free_port() and its bind."""


def with_port_retries(start: Callable[[int], _T], preferred: int | None, what: str, log_path: Path) -> _T:
    # free_port() only says the port was free a moment ago; a lost race just means another try.
    for _ in range(_PORT_ATTEMPTS):
        try:
            return start(free_port(preferred, LOCALHOST))
        except PortTaken:
            continue
    raise startup_failure(f"{what} lost its port to other processes {_PORT_ATTEMPTS} times", log_path)


def child_env(drop: Callable[[str], bool], **overrides: str) -> dict[str, str]:
    """Copy of our environment without the variables `drop` rejects, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not drop(key)}
    env.update(overrides)
    return env


def log_tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(log is empty)"


def wait_until_ready(
    proc: subprocess.Popen[bytes],
    is_ready: Callable[[], bool],
    timeout: float,
    what: str,
    log_path: Path | None,
) -> None:
    """Poll `is_ready` until it holds; raise with the log tail if `proc` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise startup_failure(f"{what} exited with code {proc.returncode}", log_path)
        if is_ready():
            return
        time.sleep(_POLL_INTERVAL)
    raise startup_failure(f"{what} not ready after {timeout:.0f}s", log_path)


def startup_failure(message: str, log_path: Path | None) -> ServiceStartError:
    return ServiceStartError(f"{message}; log {log_path}:\n{log_tail(log_path)}")


def stop_process(proc: subprocess.Popen[bytes], sig: signal.Signals, timeout: float) -> None:
    """Ask the session leader to stop with `sig`; SIGKILL its whole process group if it lingers."""
    if proc.poll() is not None:
        return
    _send(proc, sig)
    try:
        proc.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        pass
    # The leader is alive (unreaped), so its pid still names our group: no reuse risk here.
    _kill_group(proc)
    proc.wait(_KILL_WAIT)


def _send(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
