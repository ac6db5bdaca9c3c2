"""What every service's HTTP face shares: problem documents, correlation ids, health and metrics."""

import re
import time
from http import HTTPStatus
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

REQUESTS = Histogram(
    "http_request_duration_seconds", "HTTP requests by route and status", ["service", "method", "route", "status"]
)


def problem(status: int, title: str, detail: str, headers: dict | None = None, **extra) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field(e["loc"]), "location": e["loc"][0], "message": e["msg"]} for e in error.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Unprocessable Content", detail, errors=errors)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    return problem(error.status_code, _title(error.status_code), str(error.detail), headers=error.headers)


def _title(status: int) -> str:
    return HTTPStatus(status).phrase


async def _refused(request: Request, error: Refused) -> JSONResponse:
    """Every refusal of every service: the status its class names, its own sentence, and its class as the rule."""
    extra = {"rule": type(error).__name__}
    if isinstance(error, Unprocessable):
        extra["errors"] = [{"field": error.field, "location": "body", "message": error.message}]
    return problem(error.status, _title(error.status), str(error), **extra)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Refused, _refused)


class CorrelationMiddleware:
    """Carries X-Correlation-ID into logs, events and the response; times each request."""

    def __init__(self, app, service: str):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cid = _incoming_correlation_id(scope) or uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = cid
        status, started = [500], time.perf_counter()

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-correlation-id", cid.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=cid):
            try:
                await self.app(scope, receive, send_with_header)
            finally:
                self._observe(scope, status[0], time.perf_counter() - started)

    def _observe(self, scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        path = getattr(route, "path", "unmatched")
        REQUESTS.labels(self.service, scope["method"], path, str(status)).observe(seconds)


def _incoming_correlation_id(scope) -> str | None:
    wanted = CORRELATION_HEADER.lower().encode()
    for name, value in scope["headers"]:
        if name == wanted:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


def add_operational_routes(app: FastAPI) -> None:
    """/healthz (alive), /readyz (database reachable, and how each background loop in `app.state.statuses` is)
    and Prometheus /metrics; no token needed. `app.state.pool` is the database to check."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        try:
            async with request.app.state.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
        except Exception as error:
            return problem(503, "Service Unavailable", f"database unreachable: {error!r}")
        loops = {name: {"running": s.running, "error": s.last_error} for name, s in request.app.state.statuses.items()}
        return JSONResponse({"status": "ready", **loops})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
