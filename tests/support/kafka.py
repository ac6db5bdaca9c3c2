"""Reading and writing topics directly, to see what the relay published and to feed consumers by hand."""

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from events.settings import ServiceSettings


async def publish_raw(settings: ServiceSettings, topic: str, *values: bytes, key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_topic(settings: ServiceSettings, topic: str, count: int, *, within: float = 10.0) -> list:
    """The first `count` records of `topic` from the beginning (fewer if time runs out)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    records = []
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while len(records) < count:
                    for batch in (await consumer.getmany(timeout_ms=200)).values():
                        records.extend(batch)
    finally:
        await consumer.stop()
    return records
