"""The tickets app: `uvicorn --factory tickets.main:create_app`."""

from functools import partial
from importlib.resources import files

from fastapi import FastAPI

from events.app import service_app
from events.http import add_problem_handler
from tickets import desk_api, work_orders_api
from tickets.api import UnknownReference, router
from tickets.domain.errors import NotFound, TicketsError
from tickets.preventive_scheduler import run_preventive_scheduler
from tickets.settings import Settings
from tickets.sla_scheduler import run_sla_scheduler


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    sla_scheduler = partial(run_sla_scheduler, interval=settings.sla_scan_seconds)
    app = service_app(settings, files("tickets") / "migrations", background=[run_preventive_scheduler, sla_scheduler],
                      title="Service desk: tickets")
    app.include_router(router)
    app.include_router(desk_api.router)
    app.include_router(work_orders_api.router)
    add_problem_handler(app, TicketsError, 409)
    add_problem_handler(app, NotFound, 404)
    add_problem_handler(app, UnknownReference, 422)
    return app
