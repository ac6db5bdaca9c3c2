"""The assets app: `uvicorn --factory assets.main:create_app`."""

from importlib.resources import files

from fastapi import FastAPI

from assets.api import amortization, devices, repairs
from assets.api import audits as audits_api  # physical audits of a location
from assets.api import imports as imports_api  # devices in bulk, from CSV
from assets.api import software as software_api
from assets.settings import Settings
from events.app import service_app

MIGRATIONS = files("assets") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = service_app(settings, MIGRATIONS, title="Inventory: assets")
    for area in (devices, amortization, repairs, audits_api):
        app.include_router(area.router)
    app.include_router(software_api.router)  # titles, licences, seats on devices
    app.include_router(imports_api.router)  # POST /devices/import
    return app
