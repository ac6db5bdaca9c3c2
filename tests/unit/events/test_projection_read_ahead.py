"""A replay parses the next batch's events while Postgres writes this one (`Projection.read`): handlers get the
events read ahead, each parsed once, and an event that does not parse still fails its own batch."""

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.contracts.tickets import Channel, Level, Priority, TicketAssigned, TicketOpened
from events.envelope import Context, wrap
from events.projection import Projection

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def opened() -> TicketOpened:
    return TicketOpened(ticket_id=uuid4(), requester_id="alice", subject="Printer jam", description="Tray 2",
                        category="hardware", impact=Level.LOW, urgency=Level.HIGH, priority=Priority.P3,
                        channel=Channel.WEB, at=AT)  # fmt: skip


def envelope_of(event, version: int = 1):
    return wrap(event, stream_id=str(uuid4()), stream_version=version, ctx=Context("city", "alice", "c", None, AT))


def seen_by_handlers() -> tuple[Projection, list]:
    projection, seen = Projection(), []

    @projection.on_events(TicketOpened, TicketAssigned)
    async def keep(conn, events):
        seen.extend(events)

    return projection, seen


async def test_handlers_get_the_events_read_ahead_not_parsed_again():
    projection, seen = seen_by_handlers()
    envelopes = [envelope_of(opened()), envelope_of(TicketAssigned(assignee_id="tom", group="desk", at=AT), 2)]
    read = projection.read(envelopes)
    await projection.apply_batch(None, envelopes, read=read)
    assert [event for event, _ in seen] == list(read.values())
    assert all(event is read[id(envelope)] for event, envelope in seen)


async def test_an_event_that_does_not_parse_is_left_out_and_fails_its_batch_when_applied():
    projection, seen = seen_by_handlers()
    good = envelope_of(opened())
    bad = dataclasses.replace(envelope_of(opened()), data={"ticket_id": "not a uuid"})
    read = projection.read([good, bad])
    assert list(read) == [id(good)]
    with pytest.raises(ValueError, match="ticket_id"):
        await projection.apply_batch(None, [good, bad], read=read)
    assert seen == []
