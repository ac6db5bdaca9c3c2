"""Periodic jobs that replicas share: a pass every interval, each due row claimed with FOR UPDATE SKIP LOCKED."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from prometheus_client import Counter, Gauge

log = structlog.get_logger()

PASSES = Counter("job_passes", "Passes of a periodic job, by outcome", ["job", "outcome"])
ITEMS = Counter("job_items", "Rows a periodic job worked, by outcome", ["job", "outcome"])
# For an alert on a scheduler that stopped getting through: time() minus this, against the job's interval.
LAST_DONE = Gauge("job_last_done_timestamp_seconds", "When a periodic job last finished a pass", ["job"])

Work = Callable[[asyncpg.Connection, asyncpg.Record], Awaitable[int]]


@dataclass(frozen=True)
class PeriodicJob:
    """A pass a service runs every `interval` seconds beside its API (`service_app(jobs=...)`)."""

    name: str
    interval: float
    run_pass: Callable[[asyncpg.Pool], Awaitable[Any]]


async def run_every(pool: asyncpg.Pool, job: PeriodicJob) -> None:
    """Run a pass at once (to catch up after downtime), then every `interval` seconds, until cancelled.

    A pass that fails (a lost database, a bug) is logged and counted, and the next one runs as planned.
    """
    while True:
        try:
            await job.run_pass(pool)
            PASSES.labels(job.name, "done").inc()
            LAST_DONE.labels(job.name).set_to_current_time()
        except Exception as error:
            PASSES.labels(job.name, "failed").inc()
            log.error("job_pass_failed", job=job.name, error=repr(error), retry_in=job.interval)
        await asyncio.sleep(job.interval)


async def claim_each(pool: asyncpg.Pool, job: str, due: str, due_args: Sequence[Any], claim: str, work: Work) -> int:
    """Work every row `due` lists, each in its own transaction once `claim` locked it; returns the sum of `work`.

    `claim` is `SELECT 1 FROM <table> WHERE <key> = $1 FOR UPDATE SKIP LOCKED` on the row's first column: a row
    another replica holds is skipped, not waited for. A row whose work fails is rolled back, logged, counted
    and skipped, so one bad row never holds up the others.
    """
    async with pool.acquire() as conn:
        rows = await conn.fetch(due, *due_args)
    done = 0
    for row in rows:
        try:
            async with pool.acquire() as conn, conn.transaction():
                if await conn.fetchval(claim, row[0]):
                    done += await work(conn, row)
                    ITEMS.labels(job, "done").inc()
        except Exception as error:
            ITEMS.labels(job, "failed").inc()
            log.error("job_item_failed", job=job, item=str(row[0]), error=repr(error))
    return done
