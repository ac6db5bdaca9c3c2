"""The CloudEvents 1.0 envelope every event is stored and published in, with the suite's extensions."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, TypeAdapter

from events.base import Event, event_from_stored
from events.ids import uuid7

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


@dataclass(frozen=True, slots=True)
class Envelope:
    """A structured-mode CloudEvent: the attribute names are the spec's, extensions lower-case.

    A plain dataclass, validated by pydantic only when it comes in from outside (the store, Kafka):
    building one for every append must cost next to nothing.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    id: UUID
    source: str
    type: str
    subject: str
    time: datetime
    dataschema: str
    data: dict[str, Any]
    streamversion: int
    recordedtime: datetime
    tenant: str
    actor: str
    correlationid: str
    schemaversion: int
    causationid: str | None = None
    specversion: str = "1.0"
    datacontenttype: str = "application/json"

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Envelope":
        return _ADAPTER.validate_json(raw)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "Envelope":
        return _ADAPTER.validate_python(document)

    def event(self) -> Event:
        return event_from_stored(self.type, self.schemaversion, self.data, self.time)

    def document(self) -> dict[str, Any]:
        """The JSON document, built by hand because it is on every append's path."""
        return {
            "specversion": self.specversion, "id": str(self.id), "source": self.source, "type": self.type,
            "subject": self.subject, "time": self.time.isoformat(), "datacontenttype": self.datacontenttype,
            "dataschema": self.dataschema, "data": self.data, "streamversion": self.streamversion,
            "recordedtime": self.recordedtime.isoformat(), "tenant": self.tenant, "actor": self.actor,
            "correlationid": self.correlationid, "causationid": self.causationid, "schemaversion": self.schemaversion,
        }


_ADAPTER = TypeAdapter(Envelope)


def envelope_json_schema() -> dict[str, Any]:
    return _ADAPTER.json_schema()


def schema_uri(event_type: str, version: int) -> str:
    return f"urn:helpdesk:schema:{event_type}:v{version}"


def wrap(event: Event, *, stream_id: str, stream_version: int, ctx: Context) -> Envelope:
    """The event in its envelope. `time` is the event's own business time `at` where it has one (an SLA mark
    reached while nobody looked, an install recorded days later); an event with none happened as it was recorded."""
    return Envelope(
        id=uuid7(),
        source="/" + event.event_type.split(".", 1)[0],
        type=event.event_type,
        subject=stream_id,
        time=getattr(event, "at", None) or ctx.recorded_at,
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
