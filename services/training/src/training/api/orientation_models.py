"""Request and response bodies of the orientation API: the training policy, orientations owed and completed."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.fields import Body, Day, Instant, Short, UserId
from training.domain.policy import TrainingPolicy

OrientationStatus = Literal["owed", "overdue", "completed"]
# An orientation or a session is a few hours at most; a typo of 150 for 1.50 should not count.
Hours = Annotated[Decimal, Field(gt=0, le=24, decimal_places=2)]


def _each_once(days: list[date]) -> list[date]:
    if len(set(days)) != len(days):
        raise ValueError("names a day more than once")
    return days


class SetTrainingPolicyRequest(Body):
    orientation_due_business_days: Annotated[int, Field(ge=1, le=260)] = Field(
        default=10,
        description="an orientation is due within this many business days (Monday to Friday, holidays"
        " excepted) of the day it was owed",
    )
    timezone: Short = Field(default="America/Toronto", description="the tenant's IANA time zone: days are its")
    holidays: Annotated[list[Day], Field(max_length=1_000), AfterValidator(_each_once)] = Field(
        default_factory=list, description="days that are no business days, besides weekends"
    )

    def policy(self) -> TrainingPolicy:
        return TrainingPolicy(self.orientation_due_business_days, self.timezone, frozenset(self.holidays))


class TrainingPolicyResponse(BaseModel):
    orientation_due_business_days: int
    timezone: str
    holidays: list[date]
    version: int = Field(description="0 until a manager sets the policy: the defaults apply")


def policy_body(policy: TrainingPolicy, version: int) -> dict:
    return TrainingPolicyResponse(
        orientation_due_business_days=policy.orientation_due_business_days,
        timezone=policy.timezone,
        holidays=sorted(policy.holidays),
        version=version,
    ).model_dump(mode="json")


class OweOrientationRequest(Body):
    person_id: UserId
    owed_at: Instant | None = Field(
        default=None,
        description="since when it is owed (the account's start), if before now; the due date counts from it",
    )


class CompleteOrientationRequest(Body):
    hours: Hours
    trainer_id: UserId | None = Field(default=None, description="who gave it; the caller if absent")
    completed_at: Instant | None = Field(default=None, description="when it was given, if before now")


class OrientationResponse(BaseModel):
    id: UUID
    person_id: str
    username: str = Field(description="the network account that owed it; empty when owed by hand")
    account_id: UUID | None
    owed_at: datetime
    due_on: date = Field(description="the last day (the tenant's) it is on time")
    status: OrientationStatus = Field(description="owed: not yet due; overdue: past its due date; completed")
    completed_at: datetime | None
    within_due: bool | None = Field(description="completed on or before its due date")
    hours: Decimal | None
    trainer_id: str
    updated_at: datetime
    version: int


class OrientationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[OrientationResponse]


def orientation_body(row) -> dict:
    return OrientationResponse(**row).model_dump(mode="json")
