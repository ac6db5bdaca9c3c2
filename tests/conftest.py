"""Shared fixtures: the real Postgres and broker for the session, and a fresh namespace per test."""

from uuid import uuid4

import asyncpg
import pytest

from events.app import migrated_pool
from events.settings import ServiceSettings
from events.tokens import new_signing_key
from support.apps import Tokens
from support.stack import Stack, test_stack
from support.suite import migrations_of, settings_class


@pytest.fixture(scope="session")
def stack() -> Stack:
    with test_stack() as running:
        yield running


@pytest.fixture(scope="session")
def signing_key() -> tuple[str, str]:
    return new_signing_key()


@pytest.fixture
def namespace() -> str:
    """Unique per test: it prefixes the test's schemas, topics and tenant."""
    return f"t{uuid4().hex[:12]}"


@pytest.fixture
def tokens(signing_key, namespace) -> Tokens:
    return Tokens(signing_key[0], tenant=f"city-{namespace}")


@pytest.fixture
def settings_for(stack, namespace, signing_key):
    """Settings of any service, pointed at the test stack and the test's own schemas and topics."""

    def make(cls: type[ServiceSettings], **overrides) -> ServiceSettings:
        service = cls.model_fields["service"].default
        values = dict(
            database_url=stack.database_url, db_schema=f"{namespace}_{service}", kafka_topic_prefix=f"{namespace}.",
            kafka_bootstrap_servers=stack.kafka_bootstrap_servers, kafka_idempotent_producer=stack.idempotent_producer,
            kafka_session_timeout_ms=2000, kafka_heartbeat_interval_ms=500, kafka_topic_partitions=2,
            auth_key=signing_key[1], log_json=False, log_level="warning", relay_idle_seconds=0.02,
        )
        return cls(**{**values, **overrides})

    return make


@pytest.fixture
async def db(stack, namespace):
    """A connection to the test database; the test's schemas are dropped afterwards."""
    conn = await asyncpg.connect(stack.database_url)
    yield conn
    schemas = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", f"{namespace}%")
    for row in schemas:
        await conn.execute(f'DROP SCHEMA "{row["nspname"]}" CASCADE')
    await conn.close()


@pytest.fixture
async def pool_for(settings_for, db):
    """A migrated pool of any service, on the test's own schema, as the service's app would open it."""
    pools: list[asyncpg.Pool] = []

    async def make(service: str, **overrides) -> asyncpg.Pool:
        settings = settings_for(settings_class(service), **overrides)
        pools.append(await migrated_pool(settings, migrations_of(service)))
        return pools[-1]

    yield make
    for pool in pools:
        await pool.close()
