"""A dev SMTP server on loopback (aiosmtpd), so that mailed notices can be read: each message it takes is kept as
an .eml file in the mail folder and logged as one line.

`start_smtp` runs it as a child process in its own session, like Postgres and the broker; the process is
`python -m devstack.smtp --port N --mail-dir DIR`.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import itertools
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from functools import partial
from pathlib import Path
from typing import IO

from devstack._process import ChildServer, PortTaken, stop_process, wait_until_ready, with_port_retries
from devstack.ports import LOCALHOST

HOST = LOCALHOST
DEFAULT_PORT = 2525  # a preference: the next free port above it is taken otherwise
PORT_TAKEN_EXIT = 98  # the child's exit code when another process holds its port (EADDRINUSE on Linux)
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 5.0


class LocalSmtp(ChildServer):
    """Handle on the running server; stop() ends it. The mails it kept stay in `mail_dir`."""

    stop_timeout = _STOP_TIMEOUT

    def __init__(self, process: subprocess.Popen[bytes], port: int, mail_dir: Path, log_file: IO[bytes]) -> None:
        super().__init__(process, log_file)
        self.port, self.mail_dir = port, mail_dir


def start_smtp(mail_dir: Path, log_path: Path, port: int | None = DEFAULT_PORT) -> LocalSmtp:
    """Start the server on 127.0.0.1 (`port` is a preference) keeping mail in `mail_dir`; returns once it answers."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return with_port_retries(partial(_start_once, mail_dir=mail_dir, log_path=log_path), port, "smtp", log_path)


def _start_once(port: int, *, mail_dir: Path, log_path: Path) -> LocalSmtp:
    log_file = open(log_path, "ab")  # noqa: SIM115 - owned by the handle, closed in stop()
    command = [sys.executable, "-m", "devstack.smtp", "--port", str(port), "--mail-dir", str(mail_dir)]
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until_ready(proc, partial(_greets, port), _START_TIMEOUT, "smtp", log_path)
    except BaseException:
        stop_process(proc, signal.SIGTERM, _STOP_TIMEOUT)
        log_file.close()
        if proc.returncode == PORT_TAKEN_EXIT:  # lost a race for the port: with_port_retries picks another
            raise PortTaken() from None
        raise
    return LocalSmtp(proc, port, mail_dir, log_file)


def _greets(port: int) -> bool:
    """The server answers with its 220 greeting (a process that merely holds the port does not)."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            return sock.recv(3) == b"220"
    except OSError:
        return False


# ----------------------------------------------------------------------------------------------- the server


class KeepEachMessage:
    """aiosmtpd handler: every message to an .eml file, written whole before it is named, and one log line."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:
        path = self.mail_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{next(self._numbers):04d}.eml"
        partial_path = path.with_name(f".{path.name}.partial")
        partial_path.write_bytes(envelope.content)
        os.replace(partial_path, path)
        subject = message_from_bytes(envelope.content, policy=policy.default).get("Subject", "")
        print(f"mail_received to={','.join(envelope.rcpt_tos)} subject={subject!r} file={path}", flush=True)
        return "250 OK: kept"


async def serve(port: int, mail_dir: Path) -> None:
    from aiosmtpd.smtp import SMTP  # only the server process needs it

    loop = asyncio.get_running_loop()
    handler = KeepEachMessage(mail_dir)
    server = await loop.create_server(lambda: SMTP(handler, hostname="helpdesk-dev-smtp"), HOST, port)
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    print(f"smtp_listening host={HOST} port={port} mail_dir={mail_dir}", flush=True)
    async with server:
        await stopping.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.smtp", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--mail-dir", type=Path, required=True, help="where each received message is kept as .eml")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port, args.mail_dir))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(f"smtp_port_taken port={args.port}", flush=True)
            return PORT_TAKEN_EXIT
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
