"""The tickets REST API: open, work and follow tickets; each transition a POST that honours If-Match."""

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter, Depends, Header, Query, Request, Response

from events.app import Pool
from events.auth import Principal, Role, requires
from events.commands import Decided
from events.contracts.tickets import SlaClock, Visibility
from events.envelope import utcnow
from events.http import IfMatch, context_for, etag
from events.idempotency import MAX_KEY_LENGTH, Outcome, fingerprint, run_once
from events.ids import uuid7
from tickets import service
from tickets.domain import commands as cmd
from tickets.domain import ticket_clocks
from tickets.domain.errors import NotFound
from tickets.domain.policy import DeskPolicy
from tickets.domain.sla import ClockView
from tickets.domain.ticket import Ticket
from tickets.models import (
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

router = APIRouter(tags=["tickets"])

AGENT_ROLES = (Role.TECHNICIAN, Role.MANAGER)
Agent = Annotated[Principal, requires(*AGENT_ROLES)]
Participant = Annotated[Principal, requires(Role.STAFF, *AGENT_ROLES)]
Reader = Annotated[Principal, requires(Role.STAFF, Role.TECHNICIAN, Role.MANAGER, Role.AUDITOR)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH)]


def actor(principal: Principal) -> cmd.Actor:
    return cmd.Actor(principal.user_id, is_agent=principal.has_any(AGENT_ROLES))


def sees_everything(principal: Principal) -> bool:
    return principal.has_any((*AGENT_ROLES, Role.AUDITOR))


def guard_for(principal: Principal, ticket_id: UUID):
    """Staff reach only their own tickets: anyone else's does not exist for them."""

    def guard(state: Ticket) -> None:
        if not sees_everything(principal) and state.requester_id != principal.user_id:
            raise NotFound(f"no ticket {ticket_id}")

    return guard


def render(principal: Principal, decided: Decided[Ticket], views: dict[SlaClock, ClockView]) -> TicketResponse:
    desk = principal.has_any((*AGENT_ROLES, Role.AUDITOR))
    return ticket_response(decided.state, decided.version, decided.history, views, show_internal=desk)


@dataclass(frozen=True)
class TransitionCall:
    """What every transition route needs besides its body and caller."""

    request: Request
    response: Response
    pool: asyncpg.Pool
    if_match: int | None


async def _transition_call(request: Request, response: Response, pool: Pool, if_match: IfMatch) -> TransitionCall:
    return TransitionCall(request, response, pool, if_match)


Call = Annotated[TransitionCall, Depends(_transition_call)]


async def transition(
    call: TransitionCall, principal: Principal, ticket_id: UUID, command, policy: DeskPolicy | None = None
) -> TicketResponse:
    ctx = context_for(call.request, principal)
    async with call.pool.acquire() as conn, conn.transaction():
        done = await service.execute(conn, ticket_id, command, ctx, if_match=call.if_match,
                                     guard=guard_for(principal, ticket_id), policy=policy)
    call.response.headers["ETag"] = etag(done.decided.version)
    return render(principal, done.decided, done.clocks)


@router.post("/tickets", status_code=201, response_model=TicketResponse)
async def open_ticket(body: OpenTicketRequest, request: Request, pool: Pool, principal: Participant,
                      idempotency_key: IdempotencyKey = None) -> Response:
    """Staff open tickets for themselves; technicians and managers may open one for a caller (`requester_id`)."""
    ctx, by = context_for(request, principal), actor(principal)
    requester = body.requester_id if by.is_agent and body.requester_id else principal.user_id
    command = cmd.OpenTicket(
        ticket_id=uuid7(), requester_id=requester, subject=body.subject, description=body.description,
        category=body.category, impact=body.impact, urgency=body.urgency, channel=body.channel,
        device_id=body.device_id, linked_ticket_ids=tuple(body.linked_ticket_ids), by=by, at=ctx.recorded_at,
    )

    async def run(conn) -> Outcome:
        policy = await _policy_with_category(conn, principal.tenant, body.category)
        if body.linked_ticket_ids:
            await _check_linked(conn, principal.tenant, body.linked_ticket_ids)
        done = await service.execute(conn, command.ticket_id, command, ctx, policy=policy)
        rendered = render(principal, done.decided, done.clocks).model_dump(mode="json")
        headers = {"Location": f"/tickets/{command.ticket_id}", "ETag": etag(done.decided.version)}
        return Outcome(201, rendered, headers)

    request_hash = fingerprint("POST", "/tickets", body.model_dump(mode="json"))
    outcome = await run_once(pool, principal.tenant, idempotency_key, request_hash, run)
    return Response(orjson.dumps(outcome.body), status_code=outcome.status_code, headers=outcome.headers,
                    media_type="application/json")


