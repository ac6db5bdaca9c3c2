"""The desk policy's and the SLA what-if's request and response bodies, every list and map in them bounded."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from events.contracts.tickets import CalendarDocument, Priority, SlaTarget, Weekday
from events.fields import Body, Day
from tickets.api.fields import Slug
from tickets.domain.calendar import calendar_from_dict
from tickets.domain.policy import STANDARD_CATEGORIES, DeskPolicy

MAX_OWN_CATEGORIES = 50
MAX_HOLIDAYS = 1000  # sixty years of a city's public holidays
MAX_PERIODS_A_DAY = 24

WallTime = Annotated[str, Field(min_length=1, max_length=15, description="HH:MM (24:00 only as an end)")]
Targets = Annotated[dict[Priority, SlaTarget], Field(max_length=len(Priority))]
CategoryTargets = Annotated[dict[Slug, Targets], Field(max_length=len(STANDARD_CATEGORIES) + MAX_OWN_CATEGORIES)]


class CalendarBody(Body):
    """A calendar as `PUT /desk-policy` and `POST /sla/what-if` take it: refused by field unless it can be used."""

    timezone: Annotated[str, Field(min_length=1, max_length=64, description="an IANA time zone")]
    hours: Annotated[dict[Weekday, Annotated[list[tuple[WallTime, WallTime]], Field(max_length=MAX_PERIODS_A_DAY)]],
                     Field(max_length=len(Weekday))]
    holidays: Annotated[list[Day], Field(max_length=MAX_HOLIDAYS)] = []

    @model_validator(mode="after")
    def _usable(self) -> "CalendarBody":
        calendar_from_dict(self.model_dump(mode="json"))  # raises ValueError naming the bad part
        return self

    def document(self) -> CalendarDocument:
        return CalendarDocument.model_validate(self.model_dump(mode="json"))


class SetDeskPolicyRequest(Body):
    calendar: CalendarBody
    targets: Targets
    category_targets: CategoryTargets = {}
    categories: Annotated[list[Slug], Field(max_length=MAX_OWN_CATEGORIES)] = []
    auto_close_business_days: Annotated[int, Field(ge=1, le=60)] = 3
    reopen_window_days: Annotated[int, Field(ge=0, le=365)] = 10

    def policy(self) -> DeskPolicy:
        """The policy it asks for; the decider refuses one whose targets cannot hold (`check_policy`)."""
        return DeskPolicy(calendar_document=self.calendar.document(), targets=self.targets,
                          category_targets=self.category_targets, categories=tuple(self.categories),
                          auto_close_business_days=self.auto_close_business_days,
                          reopen_window_days=self.reopen_window_days)


class DeskPolicyResponse(BaseModel):
    calendar: CalendarDocument
    targets: dict[Priority, SlaTarget]
    category_targets: dict[str, dict[Priority, SlaTarget]]
    categories: list[str]
    auto_close_business_days: int
    reopen_window_days: int


class CategoriesResponse(BaseModel):
    categories: list[str]


def policy_body(policy: DeskPolicy) -> dict:
    """The policy as GET and PUT answer it (a policy stored before today's bounds is shown as it is)."""
    return DeskPolicyResponse.model_construct(
        calendar=policy.calendar_document, targets=policy.targets, category_targets=policy.category_targets,
        categories=list(policy.categories), auto_close_business_days=policy.auto_close_business_days,
        reopen_window_days=policy.reopen_window_days,
    ).model_dump(mode="json")


class WhatIfRequest(Body):
    """A proposal: what it leaves out is the current policy's (a priority's targets, the calendar)."""

    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    targets: Targets | None = None
    category_targets: CategoryTargets | None = None
    calendar: CalendarBody | None = None


class BreachCounts(BaseModel):
    response: int
    resolution: int


class WhatIfResponse(BaseModel):
    tickets: int
    current: BreachCounts
    proposed: BreachCounts
