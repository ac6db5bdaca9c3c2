"""The tickets REST API: open, work and follow tickets; each transition a POST that honours If-Match."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from events import streams
from events.auth import AGENTS, DESK, Agent, Member, Participant, Principal
from events.contracts.tickets import Visibility
from events.envelope import Context, utcnow
from events.errors import Forbidden, NotFound, UnknownReference
from events.ids import uuid7
from events.streams import Stream
from events.web import Answer, CommandCall, Pool, answered
from tickets import service
from tickets.api.ticket_models import (
    AssignTicketRequest,
    CancelTicketRequest,
    ChangePriorityRequest,
    CommentRequest,
    EscalateTicketRequest,
    OpenTicketRequest,
    ProvideInformationRequest,
    RecordSatisfactionRequest,
    ReopenTicketRequest,
    RequestInformationRequest,
    ResolveTicketRequest,
    TicketResponse,
    TicketSummary,
    ticket_response,
)
from tickets.domain import commands as cmd
from tickets.domain import ticket_clocks
from tickets.domain.policy import DeskPolicy
from tickets.domain.ticket import TICKET
from tickets.domain.ticket_state import Ticket, Viewer

router = APIRouter(tags=["tickets"])

MakeCommand = Callable[[datetime, DeskPolicy], cmd.Command]


def actor(principal: Principal) -> cmd.Actor:
    return cmd.Actor(principal.user_id, is_agent=principal.has_any(AGENTS))


def viewer(principal: Principal) -> Viewer:
    return Viewer(principal.user_id, desk=principal.has_any(DESK))


def render(principal: Principal, ticket: Stream[Ticket], views) -> dict:
    response = ticket_response(ticket.state, ticket.version, ticket.history, views,
                               show_internal=viewer(principal).desk)
    return response.model_dump(mode="json")


async def transition(call: CommandCall, principal: Principal, ticket_id: UUID, make: MakeCommand) -> Response:
    """Decide `make(now, policy)` on the ticket the caller reaches, and answer the ticket as it is after it."""

    async def run(conn, ctx: Context) -> Answer:
        policy = (await service.load_policy(conn, ctx.tenant)).state
        done = await service.handle_ticket(conn, ticket_id, make(ctx.recorded_at, policy), ctx, policy=policy,
                                     viewer=viewer(principal), if_match=call.if_match)
        return Answer(render(principal, done, done.view), done.version)

    return await call.run(principal, run)


@router.post("/tickets", status_code=201, response_model=TicketResponse)
async def open_ticket(body: OpenTicketRequest, principal: Participant, call: CommandCall) -> Response:
    """Staff open tickets for themselves; technicians and managers may open one for a caller (`requester_id`)."""
    by = actor(principal)
    if body.requester_id not in (None, principal.user_id) and not by.is_agent:
        raise Forbidden("requester_id: only technicians and managers open tickets for someone else")
    requester = body.requester_id or principal.user_id

    async def run(conn, ctx: Context) -> Answer:
        policy = await _policy_with_category(conn, ctx.tenant, body.category)
        if body.linked_ticket_ids:
            await _check_linked(conn, ctx.tenant, body.linked_ticket_ids)
        command = cmd.OpenTicket(
            ticket_id=uuid7(), requester_id=requester, subject=body.subject, description=body.description,
            category=body.category, impact=body.impact, urgency=body.urgency, channel=body.channel,
            device_id=body.device_id, linked_ticket_ids=tuple(body.linked_ticket_ids), by=by, at=ctx.recorded_at,
        )
        done = await service.handle_ticket(conn, command.ticket_id, command, ctx, policy=policy,
                                     loaded=streams.fresh(TICKET))
        return Answer(render(principal, done, done.view), done.version, location=f"/tickets/{command.ticket_id}")

    return await call.run(principal, run)


async def _policy_with_category(conn, tenant: str, category: str) -> DeskPolicy:
    policy = (await service.load_policy(conn, tenant)).state
    if category not in policy.all_categories:
        raise UnknownReference("category", f"{category!r} is not one of {', '.join(policy.all_categories)}")
    return policy


async def _check_linked(conn, tenant: str, ticket_ids: list[UUID]) -> None:
    found = {row["ticket_id"] for row in await conn.fetch(
        "SELECT ticket_id FROM ticket_list WHERE tenant = $1 AND ticket_id = ANY($2::uuid[])", tenant, ticket_ids)}
    if missing := [str(t) for t in ticket_ids if t not in found]:
        raise UnknownReference("linked_ticket_ids", f"no such tickets {', '.join(missing)}")


@router.get("/tickets/{ticket_id}", response_model=TicketResponse)
async def get_ticket(ticket_id: UUID, pool: Pool, principal: Member) -> Response:
    async with pool.acquire() as conn:
        found = await service.read_ticket(conn, ticket_id, principal.tenant)
        policy = (await service.load_policy(conn, principal.tenant)).state
    if found.version == 0:
        raise NotFound(f"no ticket {ticket_id}")
    viewer(principal).must_see(found.state)
    return answered(render(principal, found, ticket_clocks.clocks(found.state, policy, utcnow())), found.version)


@router.get("/tickets", response_model=list[TicketSummary])
async def my_tickets(
    pool: Pool, principal: Participant,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[TicketSummary]:
    """The caller's own tickets, newest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT ticket_id AS id, subject, category, priority, status, assignee_id, group_name AS group,"
            " response_due_at, resolution_due_at, response_breaches_at, resolution_breaches_at, sla_state,"
            " opened_at, updated_at, version FROM ticket_list"
            " WHERE tenant = $1 AND requester_id = $2 ORDER BY opened_at DESC, ticket_id LIMIT $3 OFFSET $4",
            principal.tenant, principal.user_id, limit, offset,
        )
    return [TicketSummary(**row) for row in rows]


