"""What leaves a service on Kafka: CloudEvents with tenant, actor and correlation, and never a secret."""

import re

import orjson

from support.builders import ticket_request
from support.kafka import read_topic

SECRET_LIKE = re.compile(r"pass(word|code|phrase)?|secret|token|credential|private_?key|^pin$", re.IGNORECASE)
BEARER_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.")  # a JWT pasted into a field


def keys_of(document) -> list[str]:
    if isinstance(document, dict):
        return [*document, *(k for v in document.values() for k in keys_of(v))]
    if isinstance(document, list):
        return [k for v in document for k in keys_of(v)]
    return []


async def test_published_payloads_carry_no_secret_like_field_or_token(suite, tokens):
    staff = tokens.headers("staff")
    for n in range(3):
        assert (await suite.tickets.post("/tickets", json=ticket_request(subject=f"S{n}"), headers=staff)).is_success
    settings = suite.settings["tickets"]
    records = await read_topic(settings, settings.topic("tickets"), 3)
    assert len(records) == 3
    for record in records:
        assert not BEARER_LIKE.search(record.value.decode())
        document = orjson.loads(record.value)
        assert not [k for k in keys_of(document) if SECRET_LIKE.search(k)]
        assert (document["tenant"], document["actor"]) == (tokens.tenant, "alice")
        assert document["correlationid"]
