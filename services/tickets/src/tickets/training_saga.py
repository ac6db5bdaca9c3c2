"""The desk's side of the training saga: a ticket of category `training_request` is resolved, with a note, when the
training service records the training delivered for it (`training.training_delivered` naming the ticket)."""

import asyncpg
import structlog

from events.contracts.tickets import ResolutionCode
from events.contracts.training import TrainingDelivered
from events.envelope import Context, Envelope
from tickets import service
from tickets.domain.commands import Actor, ResolveTicket
from tickets.domain.ticket_state import Status

log = structlog.get_logger()


def context_of(envelope: Envelope) -> Context:
    """Who did it, for which tenant, in which conversation: training's, caused by its event."""
    return Context(
        tenant=envelope.tenant,
        actor=envelope.actor,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )


def resolution_note(delivered: TrainingDelivered) -> str:
    trainer = f" with {delivered.trainer_id}" if delivered.trainer_id else ""
    return (
        f"Training delivered on request: {delivered.topic}, {delivered.hours} h{trainer}"
        f" on {delivered.at:%Y-%m-%d} (training request {delivered.request_id})."
    )


async def resolve_ticket(conn: asyncpg.Connection, delivered: TrainingDelivered, envelope: Envelope) -> None:
    """Resolve the ticket as of the delivery; one already resolved (this delivery told twice, or a technician
    resolving it by hand meanwhile), closed or cancelled is left as it is, and so is a ticket the desk lacks."""
    ctx = context_of(envelope)
    ticket = await service.read_ticket(conn, delivered.ticket_id, ctx.tenant)
    if ticket.state.status is Status.NONE:
        log.warning(
            "training_ticket_unknown", ticket_id=str(delivered.ticket_id), delivery_id=str(delivered.delivery_id)
        )
        return
    if not ticket.state.is_open:
        log.info(
            "training_ticket_not_open",
            ticket_id=str(delivered.ticket_id),
            status=ticket.state.status,
            delivery_id=str(delivered.delivery_id),
        )
        return
    policy = (await service.load_policy(conn, ctx.tenant)).state
    by = Actor(delivered.trainer_id or envelope.actor, is_agent=True)
    command = ResolveTicket(ResolutionCode.USER_GUIDANCE, resolution_note(delivered), by, delivered.at)
    # Through the decider and the queue row, as a technician's resolution: the SLA clocks stop at `at`.
    await service.handle_ticket(conn, delivered.ticket_id, command, ctx, policy=policy, loaded=ticket)
