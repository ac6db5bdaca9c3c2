"""What every service's HTTP face shares: problem documents, correlation ids, request logs, health and metrics."""

import re
import time
from http import HTTPStatus
from urllib.parse import quote
from uuid import uuid4

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.errors import Refused, Unprocessable
from events.logging import CORRELATION_HEADER

log = structlog.get_logger()

PROBLEM_TYPE = "application/problem+json"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/", kept as they are

REQUESTS = Histogram(
    "http_request_duration_seconds", "HTTP requests by route and status", ["service", "method", "route", "status"]
)

# A problem's `type` names its kind (RFC 9457); the README lists them. A status has one kind, a few have more.
PROBLEM_TYPES = "https://helpdesk.example/problems/"
KINDS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    409: "conflict", 412: "stale-version", 413: "content-too-large", 415: "unsupported-media-type",
    422: "invalid-input", 431: "headers-too-large", 500: "internal-error", 503: "unavailable",
}
MALFORMED_JSON = "malformed-json"


def problem_type(status: int, kind: str | None = None) -> str:
    return PROBLEM_TYPES + (kind or KINDS.get(status) or f"http-{status}")


def problem(status: int, title: str, detail: str, headers: dict | None = None, *, kind: str | None = None,
            instance: str | None = None, **extra) -> JSONResponse:
    """An RFC 9457 problem document; `instance` is the path of the request it answers."""
    body = {"type": problem_type(status, kind), "title": title, "status": status, "detail": detail, **extra}
    if instance is not None:
        body["instance"] = instance
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def instance_of(scope) -> str:
    """The request's path as a problem's `instance`, percent-encoded again: a URI reference whatever it holds."""
    return quote(scope["path"], safe=_PATH_SAFE, errors="surrogatepass")


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    found = error.errors()
    if bad_json := next((e for e in found if e["type"] == "json_invalid"), None):
        return _malformed_json(request, bad_json, error.body)
    if _body_not_json(found):
        return problem(415, "Unsupported Media Type", "the body must be JSON, sent as Content-Type: application/json",
                       instance=instance_of(request.scope))
    errors = [{"field": _field(e["loc"]), "location": e["loc"][0], "message": e["msg"]} for e in found]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Unprocessable Content", detail, instance=instance_of(request.scope), errors=errors)


def _malformed_json(request: Request, found: dict, document) -> JSONResponse:
    """400 naming where the body stops being JSON: line, column and character offset."""
    position = found["loc"][1] if len(found["loc"]) > 1 else 0
    text = document if isinstance(document, str) else ""
    line, column = text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)
    reason = found.get("ctx", {}).get("error", found["msg"])
    where = {"line": line, "column": column, "position": position}
    return problem(400, "Bad Request", f"the body is not well-formed JSON: {reason} at line {line}, column {column}"
                   f" (character {position})", kind=MALFORMED_JSON, instance=instance_of(request.scope),
                   errors=[{"field": "body", "location": "body", "message": reason, **where}])


def _body_not_json(found: list[dict]) -> bool:
    """The route wants a JSON body and got another media type: FastAPI then validates the raw bytes."""
    return any(tuple(e["loc"]) == ("body",) and isinstance(e.get("input"), bytes) for e in found)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    return problem(error.status_code, _title(error.status_code), str(error.detail), headers=error.headers,
                   instance=instance_of(request.scope))


def _title(status: int) -> str:
    return HTTPStatus(status).phrase


async def _refused(request: Request, error: Refused) -> JSONResponse:
    """Every refusal of every service: the status its class names, its own sentence, and its class as the rule."""
    extra = {"rule": type(error).__name__}
    if isinstance(error, Unprocessable):
        extra["errors"] = [{"field": error.field, "location": "body", "message": error.message}]
    return problem(error.status, _title(error.status), str(error), kind=getattr(error, "kind", None),
                   instance=instance_of(request.scope), **extra)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Refused, _refused)


class CorrelationMiddleware:
    """Carries X-Correlation-ID into logs, events and the response; logs and times each request once.

    Whatever escapes the app is answered here as a 500 problem document (the connection stays usable) and
    logged once, as the request's own line with the traceback; if the answer had begun, the server closes it.
    """

    def __init__(self, app, service: str):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cid = _incoming_correlation_id(scope) or uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = cid
        status, started = [0], time.perf_counter()

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-correlation-id", cid.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=cid):
            crash = None
            try:
                await self.app(scope, receive, send_with_header)
            except Exception as error:
                crash = error
                if not status[0]:
                    await _internal_error(scope, cid)(scope, receive, send_with_header)
            finally:
                self._observe(scope, status[0] or 500, time.perf_counter() - started, crash)
                structlog.contextvars.unbind_contextvars("tenant", "actor")

    def _observe(self, scope, status: int, seconds: float, crash: Exception | None) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        REQUESTS.labels(self.service, scope["method"], route, str(status)).observe(seconds)
        principal = scope["state"].get("principal")
        line = dict(method=scope["method"], route=route, status=status, duration_ms=round(seconds * 1000, 2),
                    tenant=getattr(principal, "tenant", None), actor=getattr(principal, "user_id", None))
        if status >= 500:
            log.error("http_request", exc_info=crash, **line)
        else:
            log.info("http_request", **line)


def _internal_error(scope, cid: str) -> JSONResponse:
    return problem(500, "Internal Server Error", f"the request failed on the server; quote correlation id {cid}",
                   instance=instance_of(scope), correlation_id=cid)


def _incoming_correlation_id(scope) -> str | None:
    wanted = CORRELATION_HEADER.lower().encode()
    for name, value in scope["headers"]:
        if name == wanted:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


def add_operational_routes(app: FastAPI) -> None:
    """/healthz (alive), /readyz and Prometheus /metrics; no token needed. `app.state.pool` is the database to check.

    /readyz is 503 when the database is unreachable, or a background loop in `app.state.statuses` failed and has
    not recovered, or its probe says its work is not getting done (the relay: an event waiting too long)."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        statuses = request.app.state.statuses
        try:
            async with request.app.state.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
                reasons = {name: await status.not_ready(conn) for name, status in statuses.items()}
        except Exception as error:
            return problem(503, "Service Unavailable", f"database unreachable: {error!r}")
        loops = {name: {"running": s.running, "error": s.last_error, "not_ready": reasons[name]}
                 for name, s in statuses.items()}
        if failing := [f"{name}: {reason}" for name, reason in reasons.items() if reason]:
            return problem(503, "Service Unavailable", "; ".join(failing), **loops)
        return JSONResponse({"status": "ready", **loops})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
