"""The tickets app: `uvicorn --factory tickets.main:create_app`."""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI

from events.app import service_app
from events.pages import serve_page
from tickets.api import desk, preventive, tickets, work_orders
from tickets.schedulers import desk_jobs
from tickets.settings import Settings

MIGRATIONS = files("tickets") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = service_app(settings, MIGRATIONS, jobs=desk_jobs(settings),
                      title="Service desk: tickets")
    for area in (tickets, desk, work_orders, preventive):
        app.include_router(area.router)
    serve_page(app, "desk", Path(__file__).parent / "pages")  # staff's self-service desk
    return app
