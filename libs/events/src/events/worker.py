"""A consumer process any service can run: its subscriptions, waiting out broker and database outages,
stopping on SIGINT/SIGTERM, and its own /healthz, /readyz and /metrics on `WORKER_PORT`."""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable

import asyncpg
import structlog
import uvicorn
from aiokafka.errors import KafkaError
from fastapi import FastAPI

from events import heap, kafka, store, tasks
from events.consumer import CONNECTION_ERRORS, BatchHandler, Handler, run_consumer
from events.db import create_pool, migrate_pool
from events.http import add_operational_routes
from events.logging import configure_logging
from events.settings import ServiceSettings
from events.tasks import Status

log = structlog.get_logger()

# What a lost broker or database looks like from here: wait, then join the group again. (A record's own
# work waits out a lost database in `consumer.process_record`, without leaving the group.)
OUTAGES = (KafkaError, asyncpg.InterfaceError, *CONNECTION_ERRORS)


@dataclass(frozen=True)
class Subscription:
    """A consumer group (`<service>.<process>`), the services whose topics it reads, and its handler.

    `handle` applies one record (alone, when its batch failed); `handle_batch`, when given, a batch of them in one
    call (a projection's `apply_batch`); without it a batch is `handle` once per record, still in one transaction.
    """

    group: str
    services: Sequence[str]
    handle: Handler
    handle_batch: BatchHandler | None = None
    attempts: int = 3
    pause_lock: str | None = None  # held exclusively by whoever must pause the group (a rebuild swapping schemas)


async def consume(pool: asyncpg.Pool, settings: ServiceSettings, subscription: Subscription, status: Status) -> None:
    """Consume until cancelled; offsets are committed after the records' transactions, so nothing is lost."""
    topics = [settings.topic(service) for service in subscription.services]
    failures = 0
    while True:
        try:
            await kafka.wait_for_topics(settings, topics)
            consumer = kafka.consumer(settings, subscription.group, *topics)
            try:
                await consumer.start()
                status.running, status.last_error, failures = True, None, 0
                log.info("consumer_started", group=subscription.group, topics=topics)
                await run_consumer(pool, consumer, subscription.group, subscription.handle,
                                   handle_batch=subscription.handle_batch, attempts=subscription.attempts,
                                   pause_lock=subscription.pause_lock)
            finally:
                status.running = False
                await consumer.stop()
        except OUTAGES as error:
            failures += 1
            status.last_error = repr(error)
            log.warning("consumer_outage", group=subscription.group, error=repr(error),
                        retry_in=min(5.0, 0.5 * failures))
            await asyncio.sleep(min(5.0, 0.5 * failures))


async def run_worker(
    settings: ServiceSettings, schema: str, migrations: dict[str, Traversable], subscriptions: Sequence[Subscription],
) -> None:
    """Migrate `schema`, then run every subscription on one pool until cancelled."""
    pool = await _pool_when_reachable(settings, schema)
    app = _operational_app(pool, {s.group: Status() for s in subscriptions})
    try:
        await migrate_pool(pool, schema, migrations)
        consumers = [asyncio.create_task(consume(pool, settings, s, app.state.statuses[s.group]))
                     for s in subscriptions]
        async with _serving(app, settings.worker_host, settings.worker_port):
            await asyncio.gather(*consumers)
    finally:
        await pool.close()


async def _pool_when_reachable(settings: ServiceSettings, schema: str) -> asyncpg.Pool:
    failures = 0
    while True:
        try:
            return await create_pool(settings.database_url, schema, min_size=1, max_size=4)
        except OUTAGES as error:
            failures += 1
            log.warning("database_unreachable", error=repr(error), retry_in=min(5.0, 0.5 * failures))
            await asyncio.sleep(min(5.0, 0.5 * failures))


def _operational_app(pool: asyncpg.Pool, statuses: dict[str, Status]) -> FastAPI:
    app = FastAPI(openapi_url=None)
    app.state.pool, app.state.statuses = pool, statuses
    add_operational_routes(app)
    return app


@contextlib.asynccontextmanager
async def _serving(app: FastAPI, host: str, port: int | None) -> AsyncIterator[None]:
    """The operational routes on `port` while the block runs (nothing when no port is set)."""
    if not port:
        yield
        return
    server = _Server(uvicorn.Config(app, host=host, port=port, lifespan="off", log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        yield
    finally:
        server.should_exit = True
        await serving


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        yield  # the worker stops on its own signal handlers; uvicorn's would swallow them


def main(settings: ServiceSettings, process: str, schema: str, migrations: dict[str, Traversable],
         subscriptions: Sequence[Subscription], *, description: str | None = None,
         argv: Sequence[str] | None = None) -> None:
    """The process's entry point: logs as `process`, runs until SIGINT or SIGTERM.

    It takes no arguments (settings come from the environment): `--help` says so, anything else is refused."""
    command_line(process, description).parse_args(argv)
    configure_logging(process, settings.log_level, as_json=settings.log_json)
    store.limit_event_size(settings.event_max_bytes)
    heap.settle()
    asyncio.run(_until_signalled(run_worker(settings, schema, migrations, subscriptions), process))


def command_line(process: str, description: str | None) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=f"python -m {process}", description=description,
        epilog="Settings come from the environment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, WORKER_PORT, ...).")


async def _until_signalled(work, process: str) -> None:
    task = asyncio.create_task(work)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await asyncio.wait({task, asyncio.create_task(stopping.wait())}, return_when=asyncio.FIRST_COMPLETED)
    await tasks.stop(task)
    log.info("worker_stopped", process=process)
