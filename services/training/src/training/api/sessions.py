"""The sessions REST API: schedule a session of a course, enrol (staff themselves) with a waitlist, withdraw,
change its capacity, cancel it, record attendance; and the caller's own training; routes only."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from events.auth import AGENTS, DESK, Agent, Member, Participant, Principal
from events.envelope import Context, utcnow
from events.errors import Forbidden, NotFound
from events.fields import Instant
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered
from training import deliveries, orientations, sessions
from training.api.session_models import (
    CancelSessionRequest,
    ChangeCapacityRequest,
    EnrolmentResponse,
    EnrolRequest,
    MyTrainingResponse,
    RecordAttendanceRequest,
    ScheduleSessionRequest,
    SessionDetail,
    SessionPage,
    SessionResponse,
    WithdrawRequest,
    session_body,
)
from training.domain.session import Session
from training.domain.session_commands import CancelSession, ChangeCapacity, Enrol, RecordAttendance, Withdraw

router = APIRouter(tags=["sessions"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.post("/sessions", status_code=201, response_model=SessionResponse)
async def schedule_session(body: ScheduleSessionRequest, principal: Agent, call: CommandCall) -> Response:
    """Schedule a session of a course: when (with the time zone), where (a room, an online link or both), who
    trains (the caller unless named) and how many places."""

    async def run(conn, ctx: Context) -> Answer:
        details = body.model_dump(exclude={"course_id", "trainer_id"})
        session = await sessions.schedule(
            conn, uuid7(), body.course_id, ctx, trainer_id=body.trainer_id or principal.user_id, **details
        )
        return Answer(session_body(session.view), session.version, location=f"/sessions/{session.state.session_id}")

    return await call.run(principal, run)


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(
    pool: Pool,
    principal: Member,
    course_id: UUID | None = None,
    since: Annotated[Instant | None, Query(alias="from", description="sessions starting from; now if absent")] = None,
    until: Annotated[Instant | None, Query(alias="to", description="and starting before")] = None,
    include_cancelled: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Upcoming sessions, soonest first, with their places taken and free, and the total."""
    async with pool.acquire() as conn:
        found = await sessions.sessions_of(
            conn, principal.tenant, since or utcnow(), until, course_id, include_cancelled, limit, offset
        )
    return {**found, "items": [session_body(row) for row in found["items"]]}


def _place_of(s: Session, person_id: str) -> dict[str, Any]:
    if person_id in s.waitlist:
        return {"status": "waitlisted", "position": s.waitlist.index(person_id) + 1}
    if s.attendees is not None and person_id in s.attendees:
        return {"status": "attended", "position": None}
    if person_id in s.no_shows:
        return {"status": "no_show", "position": None}
    return {"status": "enrolled" if person_id in s.enrolled else None, "position": None}


def _people(s: Session) -> dict[str, Any]:
    return {
        "enrolled": list(s.enrolled),
        "waitlist": list(s.waitlist),
        "attendees": None if s.attendees is None else list(s.attendees),
        "no_shows": None if s.attendees is None else list(s.no_shows),
    }


