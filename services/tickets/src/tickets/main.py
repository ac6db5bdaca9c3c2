"""The tickets app: `uvicorn --factory tickets.main:create_app`."""

from importlib.resources import files

from fastapi import FastAPI

from events.app import service_app
from events.http import add_problem_handler
from tickets.api import router
from tickets.domain import TicketsError
from tickets.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = service_app(settings, files("tickets") / "migrations", title="Service desk: tickets")
    app.include_router(router)
    add_problem_handler(app, TicketsError, 409)
    return app
