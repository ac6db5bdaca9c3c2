"""What training does with the desk's tickets (consumer group `training.requests` over `tickets.events`): a ticket
of category `training_request` becomes a training request by itself, and each ticket a person opens is kept in
`person_tickets`, which tells the knowledge base which searches deflected nothing.

Idempotent both ways: the consumer skips a record it applied, and a ticket told again in another envelope finds
its request made (the request's id comes from the ticket's) and its row kept.
"""

import asyncpg
import structlog

from events import worker
from events.contracts.tickets import TicketOpened
from events.envelope import Context, Envelope
from events.projection import Projection
from training import training_requests
from training.domain.request_errors import TrainingAlreadyRequested
from training.domain.training_request import RequestTraining, request_id_for

log = structlog.get_logger()

GROUP = "training.requests"
TRAINING_CATEGORY = "training_request"  # one of the desk's standard categories (tickets.domain.policy)
# A technician cancelling the request at the same moment makes the append clash: the next attempt reloads.
ATTEMPTS = 5

projection = Projection()


@projection.on(TicketOpened)
async def ticket_opened(conn: asyncpg.Connection, ticket: TicketOpened, envelope: Envelope) -> None:
    await note_ticket(conn, ticket, envelope)
    if ticket.category == TRAINING_CATEGORY:
        await request_from_ticket(conn, ticket, envelope)


def subscription() -> worker.Subscription:
    return worker.Subscription(group=GROUP, services=("tickets",), handle=projection.apply, attempts=ATTEMPTS)


def context_of(envelope: Envelope) -> Context:
    """Who did it, for which tenant, in which conversation: the desk's, caused by its event."""
    return Context(
        tenant=envelope.tenant,
        actor=envelope.actor,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )


async def request_from_ticket(conn: asyncpg.Connection, ticket: TicketOpened, envelope: Envelope) -> None:
    """The ticket's training request: the requester's, on the ticket's subject, asked when the ticket was opened."""
    ctx = context_of(envelope)
    request_id = request_id_for(ctx.tenant, ticket.ticket_id)
    command = RequestTraining(
        request_id=request_id,
        person_id=ticket.requester_id,
        topic=ticket.subject,
        requested_by=ticket.opened_by or ticket.requester_id,
        at=ticket.at,
        note=ticket.description,
        ticket_id=ticket.ticket_id,
    )
    loaded = await training_requests.read_request(conn, request_id, ctx.tenant)
    try:
        await training_requests.request(conn, command, ctx, loaded=loaded)
    except TrainingAlreadyRequested:
        # The same ticket in another envelope (a store published again): its request is made already.
        log.info("training_already_requested", ticket_id=str(ticket.ticket_id), request_id=str(request_id))


async def note_ticket(conn: asyncpg.Connection, ticket: TicketOpened, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO person_tickets (ticket_id, tenant, person_id, opened_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (ticket_id) DO NOTHING",
        ticket.ticket_id,
        envelope.tenant,
        ticket.requester_id,
        ticket.at,
    )
