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
    return wrap(ticket_opened(), stream_id=str(uuid4()), stream_version=1, ctx=context()).document()


def append_sample() -> tuple[str, list]:
    """store.append's statement and arguments for one event, built once."""
    # The private helper is the point: this is exactly what append sends.
    return store._insert(store.envelopes_for(str(uuid4()), 0, [ticket_opened()], context()))
