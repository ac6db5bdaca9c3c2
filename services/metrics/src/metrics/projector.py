"""The metrics projector process: consumer group `metrics.projector` over every `<service>.events` topic.

Run it with `python -m metrics.projector`.
"""

import asyncio
import signal

import asyncpg
import structlog
from aiokafka.errors import KafkaError

from events import kafka, tasks
from events.consumer import run_consumer
from events.db import create_pool, migrate_pool
from events.logging import configure_logging
from metrics.projections import MIGRATIONS, project, swap_lock
from metrics.settings import Settings

log = structlog.get_logger()


async def run_projector(settings: Settings) -> None:
    """Project until cancelled; when the broker goes away, wait and join the group again."""
    pool = await create_pool(settings.database_url, settings.projection, max_size=4)
    try:
        await migrate_pool(pool, settings.projection, MIGRATIONS)
        failures = 0
        while True:
            try:
                await _project(pool, settings)
            except KafkaError as error:
                failures += 1
                log.warning("projector_lost_broker", error=repr(error), retry_in=min(5.0, 0.5 * failures))
                await asyncio.sleep(min(5.0, 0.5 * failures))
    finally:
        await pool.close()


async def _project(pool: asyncpg.Pool, settings: Settings) -> None:
    topics = kafka.all_topics(settings)
    await kafka.wait_for_topics(settings, topics)
    consumer = kafka.consumer(settings, settings.projector_group, *topics)
    try:
        await consumer.start()
        log.info("projector_started", group=settings.projector_group, topics=topics)
        await run_consumer(pool, consumer, settings.projector_group, project,
                           attempts=settings.projector_attempts, pause_lock=swap_lock(settings.projection))
    finally:
        await consumer.stop()


async def _main() -> None:
    settings = Settings()
    configure_logging("metrics.projector", settings.log_level, as_json=settings.log_json)
    task = asyncio.create_task(run_projector(settings))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await asyncio.wait({task, asyncio.create_task(stopping.wait())}, return_when=asyncio.FIRST_COMPLETED)
    await tasks.stop(task)
    log.info("projector_stopped")


if __name__ == "__main__":
    asyncio.run(_main())
