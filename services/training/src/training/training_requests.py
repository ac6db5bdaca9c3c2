"""Training on request on the kit: each command through `streams.handle`, the request's row (and the delivery's)
written beside its events; and the lists staff and the desk read."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from events import streams
from events.db import page
from events.envelope import Context
from events.errors import NotFound
from events.streams import Stream
from training import deliveries
from training.domain.training_request import TRAINING_REQUEST, RequestCommand, RequestTraining, TrainingRequest


@dataclass(frozen=True)
class Viewer:
    """Who reaches a request: the desk (technicians, managers, auditors) every one, staff only their own."""

    user_id: str
    desk: bool

    def must_see(self, request: TrainingRequest) -> None:
        if not self.desk and request.person_id != self.user_id:
            raise NotFound("no such training request")  # another's request does not exist for staff


async def read_request(conn: asyncpg.Connection, request_id: UUID, tenant: str) -> Stream[TrainingRequest]:
    return await streams.read(conn, TRAINING_REQUEST, str(request_id), tenant)


async def request(
    conn: asyncpg.Connection, command: RequestTraining, ctx: Context, loaded: Stream[TrainingRequest] | None = None
) -> Stream[TrainingRequest]:
    """Make the request; `loaded` when the caller read its stream already (a ticket's request, told again)."""
    return await handle_request(
        conn, command.request_id, command, ctx, loaded=loaded or streams.fresh(TRAINING_REQUEST)
    )


async def handle_request(
    conn: asyncpg.Connection,
    request_id: UUID,
    command: RequestCommand,
    ctx: Context,
    *,
    viewer: Viewer | None = None,
    if_match: int | None = None,
    loaded: Stream[TrainingRequest] | None = None,
) -> Stream[TrainingRequest]:
    """Run a request command; the stream's `view` is the request's row as the lists show it."""
    return await streams.handle(
        conn,
        TRAINING_REQUEST,
        str(request_id),
        command,
        ctx,
        if_match=if_match,
        loaded=loaded,
        check=viewer.must_see if viewer else None,
        inline=_write_request,
    )


_UPSERT = """
INSERT INTO training_requests (request_id, tenant, person_id, topic, preferred_times, note, requested_by, ticket_id,
    status, requested_at, scheduled_for, trainer_id, delivery_id, hours, closed_at, closing_note, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT (request_id) DO UPDATE SET status = $9, scheduled_for = $11, trainer_id = $12, delivery_id = $13,
    hours = $14, closed_at = $15, closing_note = $16, updated_at = $17, version = $18"""


async def _write_request(conn: asyncpg.Connection, req: Stream[TrainingRequest], ctx: Context) -> asyncpg.Record:
    r = req.state
    await conn.execute(
        _UPSERT,
        r.request_id,
        ctx.tenant,
        r.person_id,
        r.topic,
        list(r.preferred_times),
        r.note,
        r.requested_by,
        r.ticket_id,
        r.status,
        r.requested_at,
        r.scheduled_for,
        r.trainer_id,
        r.delivery_id,
        r.hours,
        r.closed_at,
        r.closing_note,
        req.appended[-1].recordedtime,
        req.version,
    )
    await deliveries.record(conn, req.appended, ctx.tenant)  # the hours given, beside every other delivery's
    return await request_row(conn, r.request_id, ctx.tenant)


# ------------------------------------------------------------------------------------------------- queries

# Age: how long it waited, until now while open, until delivered or cancelled once closed.
_COLUMNS = (
    "request_id AS id, person_id, topic, preferred_times, note, requested_by, ticket_id, status,"
    " requested_at, round((extract(epoch FROM coalesce(closed_at, now()) - requested_at) / 86400)::numeric,"
    " 2) AS age_days, scheduled_for, trainer_id, delivery_id, hours, closed_at, closing_note, updated_at,"
    " version"
)


async def request_row(conn: asyncpg.Connection, request_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM training_requests WHERE request_id = $1 AND tenant = $2", request_id, tenant
    )


async def requests_of(
    conn: asyncpg.Connection, tenant: str, filters: dict[str, Any], limit: int, offset: int
) -> dict[str, Any]:
    """Oldest first, so the longest waiting come first; `person_id` and `status` narrow the list."""
    source = (
        "FROM training_requests WHERE tenant = $1 AND ($2::text IS NULL OR person_id = $2)"
        " AND ($3::text IS NULL OR status = $3)"
    )
    args = [tenant, filters.get("person_id"), filters.get("status")]
    return await page(conn, _COLUMNS, source, "requested_at, request_id", args, limit, offset)
