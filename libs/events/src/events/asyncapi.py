"""The AsyncAPI 3 document of the suite's events, built from the schema registry (`make schemas` writes it).

Each event version's JSON Schema becomes one component schema, its `$defs` hoisted beside it so that
every `$ref` resolves from the document's root (a schema's own `$id` would make them relative to it).
"""

from typing import Any

from events.base import Event
from events.contracts import SERVICES
from events.envelope import CONTENT_TYPE, envelope_json_schema

ASYNCAPI_VERSION = "3.1.0"
KAFKA_BINDING_VERSION = "0.5.0"
COMPONENT = "#/components/schemas/"
STREAM_KEY = {"type": "string", "description": "the stream id: a stream's events share a partition, in order"}
SERVERS = {
    "production": {"host": "kafka:9092", "protocol": "kafka", "description": "Kafka in docker-compose.yml"},
    "development": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "the dev broker of `make run`"},
}
PROJECTOR_GROUP = "metrics.projector"


def asyncapi_document(events: dict[str, type[Event]], schema_of) -> dict[str, Any]:
    """Channels per service topic, a message per event type, who sends and who receives them."""
    schemas: dict[str, Any] = {"CloudEvent": envelope_json_schema()}
    messages = {cls.event_type: _message(cls, schema_of(cls), schemas) for cls in events.values()}
    channels = {service: _channel(service, messages) for service in SERVICES}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "Municipal IT helpdesk events", "version": "1.0.0",
                 "description": "CloudEvents 1.0 in structured mode on `<service>.events`, keyed by stream id."},
        "defaultContentType": CONTENT_TYPE,
        "servers": SERVERS,
        "channels": channels,
        "operations": _operations(channels),
        "components": {"messages": messages, "schemas": schemas},
    }


def _operations(channels: dict[str, Any]) -> dict[str, Any]:
    relays = {f"{service}.relay": _relay(service, channel) for service, channel in channels.items()}
    projector = {f"{PROJECTOR_GROUP}.{service}": _projector(service, channel) for service, channel in channels.items()}
    return relays | projector


def _message(cls: type[Event], schema: dict, schemas: dict[str, Any]) -> dict[str, Any]:
    name = f"{cls.event_type}.v{cls.schema_version}"
    schemas[name] = _hoisted(schema, schemas)
    return {
        "name": cls.event_type,
        "title": cls.__name__,
        "summary": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
        "contentType": CONTENT_TYPE,
        "payload": {"allOf": [{"$ref": f"{COMPONENT}CloudEvent"},
                              {"type": "object", "properties": {"data": {"$ref": f"{COMPONENT}{name}"}}}]},
        "bindings": {"kafka": {"key": STREAM_KEY, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _hoisted(schema: dict, schemas: dict[str, Any]) -> dict[str, Any]:
    """The schema without `$defs`, each definition moved into `schemas` (under another name if one differs)."""
    defs = schema.get("$defs", {})
    names = {name: _free_name(name, definition, schemas, schema["x-event-type"]) for name, definition in defs.items()}
    for name, definition in defs.items():
        schemas[names[name]] = _with_refs(definition, names)
    hoisted = {k: v for k, v in schema.items() if k not in ("$id", "$defs")}
    return _with_refs(hoisted, names) | {"x-schema-id": schema["$id"]}  # the envelope's `dataschema`


def _free_name(name: str, definition: dict, schemas: dict[str, Any], owner: str) -> str:
    return name if schemas.get(name, definition) == definition else f"{owner}.{name}"


def _with_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return {**node, "$ref": COMPONENT + names[ref.removeprefix("#/$defs/")]}
        return {key: _with_refs(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_refs(item, names) for item in node]
    return node


def _channel(service: str, messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": f"{service}.events",
        "description": f"Every event the {service} service records, in its store's order per stream.",
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages
                     if name.startswith(f"{service}.")},
        "bindings": {"kafka": {"topic": f"{service}.events", "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _relay(service: str, channel: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{service}"},
        "summary": f"The {service} service's outbox relay publishes its event store, at least once.",
        "messages": _channel_messages(service, channel),
    }


def _projector(service: str, channel: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{service}"},
        "summary": "The metrics projector applies each event once, into the audit history and the KPIs.",
        "messages": _channel_messages(service, channel),
        "bindings": {"kafka": {"groupId": {"type": "string", "enum": [PROJECTOR_GROUP]},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _channel_messages(service: str, channel: dict[str, Any]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{service}/messages/{name}"} for name in channel["messages"]]