@router.get("/sessions/{session_id}", response_model=SessionDetail)
async def get_session(session_id: UUID, pool: Pool, principal: Member) -> Response:
    """The session with who holds a place and who waits, in order, and its attendance once recorded (the names
    for the desk; staff see the counts and their own place). `ETag` = its version, for `If-Match`."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await sessions.session_row(conn, session_id, principal.tenant)
        session = await sessions.read_session(conn, session_id, principal.tenant)
    if row is None:
        raise NotFound(f"no session {session_id}")
    people = _people(session.state) if principal.has_any(DESK) else None
    body = {**session_body(row), "me": _place_of(session.state, principal.user_id), "people": people}
    return answered(body, row["version"])


def _person(principal: Principal, named: str | None) -> str:
    """Whom the caller acts for: staff only for themselves, technicians and managers for anyone."""
    person_id = named or principal.user_id
    if person_id != principal.user_id and not principal.has_any(AGENTS):
        raise Forbidden("staff enrol and withdraw themselves only")
    return person_id


@router.post("/sessions/{session_id}/enrolments", status_code=201, response_model=EnrolmentResponse)
async def enrol(
    session_id: UUID, principal: Participant, call: CommandCall, body: EnrolRequest | None = None
) -> Response:
    """Take a place in the session; a full session puts the person on its waitlist, in line (no refusal). Refused
    for a person already enrolled or waiting, a cancelled session, or one that has started."""

    async def run(conn, ctx: Context) -> Answer:
        person_id = _person(principal, body.person_id if body else None)
        command = Enrol(person_id=person_id, enrolled_by=principal.user_id, at=ctx.recorded_at)
        session = await sessions.handle_session(conn, session_id, command, ctx, call.if_match)
        answer = {"person_id": person_id, **_place_of(session.state, person_id), "session": session_body(session.view)}
        return Answer(answer, session.version, location=f"/sessions/{session_id}")

    return await call.run(principal, run)


@router.post("/sessions/{session_id}/withdrawals", response_model=SessionResponse)
async def withdraw(
    session_id: UUID, principal: Participant, call: CommandCall, body: WithdrawRequest | None = None
) -> Response:
    """Give up a place (the first on the waitlist takes it) or a place in line; before the session starts."""

    async def run(conn, ctx: Context) -> Answer:
        person_id = _person(principal, body.person_id if body else None)
        command = Withdraw(
            person_id=person_id, withdrawn_by=principal.user_id, at=ctx.recorded_at, reason=body.reason if body else ""
        )
        session = await sessions.handle_session(conn, session_id, command, ctx, call.if_match)
        return Answer(session_body(session.view), session.version)

    return await call.run(principal, run)


@router.post("/sessions/{session_id}/capacity", response_model=SessionResponse)
async def change_capacity(
    session_id: UUID, body: ChangeCapacityRequest, principal: Agent, call: CommandCall
) -> Response:
    """Take more people (the first in line move up) or fewer, never fewer than are enrolled (CapacityBelowEnrolled)."""

    async def run(conn, ctx: Context) -> Answer:
        command = ChangeCapacity(capacity=body.capacity, at=ctx.recorded_at)
        session = await sessions.handle_session(conn, session_id, command, ctx, call.if_match)
        return Answer(session_body(session.view), session.version)

    return await call.run(principal, run)


@router.post("/sessions/{session_id}/cancel", response_model=SessionResponse)
async def cancel_session(session_id: UUID, body: CancelSessionRequest, principal: Agent, call: CommandCall) -> Response:
    """Cancel the session: `SessionCancelled` names everyone enrolled or waiting, for the notice they are sent."""

    async def run(conn, ctx: Context) -> Answer:
        session = await sessions.handle_session(
            conn, session_id, CancelSession(body.reason, ctx.recorded_at), ctx, call.if_match
        )
        return Answer(session_body(session.view), session.version)

    return await call.run(principal, run)


@router.post("/sessions/{session_id}/attendance", response_model=SessionResponse)
async def record_attendance(
    session_id: UUID, body: RecordAttendanceRequest, principal: Agent, call: CommandCall
) -> Response:
    """Record who came, once the session has started, once: each attendee is delivered the session's hours
    (`TrainingDelivered`); enrolled people who did not come are no-shows."""

    async def run(conn, ctx: Context) -> Answer:
        command = RecordAttendance(attendees=tuple(body.attendees), no_shows=tuple(body.no_shows), at=ctx.recorded_at)
        session = await sessions.handle_session(conn, session_id, command, ctx, call.if_match)
        return Answer(session_body(session.view), session.version)

    return await call.run(principal, run)


@router.get("/me/training", response_model=MyTrainingResponse)
async def my_training(pool: Pool, principal: Member) -> dict[str, Any]:
    """The caller's own training: their sessions (place, line, attendance), their orientation and every delivery
    with its hours."""
    async with pool.acquire() as conn:
        today = (await orientations.current_policy(conn, principal.tenant)).state.local_date(utcnow())
        return await deliveries.training_of(conn, principal.tenant, principal.user_id, today)
