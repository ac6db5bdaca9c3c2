"""Records as a consumer takes them off a topic, for applying a worker's handlers without a broker."""

from itertools import count

import orjson
from aiokafka.structs import ConsumerRecord

from events.consumer import Outcome, process_record
from events.envelope import Envelope
from events.projection import Projection

OFFSETS = count()


def record_of(envelope: Envelope, topic: str) -> ConsumerRecord:
    value, key = orjson.dumps(envelope.document()), envelope.subject.encode()
    return ConsumerRecord(topic, 0, next(OFFSETS), 0, 0, key, value, None, len(key), len(value), ())


async def deliver(pool, group: str, projection: Projection, envelope: Envelope, topic: str) -> Outcome:
    """The envelope as it comes off `topic`, through the group's dedupe and the projection's handlers."""
    return await process_record(pool, group, record_of(envelope, topic), projection.apply, attempts=1)
