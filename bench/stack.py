"""The Postgres and broker the bench runs against: from the environment, or embedded ones it starts and stops."""

import os
from contextlib import ExitStack
from dataclasses import dataclass, field

import devstack


@dataclass
class Stack:
    dsn: str
    bootstrap_servers: str
    postgres_pid: int | None = None  # known only for an embedded server, for CPU accounting
    broker_pid: int | None = None
    _owned: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self._owned.close()


def open_stack(need_broker: bool) -> Stack:
    """DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded servers owned by the returned Stack."""
    owned = ExitStack()
    try:
        dsn, pg_pid = os.environ.get("DATABASE_URL"), None
        if not dsn:
            postgres = owned.enter_context(devstack.start_postgres())
            dsn, pg_pid = postgres.dsn, postgres.pid
        bootstrap, broker_pid = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", ""), None
        if need_broker and not bootstrap:
            broker = owned.enter_context(devstack.start_broker())
            bootstrap, broker_pid = broker.bootstrap_servers, broker.pid
        return Stack(dsn, bootstrap, pg_pid, broker_pid, owned)
    except BaseException:
        owned.close()
        raise
