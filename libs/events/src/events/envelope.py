"""The CloudEvents 1.0 envelope every event is stored and published in, with the suite's extensions."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict

from events.base import Event, event_from_stored

CONTENT_TYPE = "application/cloudevents+json"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    """Who asks, for which tenant, in which conversation, and when: passed in, never looked up."""

    tenant: str
    actor: str
    correlation_id: str
    causation_id: str | None = None
    recorded_at: datetime = field(default_factory=utcnow)
    occurred_at: datetime | None = None  # when it happened in the world, if earlier than recorded

    @property
    def time(self) -> datetime:
        return self.occurred_at or self.recorded_at


class Envelope(BaseModel):
    """A structured-mode CloudEvent: the attribute names are the spec's, extensions lower-case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: UUID
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    dataschema: str
    data: dict[str, Any]
    streamversion: int
    recordedtime: datetime
    tenant: str
    actor: str
    correlationid: str
    causationid: str | None = None
    schemaversion: int

    @property
    def service(self) -> str:
        return self.type.split(".", 1)[0]

    def event(self) -> Event:
        return event_from_stored(self.type, self.schemaversion, self.data)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


def schema_uri(event_type: str, version: int) -> str:
    return f"urn:helpdesk:schema:{event_type}:v{version}"


def wrap(event: Event, *, stream_id: str, stream_version: int, ctx: Context) -> Envelope:
    return Envelope(
        id=uuid4(),
        source="/" + event.event_type.split(".", 1)[0],
        type=event.event_type,
        subject=stream_id,
        time=ctx.time,
        dataschema=schema_uri(event.event_type, event.schema_version),
        data=event.model_dump(mode="json"),
        streamversion=stream_version,
        recordedtime=ctx.recorded_at,
        tenant=ctx.tenant,
        actor=ctx.actor,
        correlationid=ctx.correlation_id,
        causationid=ctx.causation_id,
        schemaversion=event.schema_version,
    )
