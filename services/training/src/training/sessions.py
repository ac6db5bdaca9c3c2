"""Sessions on the kit: scheduled from a course, enrolment, waitlist, cancellation and attendance through
`streams.handle`; the session's row, each person's place and the deliveries written beside them."""

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events import streams
from events.contracts.training import (
    AttendanceRecorded,
    EnrolmentAccepted,
    EnrolmentPromoted,
    EnrolmentWaitlisted,
    EnrolmentWithdrawn,
    SessionCancelled,
)
from events.db import page
from events.envelope import Context, Envelope
from events.errors import UnknownReference
from events.streams import Stream
from training import courses, deliveries
from training.domain.session import SESSION, Session
from training.domain.session_commands import ScheduleSession, SessionCommand


async def read_session(conn: asyncpg.Connection, session_id: UUID, tenant: str) -> Stream[Session]:
    return await streams.read(conn, SESSION, str(session_id), tenant)


async def schedule(
    conn: asyncpg.Connection, session_id: UUID, course_id: UUID, ctx: Context, **details: Any
) -> Stream[Session]:
    """Schedule a session of the tenant's course; it carries the course's title and topic from then on."""
    course = (await courses.read_course(conn, course_id, ctx.tenant)).state
    if course.course_id is None:
        raise UnknownReference("course_id", f"there is no course {course_id}")
    command = ScheduleSession(
        session_id=session_id,
        course_id=course_id,
        title=course.title,
        topic=course.topic,
        at=ctx.recorded_at,
        **details,
    )
    return await streams.handle(
        conn, SESSION, str(session_id), command, ctx, loaded=streams.fresh(SESSION), inline=_write_session
    )


async def handle_session(
    conn: asyncpg.Connection, session_id: UUID, command: SessionCommand, ctx: Context, if_match: int | None = None
) -> Stream[Session]:
    """Run a session command; the stream's `view` is the session's row, counts included."""
    return await streams.handle(conn, SESSION, str(session_id), command, ctx, if_match=if_match, inline=_write_session)


_UPSERT = """
INSERT INTO training_sessions (session_id, tenant, course_id, title, topic, starts_at, ends_at, room, online_link,
    trainer_id, capacity, enrolled, waitlisted, hours, status, cancelled_at, cancel_reason, attended, no_shows,
    scheduled_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
ON CONFLICT (session_id) DO UPDATE SET capacity = $11, enrolled = $12, waitlisted = $13, status = $15,
    cancelled_at = coalesce(training_sessions.cancelled_at, $16), cancel_reason = $17, attended = $18,
    no_shows = $19, updated_at = $21, version = $22"""


def status_of(s: Session) -> str:
    return "cancelled" if s.cancelled else "held" if s.attendees is not None else "scheduled"


async def _write_session(conn: asyncpg.Connection, session: Stream[Session], ctx: Context) -> asyncpg.Record:
    """The session's row, the places its new events gave, moved or took back, and its deliveries."""
    s = session.state
    cancelled = next((e for e in session.appended if e.type == SessionCancelled.event_type), None)
    await conn.execute(
        _UPSERT,
        s.session_id,
        ctx.tenant,
        s.course_id,
        s.title,
        s.topic,
        s.starts_at,
        s.ends_at,
        s.room,
        s.online_link,
        s.trainer_id,
        s.capacity,
        len(s.enrolled),
        len(s.waitlist),
        s.hours,
        status_of(s),
        cancelled.time if cancelled else None,
        cancelled.data["reason"] if cancelled else "",
        None if s.attendees is None else len(s.attendees),
        None if s.attendees is None else len(s.no_shows),
        session.history[0].time,
        ctx.recorded_at,
        session.version,
    )
    for envelope in session.appended:
        await _record_place(conn, envelope, ctx.tenant)
    await deliveries.record(conn, session.appended, ctx.tenant)
    return await session_row(conn, s.session_id, ctx.tenant)


_JOIN = """
INSERT INTO session_people (session_id, person_id, tenant, status, place, enrolled_by, since)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (session_id, person_id) DO UPDATE SET status = $4, place = $5, enrolled_by = $6, since = $7"""
_MOVE = """
UPDATE session_people SET status = $3, since = $4, place = coalesce($5, place)
WHERE session_id = $1 AND person_id = ANY($2::text[])"""
# A walk-in has no place yet: they attended all the same.
_ATTEND = """
INSERT INTO session_people (session_id, person_id, tenant, status, place, enrolled_by, since)
SELECT $1, person, $2, 'attended', $3, '', $4 FROM unnest($5::text[]) AS person
ON CONFLICT (session_id, person_id) DO UPDATE SET status = 'attended', since = $4"""


async def _record_place(conn: asyncpg.Connection, envelope: Envelope, tenant: str) -> None:
    e, place = envelope.event(), envelope.streamversion
    if isinstance(e, EnrolmentAccepted | EnrolmentWaitlisted):
        status = "enrolled" if isinstance(e, EnrolmentAccepted) else "waitlisted"
        await conn.execute(_JOIN, e.session_id, e.person_id, tenant, status, place, e.enrolled_by, e.at)
    elif isinstance(e, EnrolmentPromoted):
        await conn.execute(_MOVE, e.session_id, [e.person_id], "enrolled", e.at, place)
    elif isinstance(e, EnrolmentWithdrawn):
        await conn.execute(_MOVE, e.session_id, [e.person_id], "withdrawn", e.at, None)
    elif isinstance(e, AttendanceRecorded):
        await conn.execute(_ATTEND, e.session_id, tenant, place, e.at, e.attendees)
        await conn.execute(_MOVE, e.session_id, e.no_shows, "no_show", e.at, None)


# ---------------------------------------------------------------------------------------------------- queries

_COLUMNS = """
session_id AS id, course_id, title, topic, starts_at, ends_at, room, online_link, trainer_id, capacity, enrolled,
waitlisted, hours, status, cancelled_at, cancel_reason, attended, no_shows, scheduled_at, updated_at, version"""


async def session_row(conn: asyncpg.Connection, session_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM training_sessions WHERE tenant = $1 AND session_id = $2", tenant, session_id
    )


_LIST = """
FROM training_sessions WHERE tenant = $1 AND starts_at >= $2 AND ($3::timestamptz IS NULL OR starts_at < $3)
  AND ($4::uuid IS NULL OR course_id = $4) AND ($5 OR status <> 'cancelled')"""


async def sessions_of(
    conn: asyncpg.Connection,
    tenant: str,
    since: datetime,
    until: datetime | None,
    course_id: UUID | None,
    with_cancelled: bool,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Sessions starting from `since` (before `until`), soonest first, with the total the filters find."""
    args = [tenant, since, until, course_id, with_cancelled]
    return await page(conn, _COLUMNS, _LIST, "starts_at, session_id", args, limit, offset)
