"""The desk's own views and settings: the technicians' queue, the tenant's desk policy, and SLA what-ifs."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from events.auth import Desk, Manager, Member
from events.contracts.tickets import Priority, SlaClock
from events.envelope import Context, utcnow
from events.errors import Unprocessable
from events.web import Answer, CommandCall, Pool, answered
from tickets import service
from tickets.api.policy_models import (
    BreachCounts,
    CategoriesResponse,
    DeskPolicyResponse,
    SetDeskPolicyRequest,
    WhatIfRequest,
    WhatIfResponse,
    policy_body,
)
from tickets.api.ticket_models import TicketSummary
from tickets.domain import ticket_clocks
from tickets.domain.policy import DeskPolicy, check_policy
from tickets.domain.ticket_state import OPEN, Status, Ticket

router = APIRouter(tags=["desk"])

MAX_WHAT_IF_TICKETS = 5000
OPEN_STATUSES = [status for status in Status if status in OPEN]

_QUEUE = """
SELECT ticket_id AS id, subject, category, priority, status, assignee_id, group_name AS group, response_due_at,
       resolution_due_at, response_breaches_at, resolution_breaches_at, sla_state, opened_at, updated_at, version
FROM ticket_list
WHERE tenant = $1 AND status = ANY($2::text[])
  AND ($3::text[] IS NULL OR priority = ANY($3::text[]))
  AND ($4::text IS NULL OR group_name = $4)
  AND ($5::text IS NULL OR assignee_id = $5 OR ($5 = 'unassigned' AND assignee_id IS NULL))
  AND ($6::text IS NULL OR category = $6)
  AND ($7::timestamptz IS NULL OR least(response_due_at, resolution_due_at) <= $7)
  AND ($8::text IS NULL OR search @@ websearch_to_tsquery('simple', $8))
ORDER BY least(response_due_at, resolution_due_at) NULLS LAST, priority, opened_at, ticket_id
LIMIT $9 OFFSET $10
"""


@router.get("/queue", response_model=list[TicketSummary])
async def queue(
    pool: Pool,
    principal: Desk,
    status: Annotated[list[Status] | None, Query(max_length=8)] = None,
    priority: Annotated[list[Priority] | None, Query(max_length=4)] = None,
    group: Annotated[str | None, Query(max_length=200)] = None,
    assignee: Annotated[str | None, Query(max_length=200, description="a technician id, or 'unassigned'")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    breaching_within_hours: Annotated[float | None, Query(
        ge=0, le=24 * 365, description="only tickets with an SLA deadline (`due_at`) within this many hours or past")
    ] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="full-text search")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[TicketSummary]:
    """Open tickets (or those of `status`), the most urgent SLA first."""
    horizon = utcnow() + timedelta(hours=breaching_within_hours) if breaching_within_hours is not None else None
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            _QUEUE, principal.tenant, status or OPEN_STATUSES, priority, group, assignee, category, horizon, q,
            limit, offset,
        )
    return [TicketSummary(**row) for row in rows]


@router.get("/desk-policy", response_model=DeskPolicyResponse)
async def get_desk_policy(pool: Pool, principal: Member) -> Response:
    async with pool.acquire() as conn:
        policy = await service.load_policy(conn, principal.tenant)
    return answered(policy_body(policy.state), policy.version)


@router.get("/categories", response_model=CategoriesResponse)
async def ticket_categories(pool: Pool, principal: Member) -> CategoriesResponse:
    """What a ticket may be opened with: the standard categories, then the desk's own."""
    async with pool.acquire() as conn:
        policy = await service.load_policy(conn, principal.tenant)
    return CategoriesResponse(categories=list(policy.state.all_categories))


@router.put("/desk-policy", response_model=DeskPolicyResponse)
async def set_desk_policy(body: SetDeskPolicyRequest, principal: Manager, call: CommandCall) -> Response:
    """Replace the policy; every open ticket's clocks are recomputed under it in the same transaction."""

    async def run(conn, ctx: Context) -> Answer:
        changed = await service.set_policy(conn, body.policy(), ctx, call.if_match)
        return Answer(policy_body(changed.state), changed.version)

    return await call.run(principal, run)


@router.post("/sla/what-if", response_model=WhatIfResponse)
async def what_if(body: WhatIfRequest, pool: Pool, principal: Manager) -> WhatIfResponse:
    """Replay the tickets opened from `from` to `to` under a proposed policy: how many would have breached."""
    if body.end < body.start:
        raise Unprocessable("to", "must not be before from")
    now = utcnow()
    async with pool.acquire() as conn:
        current = (await service.load_policy(conn, principal.tenant)).state
        proposed = _proposed(current, body)
        ids = await _tickets_opened(conn, principal.tenant, body.start, body.end)
        tickets = [(await service.read_ticket(conn, ticket_id, principal.tenant)).state for ticket_id in ids]
    return WhatIfResponse(tickets=len(tickets), current=_breaches(tickets, current, now),
                          proposed=_breaches(tickets, proposed, now))


def _proposed(current: DeskPolicy, body: WhatIfRequest) -> DeskPolicy:
    """The current policy with what the body proposes; targets it does not give stay the current ones."""
    proposed = replace(
        current, targets={**current.targets, **(body.targets or {})},
        category_targets=body.category_targets if body.category_targets is not None else current.category_targets,
        calendar_document=body.calendar.document() if body.calendar else current.calendar_document,
    )
    check_policy(proposed)
    return proposed


async def _tickets_opened(conn, tenant: str, start: date, end: date) -> list:
    # The end of the last day, not the start of the next: the day after 9999-12-31 does not exist.
    rows = await conn.fetch(
        "SELECT ticket_id FROM ticket_list WHERE tenant = $1 AND opened_at >= $2 AND opened_at <= $3 LIMIT $4",
        tenant, datetime.combine(start, time(), UTC), datetime.combine(end, time.max, UTC), MAX_WHAT_IF_TICKETS + 1,
    )
    if len(rows) > MAX_WHAT_IF_TICKETS:
        raise Unprocessable("from", f"the period holds more than {MAX_WHAT_IF_TICKETS} tickets; narrow it")
    return [row["ticket_id"] for row in rows]


def _breaches(tickets: list[Ticket], policy: DeskPolicy, now: datetime) -> BreachCounts:
    breached = {SlaClock.RESPONSE: 0, SlaClock.RESOLUTION: 0}
    for state in tickets:
        for clock, view in ticket_clocks.clocks(state, policy, now).items():
            breached[clock] += view.state == "breached"
    return BreachCounts(response=breached[SlaClock.RESPONSE], resolution=breached[SlaClock.RESOLUTION])