async def _policy_with_category(conn, tenant: str, category: str) -> DeskPolicy:
    policy, _ = await service.load_policy(conn, tenant)
    if category not in policy.all_categories:
        raise UnknownReference(f"category: {category!r} is not one of {', '.join(policy.all_categories)}")
    return policy


async def _check_linked(conn, tenant: str, ticket_ids: list[UUID]) -> None:
    found = {row["ticket_id"] for row in await conn.fetch(
        "SELECT ticket_id FROM ticket_list WHERE tenant = $1 AND ticket_id = ANY($2::uuid[])", tenant, ticket_ids)}
    missing = [str(t) for t in ticket_ids if t not in found]
    if missing:
        raise UnknownReference(f"linked_ticket_ids: no such tickets {', '.join(missing)}")


class UnknownReference(ValueError):
    """Answered as 422: the body named a category or a linked ticket the tenant does not have."""


@router.get("/tickets/{ticket_id}", response_model=TicketResponse)
async def get_ticket(ticket_id: UUID, pool: Pool, principal: Reader, response: Response) -> TicketResponse:
    async with pool.acquire() as conn:
        found = await service.read_ticket(conn, ticket_id, principal.tenant)
        policy, _ = await service.load_policy(conn, principal.tenant)
    if found.version == 0:
        raise NotFound(f"no ticket {ticket_id}")
    guard_for(principal, ticket_id)(found.state)
    response.headers["ETag"] = etag(found.version)
    return render(principal, found, ticket_clocks.clocks(found.state, policy, utcnow()))


@router.get("/tickets", response_model=list[TicketSummary])
async def my_tickets(
    pool: Pool, principal: Participant,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[TicketSummary]:
    """The caller's own tickets, newest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT ticket_id AS id, subject, category, priority, status, assignee_id, group_name AS group,"
            " response_due_at, resolution_due_at, sla_state, opened_at, updated_at, version FROM ticket_list"
            " WHERE tenant = $1 AND requester_id = $2 ORDER BY opened_at DESC, ticket_id LIMIT $3 OFFSET $4",
            principal.tenant, principal.user_id, limit, offset,
        )
    return [TicketSummary(**row) for row in rows]


def _post(path: str):
    return router.post(f"/tickets/{{ticket_id}}/{path}", response_model=TicketResponse, name=path)


@_post("acknowledge")
async def acknowledge(ticket_id: UUID, principal: Agent, call: Call):
    return await transition(call, principal, ticket_id, cmd.AcknowledgeTicket(actor(principal), utcnow()))


@_post("assign")
async def assign(ticket_id: UUID, body: AssignTicketRequest, principal: Agent, call: Call):
    command = cmd.AssignTicket(body.assignee_id, body.group, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("comments")
async def comment(ticket_id: UUID, body: CommentRequest, principal: Participant, call: Call):
    command = cmd.CommentOnTicket(uuid7(), body.body, body.visibility or Visibility.PUBLIC, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("request-information")
async def request_information(ticket_id: UUID, body: RequestInformationRequest, principal: Agent, call: Call):
    command = cmd.RequestInformation(body.question, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("provide-information")
async def provide_information(ticket_id: UUID, body: ProvideInformationRequest, principal: Participant, call: Call):
    command = cmd.ProvideInformation(body.answer, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("escalate")
async def escalate(ticket_id: UUID, body: EscalateTicketRequest, principal: Agent, call: Call):
    command = cmd.EscalateTicket(body.group, body.level, body.reason, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("priority")
async def change_priority(ticket_id: UUID, body: ChangePriorityRequest, principal: Agent, call: Call):
    command = cmd.ChangePriority(body.priority, body.reason, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("resolve")
async def resolve(ticket_id: UUID, body: ResolveTicketRequest, principal: Agent, call: Call):
    command = cmd.ResolveTicket(body.resolution_code, body.note, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("confirm")
async def confirm(ticket_id: UUID, principal: Participant, call: Call):
    command = cmd.ConfirmResolution(actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("reopen")
async def reopen(ticket_id: UUID, body: ReopenTicketRequest, principal: Participant, call: Call):
    async with call.pool.acquire() as conn:
        policy, _ = await service.load_policy(conn, principal.tenant)
    command = cmd.ReopenTicket(body.reason, policy.reopen_window_days, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command, policy)


@_post("cancel")
async def cancel(ticket_id: UUID, body: CancelTicketRequest, principal: Participant, call: Call):
    command = cmd.CancelTicket(body.reason, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)


@_post("satisfaction")
async def record_satisfaction(ticket_id: UUID, body: RecordSatisfactionRequest, principal: Participant, call: Call):
    command = cmd.RecordSatisfaction(body.score, body.comment, actor(principal), utcnow())
    return await transition(call, principal, ticket_id, command)
