"""The skeleton of a service app: pool, migrations, topics and relay in the lifespan, shared HTTP faces."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from importlib.resources.abc import Traversable

import asyncpg
import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from events import heap, store, tasks
from events.auth import TokenVerifier
from events.db import STORE_MIGRATIONS, create_pool, migrate_pool
from events.guard import RequestGuard
from events.http import CorrelationMiddleware, add_operational_routes, install_problem_handlers
from events.idempotency import purge_expired_keys
from events.jobs import PeriodicJob, run_every
from events.logging import configure_logging
from events.openapi import install_documented_openapi
from events.pages import cors_policy
from events.relay import run_relay
from events.republish import republish
from events.settings import ServiceSettings
from events.tasks import Status

log = structlog.get_logger()


def service_app(
    settings: ServiceSettings,
    migrations: Traversable,
    also_reads: dict[str, dict[str, Traversable]] | None = None,
    jobs: Sequence[PeriodicJob] = (),
    **fastapi_args,
) -> FastAPI:
    """A FastAPI app that owns an event store in its schema and relays it to `<service>.events`.

    `also_reads` names further schemas the app reads (with their migrations), after its own;
    `jobs` are the periodic passes (schedulers) that run beside the relay for the app's lifetime.
    """
    configure_logging(settings.service, settings.log_level, as_json=settings.log_json)
    store.limit_event_size(settings.event_max_bytes)

    jobs = [*jobs, purge_expired_keys(timedelta(hours=settings.idempotency_key_hours))]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await migrated_pool(settings, migrations, also_reads)
        if settings.republish_on_start:
            async with app.state.pool.acquire() as conn:
                log.info("store_republished", events=await republish(conn))
        running = [asyncio.create_task(_relay(app.state.pool, settings, app.state.statuses["relay"]))]
        running += [asyncio.create_task(run_every(app.state.pool, job)) for job in jobs]
        heap.settle()
        log.info("service_started", schema=settings.schema)
        try:
            yield
        finally:
            for task in running:
                await tasks.stop(task)
            await app.state.pool.close()

    app = FastAPIOffline(lifespan=lifespan, **fastapi_args)  # /docs and /redoc from the package, not a CDN
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.state.statuses = {"relay": Status()}
    # Added first, so it runs inside the correlation middleware: its refusals are logged and carry the id.
    app.add_middleware(RequestGuard, max_header_bytes=settings.max_header_bytes, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware, service=settings.service)
    if policy := cors_policy(settings):  # outermost: a browser's preflight is answered before anything else
        app.add_middleware(CORSMiddleware, **policy)
    install_problem_handlers(app)
    install_documented_openapi(app)
    add_operational_routes(app)
    return app


async def migrated_pool(
    settings: ServiceSettings, migrations: Traversable, also_reads: dict[str, dict[str, Traversable]] | None = None,
) -> asyncpg.Pool:
    """The service's pool, its schema (event store and its own tables) and `also_reads` migrated: what the app
    runs on, and what a test of the service's database code opens."""
    schemas = {settings.schema: {"events.store": STORE_MIGRATIONS, settings.service: migrations}, **(also_reads or {})}
    pool = await create_pool(settings.database_url, *schemas, max_size=settings.db_pool_size)
    for schema, sources in schemas.items():
        await migrate_pool(pool, schema, sources)
    return pool


async def _relay(pool: asyncpg.Pool, settings: ServiceSettings, status: Status) -> None:
    if settings.relay_enabled:  # off where another process relays this store
        await run_relay(pool, settings, status)
