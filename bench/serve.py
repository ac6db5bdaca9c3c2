"""An ASGI app factory served as deployed: a uvicorn subprocess on uvloop + httptools, one worker, no access log."""

import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


def uvicorn_command(factory: str, port: int) -> list[str]:
    """One command line for every app the bench serves, so that only the app differs between runs."""
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log"]  # fmt: skip


@contextmanager
def uvicorn_server(factory: str, env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """The server, once its /readyz answers 200; stopped gracefully (then killed) on the way out."""
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(uvicorn_command(factory, port), env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(server, port, log)
            yield server
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)  # uvicorn's graceful stop: the lifespan closes pool and relay
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_ready(server: subprocess.Popen, port: int, log, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {server.returncode}:\n{log.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server on port {port} did not become ready")
