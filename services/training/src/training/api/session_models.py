"""Request and response bodies of the sessions API: scheduling, enrolment, cancellation, attendance, my training."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.fields import Body, Instant, Note, UserId
from training.api.orientation_models import OrientationStatus

Label = Annotated[str, Field(max_length=200)]
Capacity = Annotated[int, Field(ge=1, le=1_000)]
OnlineLink = Annotated[str, Field(max_length=2_000, pattern=r"^(https?://\S+)?$")]
SessionStatus = Literal["scheduled", "cancelled", "held"]
PlaceStatus = Literal["enrolled", "waitlisted", "withdrawn", "attended", "no_show"]


def _each_once(people: list[str]) -> list[str]:
    if len(set(people)) != len(people):
        raise ValueError("names a person more than once")
    return people


People = Annotated[list[UserId], Field(max_length=2_000), AfterValidator(_each_once)]


class ScheduleSessionRequest(Body):
    course_id: UUID
    starts_at: Instant = Field(description="with its offset, e.g. 2026-05-04T09:00:00-04:00")
    ends_at: Instant = Field(description="15 minutes to 12 hours after it starts")
    room: Label = Field(default="", description="where; give the room, the online link, or both")
    online_link: OnlineLink = ""
    trainer_id: UserId | None = Field(default=None, description="who gives it; the caller if absent")
    capacity: Capacity


class ChangeCapacityRequest(Body):
    capacity: Capacity


class EnrolRequest(Body):
    person_id: UserId | None = Field(
        default=None,
        description="whom to enrol: staff enrol themselves (leave it out); technicians and managers may name anyone",
    )


class WithdrawRequest(Body):
    person_id: UserId | None = Field(default=None, description="who withdraws: staff only themselves")
    reason: Annotated[str, Field(max_length=5_000)] = ""


class CancelSessionRequest(Body):
    reason: Note


class RecordAttendanceRequest(Body):
    attendees: People = Field(description="who came; one not enrolled came in on the day, and is trained too")
    no_shows: People = Field(
        default_factory=list,
        description="enrolled people who did not come; any enrolled person not among the attendees is a no-show anyway",
    )


class SessionResponse(BaseModel):
    id: UUID
    course_id: UUID
    title: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    room: str
    online_link: str
    trainer_id: str
    capacity: int
    enrolled: int
    waitlisted: int
    places_free: int
    hours: Decimal = Field(description="what each attendee is delivered")
    status: SessionStatus
    cancelled_at: datetime | None
    cancel_reason: str
    attended: int | None = Field(description="once attendance is recorded")
    no_shows: int | None
    scheduled_at: datetime
    updated_at: datetime
    version: int


class SessionPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SessionResponse]


class MyPlace(BaseModel):
    status: PlaceStatus | None = Field(description="the caller's place in the session; none if they have none")
    position: int | None = Field(description="their place in line, while waitlisted (1 = next)")


class SessionPeople(BaseModel):
    """Who holds a place and who waits, in order; who came and who did not, once recorded. For the desk only."""

    enrolled: list[str]
    waitlist: list[str]
    attendees: list[str] | None
    no_shows: list[str] | None


class SessionDetail(SessionResponse):
    me: MyPlace
    people: SessionPeople | None = Field(
        description="the names, for technicians, managers and auditors; none for"
        " staff, who see the counts and their own place"
    )


class EnrolmentResponse(BaseModel):
    person_id: str
    status: PlaceStatus
    position: int | None = Field(description="their place in line, if the session was full")
    session: SessionResponse


class MyEnrolment(BaseModel):
    session_id: UUID
    course_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    online_link: str
    session_status: SessionStatus
    status: PlaceStatus
    since: datetime
    position: int | None


class MyOrientation(BaseModel):
    id: UUID
    due_on: date
    status: OrientationStatus
    owed_at: datetime
    completed_at: datetime | None
    within_due: bool | None
    hours: Decimal | None


class MyDelivery(BaseModel):
    id: UUID
    kind: str
    topic: str
    hours: Decimal
    delivered_at: datetime
    course_id: UUID | None
    session_id: UUID | None
    orientation_id: UUID | None
    request_id: UUID | None
    ticket_id: UUID | None
    trainer_id: str


class MyTrainingResponse(BaseModel):
    person_id: str
    enrolments: list[MyEnrolment] = Field(description="newest session first")
    orientation: MyOrientation | None
    deliveries: list[MyDelivery] = Field(description="newest first")
    hours_total: Decimal = Field(description="every delivery's hours")


def session_body(row) -> dict:
    return SessionResponse(**row, places_free=row["capacity"] - row["enrolled"]).model_dump(mode="json")
