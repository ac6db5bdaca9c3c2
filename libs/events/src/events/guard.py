"""What a request must pass before any route sees it: bounded headers (431) and body (413), no NUL in any string (422).

A pure ASGI middleware, so it runs before authentication and before FastAPI reads anything: the headers are
measured as the server handed them over, the body is counted as it arrives (a `Content-Length` over the bound is
refused before a byte is read), and a string holding NUL, which Postgres cannot store, is refused naming its field.
"""

import json
from urllib.parse import parse_qsl

from starlette.routing import compile_path

from events.http import instance_of, problem

NUL = "\x00"
_ESCAPED_NUL = b"\\u0000"  # the only way JSON text can carry a NUL
_REFUSED_ON_SIGHT = {"Connection": "close"}  # the rest of an oversized request is never read


class RequestGuard:
    """Refuses what no route should see: headers over `max_header_bytes`, bodies over `max_body_bytes`, NULs."""

    def __init__(self, app, max_header_bytes: int, max_body_bytes: int):
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self._screen_head(scope)
        if refusal is None:
            messages, too_large = await self._read_body(receive)
            refusal = _too_large(scope, self.max_body_bytes) if too_large else _nul_in_body(scope, messages)
        if refusal is not None:
            return await refusal(scope, receive, send)
        await self.app(scope, _replaying(messages, receive), send)

    def _screen_head(self, scope):
        if sum(len(name) + len(value) for name, value in scope["headers"]) > self.max_header_bytes:
            return problem(431, "Request Header Fields Too Large",
                           f"the request's headers exceed {self.max_header_bytes} bytes",
                           headers=_REFUSED_ON_SIGHT, instance=instance_of(scope))
        if (_content_length(scope) or 0) > self.max_body_bytes:
            return _too_large(scope, self.max_body_bytes)
        if NUL in scope["path"]:
            return _nul_refused(scope, [_path_parameter_holding_nul(scope)], "path")
        if (name := _query_parameter_holding_nul(scope["query_string"])) is not None:
            return _nul_refused(scope, [name], "query")
        return None

    async def _read_body(self, receive) -> tuple[list[dict], bool]:
        """The body's messages as they arrive, until the end or until they pass the bound (then True)."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, False
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return messages, True
            if not message.get("more_body", False):
                return messages, False


def _replaying(messages: list[dict], receive):
    """The app's `receive`: the whole body read here in one message, then the server's own messages."""
    if messages and messages[-1]["type"] == "http.request":
        messages = [{"type": "http.request", "body": b"".join(m.get("body", b"") for m in messages),
                     "more_body": False}]
    pending = list(messages)

    async def replay():
        return pending.pop(0) if pending else await receive()

    return replay


def _content_length(scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _too_large(scope, max_body_bytes: int):
    return problem(413, "Content Too Large", f"the request body exceeds {max_body_bytes} bytes",
                   headers=_REFUSED_ON_SIGHT, instance=instance_of(scope))


def _nul_refused(scope, fields: list[str], location: str):
    message = "must not contain a NUL character (\\u0000)"
    return problem(422, "Unprocessable Content", "; ".join(f"{field}: {message}" for field in fields),
                   instance=instance_of(scope),
                   errors=[{"field": field, "location": location, "message": message} for field in fields])


def _path_parameter_holding_nul(scope) -> str:
    """The name of the path parameter holding the NUL, from the app's documented path templates."""
    app = scope.get("app")
    for template in app.openapi().get("paths", {}) if hasattr(app, "openapi") else ():
        match = compile_path(template)[0].match(scope["path"])
        for name, value in (match.groupdict() if match else {}).items():
            if NUL in value:
                return name
    return "path"


def _query_parameter_holding_nul(query: bytes) -> str | None:
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if NUL in name or NUL in value:
            return _printable(name)
    return None


def _nul_in_body(scope, messages: list[dict]):
    body = b"".join(m.get("body", b"") for m in messages)
    if _ESCAPED_NUL not in body:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route answers that (400 or 415)
    fields = sorted(".".join(map(_printable, path)) or "body" for path in _paths_to_nul(document))
    return _nul_refused(scope, fields, "body") if fields else None


def _paths_to_nul(document) -> list[tuple]:
    """Where in a parsed JSON document the strings (values or keys) holding NUL are, found without recursion."""
    found, stack = [], [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and NUL in value:
            found.append(path)
        elif isinstance(value, dict):
            found += [(*path, key) for key in value if NUL in key]
            stack += [((*path, key), item) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [((*path, index), item) for index, item in enumerate(value)]
    return found


def _printable(part) -> str:
    return str(part).replace(NUL, "\\u0000")
