"""Where the tests find Postgres and the broker: given URLs, else containers, else the embedded dev stack."""

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Stack:
    database_url: str
    kafka_bootstrap_servers: str
    # The embedded broker cannot grant producer ids; a real Kafka can.
    idempotent_producer: bool


def _docker_engine_running() -> bool:
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:
        return False


@contextlib.contextmanager
def _containers() -> Iterator[Stack]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver=None) as pg, KafkaContainer().with_kraft() as broker:
        yield Stack(pg.get_connection_url(), broker.get_bootstrap_server(), idempotent_producer=True)


@contextlib.contextmanager
def _embedded() -> Iterator[Stack]:
    from devstack.broker import start_broker
    from devstack.postgres import start_postgres

    with start_postgres() as pg, start_broker() as broker:
        yield Stack(pg.dsn, broker.bootstrap_servers, idempotent_producer=False)


@contextlib.contextmanager
def test_stack() -> Iterator[Stack]:
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield Stack(os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"],
                    idempotent_producer=os.environ.get("KAFKA_IDEMPOTENT_PRODUCER", "false") == "true")
    elif _docker_engine_running():
        with _containers() as stack:
            yield stack
    else:
        with _embedded() as stack:
            yield stack
