"""The assets app (`uvicorn --factory assets.main:create_app`): its event store and relay; routes come later."""

from importlib.resources import files

from fastapi import FastAPI

from assets.settings import Settings
from events.app import service_app

MIGRATIONS = files("assets") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return service_app(settings, MIGRATIONS, title="assets")
