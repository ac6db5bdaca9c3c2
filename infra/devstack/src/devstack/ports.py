"""Finding free TCP ports on the local machine for the dev services."""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"
_MAX_PORT = 65535


def free_port(preferred: int | None = None, host: str = LOCALHOST) -> int:
    """Return `preferred` if bindable, else the next free port above it; None -> OS-assigned."""
    if preferred is None:
        return _bind_probe(host, 0)
    for port in range(preferred, _MAX_PORT + 1):
        if _is_bindable(host, port):
            return port
    raise OSError(f"no free TCP port on {host} at or above {preferred}")


def _is_bindable(host: str, port: int) -> bool:
    try:
        _bind_probe(host, port)
    except OSError:
        return False
    return True


def _bind_probe(host: str, port: int) -> int:
    # SO_REUSEADDR like postgres and tansu set it: TIME_WAIT leftovers don't block them,
    # while on Linux a live listener still does.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        return sock.getsockname()[1]
