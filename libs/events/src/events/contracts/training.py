"""Training events the training service publishes on `training.events`: orientations, courses, sessions, deliveries.

`TrainingDelivered` is the one fact training is counted from (people trained, hours delivered): one per person
trained, whether by an orientation, a session of a course or training on request.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
UserId = Annotated[str, Field(min_length=1, max_length=128)]
Hours = Annotated[Decimal, Field(gt=0, max_digits=6, decimal_places=2)]
People = Annotated[list[UserId], Field(max_length=2_000)]

DeliveryKind = Literal["orientation", "session", "on_request"]


class TrainingDelivered(Event):
    """One person was trained for `hours`: the one fact training hours are counted from, one per person trained.

    `kind` says how: an orientation, a scheduled session of a course, or training given on request (a ticket's
    saga); the ids say which orientation, session or request it was.
    """

    event_type: ClassVar[str] = "training.training_delivered"

    at: datetime  # when it was delivered
    delivery_id: UUID
    person_id: UserId
    hours: Hours
    kind: DeliveryKind
    topic: Name
    course_id: UUID | None = None
    session_id: UUID | None = None
    orientation_id: UUID | None = None
    request_id: UUID | None = None
    ticket_id: UUID | None = None
    trainer_id: Name = ""


# --- the tenant's training policy -------------------------------------------------------------------------------


class TrainingPolicyChanged(Event):
    """A manager set the tenant's training policy: orientation is due within `orientation_due_business_days`
    working days (Monday to Friday, `holidays` excepted) counted in the tenant's time zone."""

    event_type: ClassVar[str] = "training.training_policy_changed"

    at: datetime
    orientation_due_business_days: Annotated[int, Field(ge=1, le=260)]
    timezone: Name
    holidays: Annotated[list[date], Field(max_length=1_000)] = Field(default_factory=list)


# --- orientation ------------------------------------------------------------------------------------------------


class OrientationOwed(Event):
    """A person is owed an orientation to the city's technology, due by the end of `due_on` (a local date).

    `account_id` names the network account whose provisioning called for it; none when owed by hand.
    """

    event_type: ClassVar[str] = "training.orientation_owed"

    at: datetime
    orientation_id: UUID
    person_id: UserId
    due_on: date
    account_id: UUID | None = None
    username: Name = ""


class OrientationCompleted(Event):
    """The person had their orientation; `within_due` says whether it was on or before its due date."""

    event_type: ClassVar[str] = "training.orientation_completed"

    at: datetime
    orientation_id: UUID
    person_id: UserId
    due_on: date
    within_due: bool
    hours: Hours
    delivery_id: UUID  # the TrainingDelivered recorded with it
    trainer_id: Name = ""


# --- the course catalogue ---------------------------------------------------------------------------------------


class CourseAdded(Event):
    """A course joined the catalogue. `new_technology` marks training on new and potential uses of technology."""

    event_type: ClassVar[str] = "training.course_added"

    at: datetime
    course_id: UUID
    title: Name
    technology: Name
    topic: Name
    duration_hours: Hours
    audience: Name = ""
    new_technology: bool = False
    description: Note = ""


# --- sessions, enrolment and attendance --------------------------------------------------------------------------


class SessionScheduled(Event):
    """A session of a course was scheduled: in a room, online (the link), or both; with a trainer and a capacity.

    The course's title and topic are copied in: what attendees are trained on, as it was when scheduled.
    """

    event_type: ClassVar[str] = "training.session_scheduled"

    at: datetime
    session_id: UUID
    course_id: UUID
    title: Name
    topic: Name
    starts_at: datetime
    ends_at: datetime
    room: Name = ""
    online_link: Annotated[str, Field(max_length=2_000)] = ""
    trainer_id: Name
    capacity: Annotated[int, Field(ge=1, le=1_000)]


class SessionCapacityChanged(Event):
    """The session takes `capacity` people; never fewer than it has enrolled."""

    event_type: ClassVar[str] = "training.session_capacity_changed"

    at: datetime
    session_id: UUID
    capacity: Annotated[int, Field(ge=1, le=1_000)]


class EnrolmentAccepted(Event):
    """The person has a place in the session. `enrolled_by` is who asked: the person, or a technician for them."""

    event_type: ClassVar[str] = "training.enrolment_accepted"

    at: datetime
    session_id: UUID
    person_id: UserId
    enrolled_by: Name


class EnrolmentWaitlisted(Event):
    """The session was full: the person waits, `position` in line (1 = next to be promoted) when they joined."""

    event_type: ClassVar[str] = "training.enrolment_waitlisted"

    at: datetime
    session_id: UUID
    person_id: UserId
    position: Annotated[int, Field(ge=1)]
    enrolled_by: Name


class EnrolmentPromoted(Event):
    """A place freed up (a withdrawal, more capacity): the first person on the waitlist now has it."""

    event_type: ClassVar[str] = "training.enrolment_promoted"

    at: datetime
    session_id: UUID
    person_id: UserId


class EnrolmentWithdrawn(Event):
    """The person left the session (`from_waitlist`: they were only waiting); their place, if any, is free."""

    event_type: ClassVar[str] = "training.enrolment_withdrawn"

    at: datetime
    session_id: UUID
    person_id: UserId
    from_waitlist: bool
    withdrawn_by: Name
    reason: Note = ""


class SessionCancelled(Event):
    """The session will not be held. `enrolled` and `waitlisted` are the people to tell (the notice is mailed by
    whoever consumes this; the training service sends no mail)."""

    event_type: ClassVar[str] = "training.session_cancelled"

    at: datetime
    session_id: UUID
    course_id: UUID
    title: Name
    starts_at: datetime
    reason: Note
    enrolled: People = Field(default_factory=list)
    waitlisted: People = Field(default_factory=list)


class AttendanceRecorded(Event):
    """Who came and who did not. Each attendee is also `TrainingDelivered` the session's `hours`; an enrolled
    person not among the attendees is a no-show. An attendee who had not enrolled came in on the day."""

    event_type: ClassVar[str] = "training.attendance_recorded"

    at: datetime
    session_id: UUID
    course_id: UUID
    hours: Hours
    attendees: People = Field(default_factory=list)
    no_shows: People = Field(default_factory=list)