def _post(path: str):
    return router.post(f"/tickets/{{ticket_id}}/{path}", response_model=TicketResponse, name=path)


@_post("acknowledge")
async def acknowledge(ticket_id: UUID, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id, lambda at, _: cmd.AcknowledgeTicket(actor(principal), at))


@_post("assign")
async def assign(ticket_id: UUID, body: AssignTicketRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.AssignTicket(body.assignee_id, body.group, actor(principal), at))


@_post("comments")
async def comment(ticket_id: UUID, body: CommentRequest, principal: Participant, call: CommandCall):
    def make(at, _) -> cmd.Command:
        return cmd.CommentOnTicket(uuid7(), body.body, body.visibility or Visibility.PUBLIC, actor(principal), at)

    return await transition(call, principal, ticket_id, make)


@_post("request-information")
async def request_information(ticket_id: UUID, body: RequestInformationRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.RequestInformation(body.question, actor(principal), at))


@_post("provide-information")
async def provide_information(
    ticket_id: UUID, body: ProvideInformationRequest, principal: Participant, call: CommandCall
):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.ProvideInformation(body.answer, actor(principal), at))


@_post("escalate")
async def escalate(ticket_id: UUID, body: EscalateTicketRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.EscalateTicket(body.group, body.level, body.reason, actor(principal), at))


@_post("priority")
async def change_priority(ticket_id: UUID, body: ChangePriorityRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.ChangePriority(body.priority, body.reason, actor(principal), at))


@_post("resolve")
async def resolve(ticket_id: UUID, body: ResolveTicketRequest, principal: Agent, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.ResolveTicket(body.resolution_code, body.note, actor(principal), at,
                                                            body.article_id))


@_post("confirm")
async def confirm(ticket_id: UUID, principal: Participant, call: CommandCall):
    return await transition(call, principal, ticket_id, lambda at, _: cmd.ConfirmResolution(actor(principal), at))


@_post("reopen")
async def reopen(ticket_id: UUID, body: ReopenTicketRequest, principal: Participant, call: CommandCall):
    def make(at, policy: DeskPolicy) -> cmd.Command:
        return cmd.ReopenTicket(body.reason, policy.reopen_window_days, actor(principal), at)

    return await transition(call, principal, ticket_id, make)


@_post("cancel")
async def cancel(ticket_id: UUID, body: CancelTicketRequest, principal: Participant, call: CommandCall):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.CancelTicket(body.reason, actor(principal), at))


@_post("satisfaction")
async def record_satisfaction(
    ticket_id: UUID, body: RecordSatisfactionRequest, principal: Participant, call: CommandCall
):
    return await transition(call, principal, ticket_id,
                            lambda at, _: cmd.RecordSatisfaction(body.score, body.comment, actor(principal), at))
