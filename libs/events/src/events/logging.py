"""Structured JSON logs with the service name and the correlation id on every line, uvicorn's and libraries' too."""

import logging
import sys

import structlog

CORRELATION_HEADER = "X-Correlation-ID"

# uvicorn's own loggers: their lines go through the same renderer; its access log is replaced by the kit's
# request line (events.http), which also names the route, the tenant and the actor.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
UVICORN_ACCESS = "uvicorn.access"


def configure_logging(service: str, level: str = "info", *, as_json: bool = True) -> None:
    renderer = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    levelno = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(levelno),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        # Not cached: a module's logger follows the latest configuration (several apps share a test process).
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(shared, renderer, levelno)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def _route_standard_logging(shared: list, renderer, levelno: int) -> None:
    """Lines logged through `logging` (uvicorn, asyncpg, aiokafka) rendered like the kit's own, one per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    ))
    handler.kit_handler = True  # replaced, never stacked, when a process configures logging again
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "kit_handler", False)] + [handler]
    root.setLevel(max(levelno, logging.WARNING))  # libraries' info lines are noise to an operator
    for name in UVICORN_LOGGERS:
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    access = logging.getLogger(UVICORN_ACCESS)
    access.handlers, access.propagate, access.disabled = [], False, True
