"""The metrics app: `uvicorn --factory metrics.main:create_app`. The projector runs as its own process."""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI

from events.app import service_app
from events.pages import serve_page
from metrics.api import router
from metrics.api_kpis import router as kpis_router
from metrics.api_mbn import router as mbn_router
from metrics.device_figures import router as mbn_devices_router
from metrics.projections import PROJECTION_MIGRATIONS
from metrics.settings import Settings
from metrics.spending import router as mbn_spending_router

MIGRATIONS = files("metrics") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = service_app(settings, MIGRATIONS, also_reads={settings.projection: PROJECTION_MIGRATIONS},
                      title="Metrics: KPIs and audit history")
    app.include_router(router)
    app.include_router(mbn_router)
    app.include_router(mbn_devices_router)
    app.include_router(mbn_spending_router)  # the spending behind INTN243
    app.include_router(kpis_router)  # after `router`: its /kpis/tickets-opened goes before /kpis/{kpi_id}
    serve_page(app, "dashboard", Path(__file__).parent / "pages")  # the IT manager's dashboard (issue 12)
    return app
