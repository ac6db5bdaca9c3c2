"""The metrics REST API: the audit history and KPI read models, for the caller's tenant only."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from events.auth import MetricsReader, Role
from events.errors import Unprocessable
from events.web import Pool

router = APIRouter(tags=["metrics"])

MAX_DAYS = 3661
# Internal comments are the desk's: the requester never sees them, so neither do reporting tools.
SEES_INTERNAL_COMMENTS = (Role.AUDITOR, Role.MANAGER)
COMMENT_ADDED = "tickets.comment_added"


class AuditEntry(BaseModel):
    event_id: UUID
    entity_id: str
    stream_version: int
    event_type: str
    schema_version: int
    source: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any]
    withheld: list[str] = Field(default=[], description="payload fields left out for the caller's role")


class DailyCount(BaseModel):
    day: date
    tickets_opened: int


class TicketsOpenedResponse(BaseModel):
    start: date
    end: date
    total: int
    days: list[DailyCount]


@router.get("/audit", response_model=list[AuditEntry])
async def audit_history(
    pool: Pool,
    principal: MetricsReader,
    entity_id: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEntry]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_id, entity_id, stream_version, event_type, schema_version, source, actor, occurred_at,"
            " recorded_at, correlation_id, causation_id, payload FROM audit_history"
            " WHERE tenant = $1 AND entity_id = $2 ORDER BY occurred_at, stream_version LIMIT $3",
            principal.tenant, entity_id, limit,
        )
    withhold = not principal.has_any(SEES_INTERNAL_COMMENTS)
    return [AuditEntry(**(_withheld(row) if withhold else row)) for row in rows]


def _withheld(row) -> dict[str, Any]:
    """The entry as a reporting tool may read it: an internal comment keeps its facts but not its words."""
    entry, payload = dict(row), row["payload"]
    if entry["event_type"] == COMMENT_ADDED and payload.get("visibility") == "internal" and "body" in payload:
        entry["payload"] = {key: value for key, value in payload.items() if key != "body"}
        entry["withheld"] = ["body"]
    return entry


@router.get("/kpis/tickets-opened", response_model=TicketsOpenedResponse)
async def tickets_opened(
    pool: Pool,
    principal: MetricsReader,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> TicketsOpenedResponse:
    """Tickets opened per UTC day from `from` to `to` inclusive, days without tickets as zero."""
    if end < start:
        raise Unprocessable("to", "must not be before from")
    if (end - start).days >= MAX_DAYS:
        raise Unprocessable("to", f"the range may span at most {MAX_DAYS} days")
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT day, tickets_opened FROM tickets_opened_daily WHERE tenant = $1 AND day BETWEEN $2 AND $3",
            principal.tenant, start, end,
        )
    counts = {row["day"]: row["tickets_opened"] for row in rows}
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return TicketsOpenedResponse(
        start=start, end=end, total=sum(counts.values()),
        days=[DailyCount(day=day, tickets_opened=counts.get(day, 0)) for day in days],
    )
