"""Records as a consumer takes them off a topic, for applying a worker's handlers without a broker."""

from itertools import count

import orjson
from aiokafka.structs import ConsumerRecord

from events.consumer import Outcome, process_batch, process_record
from events.envelope import Envelope
from events.projection import Projection

OFFSETS = count()


def record_of(envelope: Envelope, topic: str) -> ConsumerRecord:
    value, key = orjson.dumps(envelope.document()), envelope.subject.encode()
    return ConsumerRecord(topic, 0, next(OFFSETS), 0, 0, key, value, None, len(key), len(value), ())


async def deliver(pool, group: str, projection: Projection, envelope: Envelope, topic: str) -> Outcome:
    """The envelope as it comes off `topic`, through the group's dedupe and the projection's handlers."""
    return await process_record(pool, group, record_of(envelope, topic), projection.apply, attempts=1)


async def deliver_batch(pool, group: str, projection: Projection, envelopes, topic: str) -> list[Outcome]:
    """The envelopes as one fetch off `topic`, applied in one transaction through the group's dedupe and the
    projection's handlers (one by one if the batch fails, as a consumer does)."""
    records = [record_of(envelope, topic) for envelope in envelopes]
    return await process_batch(pool, group, records, projection.apply, handle_batch=projection.apply_batch)
