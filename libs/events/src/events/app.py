"""The skeleton of a service app: pool, migrations, topics and relay in the lifespan, shared HTTP faces."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from importlib.resources.abc import Traversable
from typing import Annotated

import asyncpg
import structlog
from fastapi import Depends, FastAPI, Request

from events import tasks
from events.auth import TokenVerifier
from events.db import STORE_MIGRATIONS, create_pool, migrate_pool
from events.http import CorrelationMiddleware, add_operational_routes, install_problem_handlers
from events.logging import configure_logging
from events.relay import RelayStatus, run_relay
from events.republish import republish
from events.settings import ServiceSettings

log = structlog.get_logger()


Background = Callable[[asyncpg.Pool], Awaitable[None]]


def service_app(
    settings: ServiceSettings,
    migrations: Traversable,
    also_reads: dict[str, dict[str, Traversable]] | None = None,
    background: Sequence[Background] = (),
    **fastapi_args,
) -> FastAPI:
    """A FastAPI app that owns an event store in its schema and relays it to `<service>.events`.

    `also_reads` names further schemas the app reads (with their migrations), after its own;
    `background` are loops (schedulers) that run beside the relay for the app's lifetime.
    """
    configure_logging(settings.service, settings.log_level, as_json=settings.log_json)
    schemas = {settings.schema: {"events.store": STORE_MIGRATIONS, settings.service: migrations}, **(also_reads or {})}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await create_pool(settings.database_url, *schemas, max_size=settings.db_pool_size)
        for schema, sources in schemas.items():
            await migrate_pool(app.state.pool, schema, sources)
        if settings.republish_on_start:
            async with app.state.pool.acquire() as conn:
                log.info("store_republished", events=await republish(conn))
        running = [asyncio.create_task(_relay(app.state.pool, settings, app.state.relay_status))]
        running += [asyncio.create_task(loop(app.state.pool)) for loop in background]
        log.info("service_started", schema=settings.schema)
        try:
            yield
        finally:
            for task in running:
                await tasks.stop(task)
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, **fastapi_args)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.state.relay_status = RelayStatus()
    app.add_middleware(CorrelationMiddleware, service=settings.service)
    install_problem_handlers(app)
    add_operational_routes(app)
    return app


async def _relay(pool: asyncpg.Pool, settings: ServiceSettings, status: RelayStatus) -> None:
    if settings.relay_enabled:  # off where another process relays this store
        await run_relay(pool, settings, status)


async def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
