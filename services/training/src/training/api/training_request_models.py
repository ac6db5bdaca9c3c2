"""Request and response bodies of the training-on-request API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.fields import Body, Instant, Note, Short, UserId
from training.domain.training_request import RequestStatus

Remark = Annotated[str, Field(max_length=5_000)]


def _two_places(hours: Decimal) -> Decimal:
    return hours.quantize(Decimal("0.01"))  # as the read models keep them: "1.5" and "1.50" are recorded alike


Hours = Annotated[Decimal, Field(gt=0, le=40, max_digits=4, decimal_places=2), AfterValidator(_two_places)]


class RequestTrainingRequest(Body):
    topic: Short = Field(description="what the person wants to learn: 'Excel pivot tables', 'the new permits portal'")
    preferred_times: Annotated[list[Short], Field(max_length=10)] = Field(
        default=[], description="when suits the person, in their words: 'Tuesday mornings', 'after 3 pm'"
    )
    note: Remark = ""
    person_id: UserId | None = Field(
        default=None, description="technicians and managers asking for someone else; staff ask for themselves"
    )


class ScheduleTrainingRequest(Body):
    scheduled_for: Instant
    trainer_id: UserId | None = Field(default=None, description="who gives it; the caller when absent")
    note: Remark = ""


class DeliverTrainingRequest(Body):
    hours: Hours
    at: Instant | None = Field(default=None, description="when it was given, if before now")
    trainer_id: UserId | None = Field(default=None, description="who gave it; the caller when absent")
    note: Remark = Field(default="", description="what was covered; kept on the request")


class CancelTrainingRequestRequest(Body):
    reason: Note


class TrainingRequestResponse(BaseModel):
    id: UUID
    person_id: str
    topic: str
    preferred_times: list[str]
    note: str
    requested_by: str
    ticket_id: UUID | None = Field(description="the desk's ticket it came from, resolved once it is delivered")
    status: RequestStatus
    requested_at: datetime
    age_days: Decimal = Field(description="days waited: until now while open, until delivered or cancelled after")
    scheduled_for: datetime | None
    trainer_id: str
    delivery_id: UUID | None
    hours: Decimal | None
    closed_at: datetime | None
    closing_note: str = Field(description="the trainer's note once delivered, the reason once cancelled")
    updated_at: datetime
    version: int


class TrainingRequestPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TrainingRequestResponse]


def request_body(row) -> dict:
    return TrainingRequestResponse(**row).model_dump(mode="json")
