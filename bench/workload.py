"""The one event every write benchmark stores: a ticket opened, in the suite's CloudEvents envelope."""

from uuid import uuid4

from events import store
from events.contracts.tickets import Level, Priority, TicketOpened
from events.envelope import Context, wrap

TENANT = "bench"
ACTOR = "bench-user"


def ticket_opened() -> TicketOpened:
    return TicketOpened(
        ticket_id=uuid4(), requester_id=ACTOR, subject="Printer jam",
        description="Tray 2 on the 3rd floor jams on every duplex job.", category="hardware",
        impact=Level.LOW, urgency=Level.HIGH, priority=Priority.P3,
    )  # fmt: skip


def context() -> Context:
    return Context(tenant=TENANT, actor=ACTOR, correlation_id=uuid4().hex)


def envelope_json() -> dict:
    """The stored envelope of one event, as the plain-INSERT ceiling writes it."""
    return wrap(ticket_opened(), stream_id=str(uuid4()), stream_version=1, ctx=context()).model_dump(mode="json")


def envelopes_sample() -> list[list]:
    """store.append's column arrays for one event, built once."""
    # The private helpers are the point: these are exactly the arrays append sends.
    return store._columns(store.envelopes_for(str(uuid4()), 0, [ticket_opened()], context()))
