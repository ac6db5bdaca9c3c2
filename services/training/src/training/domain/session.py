"""The session decider: a scheduled session of a course, its places and waitlist, cancellation and attendance.

A session is its own stream and every enrolment, withdrawal and promotion is appended to it, so two people taking
its last place at once clash on the stream's version: one has the place, the other, retried, waits in line.
Being full is no refusal: the next person waits, in order, and the first in line moves up when a place frees.
Enrolment, withdrawal and changes end when the session starts; attendance is recorded once it has started, once.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from events.base import Event
from events.contracts.training import (
    AttendanceRecorded,
    EnrolmentAccepted,
    EnrolmentPromoted,
    EnrolmentWaitlisted,
    EnrolmentWithdrawn,
    SessionCancelled,
    SessionCapacityChanged,
    SessionScheduled,
    TrainingDelivered,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable
from training.domain.session_commands import (
    CancelSession,
    ChangeCapacity,
    Enrol,
    RecordAttendance,
    ScheduleSession,
    SessionCommand,
    Withdraw,
)
from training.domain.training_errors import (
    AlreadyEnrolled,
    AttendanceAlreadyRecorded,
    CapacityBelowEnrolled,
    NotEnrolled,
    SessionAlreadyHeld,
    SessionAlreadyScheduled,
    SessionAlreadyStarted,
    SessionIsCancelled,
    SessionNotStarted,
    WaitlistFull,
)

MAX_WAITLIST = 500
SHORTEST, LONGEST = timedelta(minutes=15), timedelta(hours=12)  # a longer course is several sessions
# Fixed forever: a person's delivery for a session has one id, however often attendance is attempted.
_DELIVERY_NAMESPACE = UUID("0f6b3c1e-7a4d-4e2b-9c58-6d1e2f3a4b5c")


def delivery_id_for(session_id: UUID, person_id: str) -> UUID:
    return uuid5(_DELIVERY_NAMESPACE, f"{session_id}\n{person_id}")


@dataclass(frozen=True)
class Session:
    session_id: UUID | None = None
    course_id: UUID | None = None
    title: str = ""
    topic: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    room: str = ""
    online_link: str = ""
    trainer_id: str = ""
    capacity: int = 0
    enrolled: tuple[str, ...] = ()  # in the order they got their place
    waitlist: tuple[str, ...] = ()  # in line: the first moves up when a place frees
    cancelled: bool = False
    attendees: tuple[str, ...] | None = None  # None until attendance is recorded
    no_shows: tuple[str, ...] = ()

    @property
    def hours(self) -> Decimal:
        return session_hours(self.starts_at, self.ends_at)

    def holds(self, person_id: str) -> bool:
        return person_id in self.enrolled or person_id in self.waitlist


def session_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    return (Decimal((ends_at - starts_at).total_seconds()) / 3600).quantize(Decimal("0.01"))


def _session_must_exist(state: Session, command: SessionCommand) -> None:
    if state.session_id is None:
        raise NotFound("no such session")
    if state.cancelled:
        raise SessionIsCancelled(f"session {state.session_id} of {state.title!r} was cancelled")


def _before_start(state: Session, at: datetime) -> None:
    if at >= state.starts_at:
        raise SessionAlreadyStarted(f"session {state.session_id} of {state.title!r} started at {state.starts_at}")


def _schedule(state: Session, c: ScheduleSession) -> list[Event]:
    if state.session_id is not None:
        raise SessionAlreadyScheduled(f"session {c.session_id} is already scheduled")
    if not SHORTEST <= c.ends_at - c.starts_at <= LONGEST:
        raise Unprocessable(
            "ends_at",
            "a session ends 15 minutes to 12 hours after it starts: schedule a longer course as several sessions",
        )
    if not (c.room or c.online_link):
        raise Unprocessable("room", "give the room, the online link, or both")
    return [
        SessionScheduled(
            at=c.at,
            session_id=c.session_id,
            course_id=c.course_id,
            title=c.title,
            topic=c.topic,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            room=c.room,
            online_link=c.online_link,
            trainer_id=c.trainer_id,
            capacity=c.capacity,
        )
    ]


def _enrol(state: Session, c: Enrol) -> list[Event]:
    _before_start(state, c.at)
    if c.person_id in state.enrolled:
        raise AlreadyEnrolled(f"{c.person_id} already has a place in session {state.session_id}")
    if c.person_id in state.waitlist:
        raise AlreadyEnrolled(
            f"{c.person_id} is already number {state.waitlist.index(c.person_id) + 1} on the"
            f" waitlist of session {state.session_id}"
        )
    if len(state.enrolled) < state.capacity:
        return [
            EnrolmentAccepted(at=c.at, session_id=state.session_id, person_id=c.person_id, enrolled_by=c.enrolled_by)
        ]
    if len(state.waitlist) >= MAX_WAITLIST:
        raise WaitlistFull(f"session {state.session_id} is full and {MAX_WAITLIST} people wait: schedule another")
    return [
        EnrolmentWaitlisted(
            at=c.at,
            session_id=state.session_id,
            person_id=c.person_id,
            position=len(state.waitlist) + 1,
            enrolled_by=c.enrolled_by,
        )
    ]


def _withdraw(state: Session, c: Withdraw) -> list[Event]:
    _before_start(state, c.at)
    if not state.holds(c.person_id):
        raise NotEnrolled(f"{c.person_id} is neither enrolled in nor waiting for session {state.session_id}")
    waiting = c.person_id in state.waitlist
    withdrawn = EnrolmentWithdrawn(
        at=c.at,
        session_id=state.session_id,
        person_id=c.person_id,
        from_waitlist=waiting,
        withdrawn_by=c.withdrawn_by,
        reason=c.reason,
    )
    places = 0 if waiting else 1
    return [withdrawn, *_promotions(state, places, c.at)]


def _promotions(state: Session, places: int, at: datetime) -> list[Event]:
    """The first `places` people in line move up, in order."""
    return [EnrolmentPromoted(at=at, session_id=state.session_id, person_id=p) for p in state.waitlist[:places]]


def _change_capacity(state: Session, c: ChangeCapacity) -> list[Event]:
    _before_start(state, c.at)
    if c.capacity < len(state.enrolled):
        raise CapacityBelowEnrolled(
            f"session {state.session_id} has {len(state.enrolled)} people enrolled: it cannot take only {c.capacity}"
        )
    changed = SessionCapacityChanged(at=c.at, session_id=state.session_id, capacity=c.capacity)
    return [changed, *_promotions(state, c.capacity - len(state.enrolled), c.at)]


def _cancel(state: Session, c: CancelSession) -> list[Event]:
    if state.attendees is not None:
        raise SessionAlreadyHeld(f"session {state.session_id} was held: its attendance is recorded")
    return [
        SessionCancelled(
            at=c.at,
            session_id=state.session_id,
            course_id=state.course_id,
            title=state.title,
            starts_at=state.starts_at,
            reason=c.reason,
            enrolled=list(state.enrolled),
            waitlisted=list(state.waitlist),
        )
    ]


def _record_attendance(state: Session, c: RecordAttendance) -> list[Event]:
    if c.at < state.starts_at:
        raise SessionNotStarted(f"session {state.session_id} starts at {state.starts_at}: record attendance after")
    if state.attendees is not None:
        raise AttendanceAlreadyRecorded(f"attendance of session {state.session_id} is already recorded")
    attendees = tuple(dict.fromkeys(c.attendees))
    _check_no_shows(state, attendees, c.no_shows)
    no_shows = tuple(p for p in state.enrolled if p not in attendees)
    recorded = AttendanceRecorded(
        at=c.at,
        session_id=state.session_id,
        course_id=state.course_id,
        hours=state.hours,
        attendees=list(attendees),
        no_shows=list(no_shows),
    )
    return [recorded, *(_delivered(state, person) for person in attendees)]


def _check_no_shows(state: Session, attendees: tuple[str, ...], no_shows: tuple[str, ...]) -> None:
    if both := [p for p in no_shows if p in attendees]:
        raise Unprocessable("no_shows", f"{both[0]} is named both as an attendee and as a no-show")
    if strangers := [p for p in no_shows if p not in state.enrolled]:
        raise Unprocessable("no_shows", f"{strangers[0]} was not enrolled: only an enrolled person fails to show")


def _delivered(state: Session, person_id: str) -> TrainingDelivered:
    # Delivered when the session was held: its hours count in the period of its start.
    return TrainingDelivered(
        at=state.starts_at,
        delivery_id=delivery_id_for(state.session_id, person_id),
        person_id=person_id,
        hours=state.hours,
        kind="session",
        topic=state.topic,
        course_id=state.course_id,
        session_id=state.session_id,
        trainer_id=state.trainer_id,
    )


def _scheduled(s: Session, e: SessionScheduled) -> Session:
    return Session(
        e.session_id,
        e.course_id,
        e.title,
        e.topic,
        e.starts_at,
        e.ends_at,
        e.room,
        e.online_link,
        e.trainer_id,
        e.capacity,
    )


def _accepted(s: Session, e: EnrolmentAccepted) -> Session:
    return replace(s, enrolled=(*s.enrolled, e.person_id))


def _waitlisted(s: Session, e: EnrolmentWaitlisted) -> Session:
    return replace(s, waitlist=(*s.waitlist, e.person_id))


def _promoted(s: Session, e: EnrolmentPromoted) -> Session:
    return replace(s, enrolled=(*s.enrolled, e.person_id), waitlist=_without(s.waitlist, e.person_id))


def _withdrawn(s: Session, e: EnrolmentWithdrawn) -> Session:
    return replace(s, enrolled=_without(s.enrolled, e.person_id), waitlist=_without(s.waitlist, e.person_id))


def _without(people: tuple[str, ...], person_id: str) -> tuple[str, ...]:
    return tuple(p for p in people if p != person_id)


def _capacity_changed(s: Session, e: SessionCapacityChanged) -> Session:
    return replace(s, capacity=e.capacity)


def _cancelled(s: Session, e: SessionCancelled) -> Session:
    return replace(s, cancelled=True)


def _attended(s: Session, e: AttendanceRecorded) -> Session:
    return replace(s, attendees=tuple(e.attendees), no_shows=tuple(e.no_shows))


SESSION = Decider(
    initial=Session(),
    evolvers={
        SessionScheduled: _scheduled,
        EnrolmentAccepted: _accepted,
        EnrolmentWaitlisted: _waitlisted,
        EnrolmentPromoted: _promoted,
        EnrolmentWithdrawn: _withdrawn,
        SessionCapacityChanged: _capacity_changed,
        SessionCancelled: _cancelled,
        AttendanceRecorded: _attended,
    },
    deciders={
        ScheduleSession: _schedule,
        Enrol: _enrol,
        Withdraw: _withdraw,
        ChangeCapacity: _change_capacity,
        CancelSession: _cancel,
        RecordAttendance: _record_attendance,
    },
    precondition=_session_must_exist,
    creates=(ScheduleSession,),
)
