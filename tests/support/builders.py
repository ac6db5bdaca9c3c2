"""Builders of events and requests with sensible defaults, and a versioned event for upcasting tests."""

from datetime import UTC, datetime
from typing import ClassVar
from uuid import uuid4

from events.base import Event
from events.contracts.tickets import Level, Priority, TicketOpened
from events.settings import ServiceSettings

OPENED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class CallerNamed(Event):
    """A test event that renamed `name` to `display_name` in v2 and split it in v3."""

    event_type: ClassVar[str] = "testing.caller_named"
    schema_version: ClassVar[int] = 3
    upcasters: ClassVar = {
        1: lambda d, _: {"display_name": d["name"]},
        2: lambda d, _: dict(zip(("given", "family"), d["display_name"].split(" ", 1), strict=True)),
    }

    given: str
    family: str


class RelaySettings(ServiceSettings):
    """A store and relay of the tickets service's shape, for tests of the spine alone."""

    service: str = "tickets"


def opened(**overrides) -> TicketOpened:
    fields = dict(ticket_id=uuid4(), requester_id="alice", subject="Printer jam", description="Tray 2",
                  category="hardware", impact=Level.LOW, urgency=Level.HIGH, priority=Priority.P3, at=OPENED_AT)
    return TicketOpened(**{**fields, **overrides})


def ticket_request(**overrides) -> dict:
    body = dict(subject="Monitor flickers", description="Second screen at desk 4B", category="hardware",
                impact="medium", urgency="medium")
    return {**body, **overrides}


def device_request(**overrides) -> dict:
    """A device to register: a laptop with storage, under a tag of its own."""
    return {"asset_tag": f"CITY-{uuid4().hex[:8]}", "kind": "laptop", "holds_storage": True, **overrides}


def work_order_request(**overrides) -> dict:
    return {"title": "Replace fuser", "description": "3rd floor printer", **overrides}
