"""Kafka clients configured from settings, and explicit topic creation at start-up."""

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from events.contracts import SERVICES
from events.settings import ServiceSettings

log = structlog.get_logger()


def all_topics(settings: ServiceSettings) -> list[str]:
    return [settings.topic(service) for service in SERVICES]


def producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service}.relay",
        acks="all",
        enable_idempotence=settings.kafka_idempotent_producer,
        linger_ms=2,
        request_timeout_ms=10000,
        max_request_size=settings.kafka_max_request_size,
    )


def consumer(settings: ServiceSettings, group_id: str | None, *topics: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=group_id or settings.service,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        metadata_max_age_ms=5000,
    )


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create the topics the suite uses; the dev broker forgets them on restart, so always ask."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [_new_topic(settings, t) for t in topics if t not in existing]
        if wanted:
            await _create(admin, wanted)
    finally:
        await admin.close()


def _new_topic(settings: ServiceSettings, name: str) -> NewTopic:
    return NewTopic(name, settings.kafka_topic_partitions, settings.kafka_topic_replication)


async def _create(admin: AIOKafkaAdminClient, wanted: list[NewTopic]) -> None:
    with contextlib.suppress(TopicAlreadyExistsError):  # a replica starting at the same moment won
        await admin.create_topics(wanted)
    log.info("topics_created", topics=[t.name for t in wanted])


async def wait_for_topics(settings: ServiceSettings, topics: list[str], *, attempts: int = 0) -> None:
    """Retry topic creation until the broker answers; `attempts` 0 means forever."""
    tried = 0
    while True:
        try:
            return await ensure_topics(settings, topics)
        except (KafkaError, OSError) as error:
            tried += 1
            if attempts and tried >= attempts:
                raise
            log.warning("broker_unavailable", error=repr(error))
            await asyncio.sleep(min(5.0, 0.5 * tried))
