"""The comparison: the eventsourcing library's PostgreSQL application recorder saving one new aggregate per call.

Imported only when the comparison runs: `eventsourcing` and `psycopg` come with `make bench`
(requirements-bench.txt), not with every install.
"""

from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.measure import CpuMeter, Result, Timing, run_threads


class Ticket(Aggregate):
    @event("Opened")
    def __init__(self, subject: str, description: str, category: str):
        self.subject = subject
        self.description = description
        self.category = category


class Tickets(Application):
    pass


def _admin(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:  # CREATE/DROP DATABASE refuse to run in a transaction
        conn.execute(sql)


def _es_env(dsn: str, dbname: str, pool_size: int) -> dict[str, str]:
    url = urlsplit(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        # The same pool as ours: one connection per writer, no overflow.
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
    }


def measure_es(dsn: str, writers: int, timing: Timing, meter: CpuMeter) -> Result:
    """`writers` threads each creating and saving a Ticket, in a database of its own."""
    dbname = f"bench_es_{writers}"
    _admin(dsn, f'DROP DATABASE IF EXISTS "{dbname}"')
    _admin(dsn, f'CREATE DATABASE "{dbname}"')
    app = Tickets(env=_es_env(dsn, dbname, writers))
    try:
        return run_threads(lambda _: app.save(_new_ticket()), writers, timing, meter)
    finally:
        app.close()
        _admin(dsn, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _new_ticket() -> Ticket:
    return Ticket(
        subject="Printer jam", description="Tray 2 on the 3rd floor jams on every duplex job.", category="hardware"
    )
