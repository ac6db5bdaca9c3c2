"""Event classes, the registry, upcasting and the golden schema files, without I/O."""

import re
from datetime import UTC, datetime
from typing import ClassVar

import orjson
import pytest
from pydantic import ValidationError

from events import schemas
from events.base import Event, UnknownEventType, event_from_stored, registered_events
from events.contracts.tickets import TicketOpened
from events.envelope import Context, Envelope, wrap
from support.builders import CallerNamed, opened

SECRET_LIKE = re.compile(r"pass(word|code|phrase)?|secret|token|credential|private_?key|pin$", re.IGNORECASE)
STORED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_event_stored_as_v1_is_read_back_as_the_current_version():
    event = event_from_stored("testing.caller_named", 1, {"name": "Ada Lovelace"}, STORED_AT)
    assert event == CallerNamed(given="Ada", family="Lovelace")


def test_an_event_stored_at_the_current_version_is_not_upcast():
    event = event_from_stored("testing.caller_named", 3, {"given": "A", "family": "B"}, STORED_AT)
    assert event == CallerNamed(given="A", family="B")


def test_a_version_bump_without_its_upcaster_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match="lacks upcasters"):
        class Broken(Event):
            event_type: ClassVar[str] = "testing.broken"
            schema_version: ClassVar[int] = 2


def test_an_event_type_cannot_be_taken_by_a_second_class():
    with pytest.raises(TypeError, match="already used"):
        class Impostor(Event):
            event_type: ClassVar[str] = "tickets.ticket_opened"


def test_unknown_event_types_are_named_in_the_error():
    with pytest.raises(UnknownEventType, match=r"nowhere\.nothing_happened"):
        event_from_stored("nowhere.nothing_happened", 1, {}, STORED_AT)


def test_events_are_frozen_and_refuse_unknown_fields():
    event = opened()
    with pytest.raises(ValidationError):
        event.subject = "changed"
    with pytest.raises(ValidationError, match="password"):
        TicketOpened(**opened().model_dump(), password="hunter2")


def test_the_envelope_carries_cloudevents_attributes_and_the_suite_extensions():
    ctx = Context(tenant="ottawa", actor="alice", correlation_id="c-1", causation_id="cmd-1")
    envelope = wrap(opened(), stream_id="s-1", stream_version=1, ctx=ctx)
    document = envelope.document()
    for attribute in ("id", "source", "type", "specversion", "time", "subject", "datacontenttype", "dataschema",
                      "streamversion", "recordedtime", "tenant", "actor", "correlationid", "causationid",
                      "schemaversion"):
        assert document[attribute] is not None, attribute
    assert document["specversion"] == "1.0"
    assert (document["source"], document["type"]) == ("/tickets", "tickets.ticket_opened")
    assert Envelope.from_json(orjson.dumps(envelope.document())) == envelope


def test_an_install_recorded_later_keeps_both_times():
    ctx = Context(tenant="t", actor="a", correlation_id="c")
    earlier = ctx.recorded_at.replace(year=ctx.recorded_at.year - 1)
    envelope = wrap(opened(at=earlier), stream_id="s", stream_version=1, ctx=ctx)
    assert envelope.time == earlier and envelope.recordedtime > earlier


def test_an_event_without_a_business_time_happened_when_it_was_recorded():
    ctx = Context(tenant="t", actor="a", correlation_id="c", recorded_at=STORED_AT)
    envelope = wrap(CallerNamed(given="Ada", family="Lovelace"), stream_id="s", stream_version=1, ctx=ctx)
    assert envelope.time == envelope.recordedtime == STORED_AT


def test_an_events_own_business_time_is_its_envelopes_time():
    event = opened(at=STORED_AT)
    envelope = wrap(event, stream_id="s", stream_version=1, ctx=Context("t", "a", "c"))
    assert (envelope.time, envelope.event()) == (STORED_AT, event)


def test_golden_schema_files_match_every_published_event_class():
    published = schemas.published_events()
    assert published, "no event classes registered"
    for event_type, cls in published.items():
        for version in range(1, cls.schema_version + 1):
            assert schemas.golden_path(event_type, version).exists(), f"{event_type} v{version} golden file missing"
        golden = schemas.golden_path(event_type, cls.schema_version).read_text()
        assert golden == schemas.dump(schemas.schema_of(cls)), f"{event_type} changed without a version bump"


def test_the_asyncapi_document_is_generated_from_the_registry():
    assert schemas.ASYNCAPI_PATH.read_text() == schemas.dump(schemas.asyncapi())


def test_no_published_event_has_a_secret_like_field():
    for event_type, cls in registered_events().items():
        leaks = [name for name in cls.model_fields if SECRET_LIKE.search(name)]
        assert not leaks, f"{event_type} has secret-like fields {leaks}"


def test_an_added_optional_field_is_compatible_and_a_new_required_or_changed_field_is_not():
    golden = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    optional = {"properties": {"a": {"type": "string"}, "b": {"type": "integer", "default": 0}}, "required": ["a"]}
    required = {**optional, "required": ["a", "b"]}
    retyped = {"properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert schemas.compatible(golden, optional)
    assert not schemas.compatible(golden, required)
    assert not schemas.compatible(golden, retyped)
    assert not schemas.compatible(golden, {"properties": {}, "required": []})
