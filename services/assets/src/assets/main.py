"""The assets app: `uvicorn --factory assets.main:create_app`."""

from importlib.resources import files

from fastapi import FastAPI

from assets.api import accounts as accounts_api  # network accounts and password resets
from assets.api import advisories as advisories_api  # security advisories, exposure, remediation
from assets.api import amortization, devices, repairs
from assets.api import audits as audits_api  # physical audits of a location
from assets.api import budgets as budgets_api  # budgets, commitments, expenditures, the variance
from assets.api import contracts as contracts_api  # vendor contracts and their renewals
from assets.api import imports as imports_api  # devices in bulk, from CSV
from assets.api import notices as notices_api  # notices to staff: /me/notices, POST /notices
from assets.api import prefixes as prefixes_api  # IP address management
from assets.api import protection as protection_api  # endpoint protection, requirements, gaps
from assets.api import purchasing as purchasing_api  # purchase requests, from asked to received
from assets.api import refresh_plan as refresh_plan_api  # the refresh plan and the model price list
from assets.api import software as software_api
from assets.notices import mail_jobs  # sends the notices' queued mail
from assets.purchasing import inventory_spending_job  # inventory purchases recorded as spending, once
from assets.settings import Settings
from assets.vendor_contracts import renewal_notice_job  # tells owners of contracts due for renewal
from events.app import service_app

MIGRATIONS = files("assets") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    jobs = [*mail_jobs(settings), renewal_notice_job(), inventory_spending_job()]
    app = service_app(settings, MIGRATIONS, jobs=jobs, title="Inventory: assets")
    for area in (devices, amortization, repairs, audits_api):
        app.include_router(area.router)
    app.include_router(software_api.router)  # titles, licences, seats on devices
    app.include_router(imports_api.router)  # POST /devices/import
    app.include_router(accounts_api.router)  # accounts, password resets, departures
    app.include_router(notices_api.router)
    app.include_router(prefixes_api.router)  # prefixes, DHCP ranges, reservations, allocations
    app.include_router(protection_api.router)  # endpoint protection, its requirements and gaps
    app.include_router(advisories_api.router)  # advisories, their exposure and remediation
    app.include_router(contracts_api.router)  # vendor contracts, renewals due, terminations
    app.include_router(budgets_api.router)  # budgets, amendments, commitments, expenditures, variance
    app.include_router(purchasing_api.router)  # purchase requests: recommend, approve, order, receive
    app.include_router(refresh_plan_api.router)  # the refresh plan, its adoption, model prices
    return app
