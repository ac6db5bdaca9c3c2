"""How the runner turns SIGINT, SIGTERM and SIGHUP into an orderly stop: a Shutdown raised where it is safe."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any


class Shutdown(BaseException):
    """SIGINT/SIGTERM/SIGHUP arrived. A BaseException, so no `except Exception` on the way swallows it."""


# Signals that arrived while a child was being started and recorded: Shutdown is raised once it is recorded.
_held: list[int] | None = None


def request_shutdown(signum: int, frame: object) -> None:
    if _held is not None:
        _held.append(signum)
        return
    raise Shutdown(signal.Signals(signum).name)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Between starting a child and recording it, a Shutdown would leave it behind: hold it until after."""
    global _held
    _held = []
    try:
        yield
    finally:
        held, _held = _held, None
        if held:
            raise Shutdown(signal.Signals(held[0]).name)


def on_signals(handler: Any) -> None:
    # SIGTERM and SIGHUP would otherwise kill us outright and skip every clean-up (atexit included).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)
