"""The tickets REST API: request and response models, routes, and domain errors as problem documents."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from events.app import Pool
from events.auth import Principal, Role, requires
from events.contracts.tickets import Level, Priority
from events.http import context_for
from events.idempotency import MAX_KEY_LENGTH, Outcome, fingerprint, run_once
from events.ids import uuid7
from tickets import service
from tickets.domain import OpenTicket, Status, Ticket

router = APIRouter(tags=["tickets"])

MAX_DESCRIPTION = 20_000


class Category(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    NETWORK = "network"
    ACCOUNT_ACCESS = "account_access"
    PASSWORD_RESET = "password_reset"
    SECURITY = "security"
    TRAINING_REQUEST = "training_request"
    OTHER = "other"


class OpenTicketRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    category: Category
    impact: Level
    urgency: Level


class TicketResponse(BaseModel):
    id: UUID
    status: Status
    requester_id: str
    subject: str
    description: str
    category: str
    impact: Level
    urgency: Level
    priority: Priority
    opened_at: datetime
    updated_at: datetime
    version: int


class TicketSummary(BaseModel):
    id: UUID
    subject: str
    category: str
    priority: Priority
    status: Status
    opened_at: datetime
    updated_at: datetime
    version: int


def _response(ticket: Ticket, opened_at: datetime, updated_at: datetime, version: int) -> TicketResponse:
    return TicketResponse(
        id=ticket.ticket_id, status=ticket.status, requester_id=ticket.requester_id, subject=ticket.subject,
        description=ticket.description, category=ticket.category, impact=ticket.impact, urgency=ticket.urgency,
        priority=ticket.priority, opened_at=opened_at, updated_at=updated_at, version=version,
    )


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH)]


@router.post("/tickets", status_code=201, response_model=TicketResponse)
async def open_ticket(
    body: OpenTicketRequest,
    request: Request,
    pool: Pool,
    principal: Annotated[Principal, requires(Role.STAFF)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    ctx = context_for(request, principal)
    command = OpenTicket(ticket_id=uuid7(), requester_id=principal.user_id, **body.model_dump())

    async def run(conn) -> Outcome:
        ticket, envelopes = await service.open_ticket(conn, command, ctx)
        last = envelopes[-1]
        body = _response(ticket, last.time, last.time, last.streamversion).model_dump(mode="json")
        return Outcome(201, body, {"Location": f"/tickets/{command.ticket_id}", "ETag": f'"{last.streamversion}"'})

    request_hash = fingerprint("POST", "/tickets", body.model_dump(mode="json"))
    outcome = await run_once(pool, principal.tenant, idempotency_key, request_hash, run)
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=outcome.headers)


@router.get("/tickets/{ticket_id}", response_model=TicketResponse)
async def get_ticket(
    ticket_id: UUID,
    pool: Pool,
    principal: Annotated[Principal, requires(Role.STAFF, Role.TECHNICIAN, Role.MANAGER, Role.AUDITOR)],
) -> JSONResponse:
    async with pool.acquire() as conn:
        ticket, envelopes = await service.load_ticket(conn, ticket_id, principal.tenant)
    if not envelopes or not _may_see(principal, ticket):
        raise HTTPException(404, f"no ticket {ticket_id}")
    body = _response(ticket, envelopes[0].time, envelopes[-1].time, envelopes[-1].streamversion)
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": f'"{envelopes[-1].streamversion}"'})


def _may_see(principal: Principal, ticket: Ticket) -> bool:
    """Staff see their own tickets; everyone else with a reading role sees the tenant's."""
    return principal.has_any((Role.TECHNICIAN, Role.MANAGER, Role.AUDITOR)) or ticket.requester_id == principal.user_id


@router.get("/tickets", response_model=list[TicketSummary])
async def my_tickets(
    pool: Pool,
    principal: Annotated[Principal, requires(Role.STAFF, Role.TECHNICIAN, Role.MANAGER)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[TicketSummary]:
    async with pool.acquire() as conn:
        rows = await service.tickets_of(conn, principal.tenant, principal.user_id, limit, offset)
    return [TicketSummary(**row) for row in rows]
