"""Local PostgreSQL and Kafka-protocol broker processes for helpdesk development and tests."""

from devstack._process import ServiceStartError
from devstack.broker import EmbeddedBroker, start_broker
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres, start_postgres

__all__ = [
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "ServiceStartError",
    "free_port",
    "start_broker",
    "start_postgres",
]
