"""Request and response bodies of the course catalogue API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from events.fields import Body, Short

Label = Annotated[str, Field(max_length=200)]


class AddCourseRequest(Body):
    title: Short
    technology: Short = Field(description="what it trains on: Microsoft 365, the permits portal, GIS...")
    topic: Short = Field(description="the subject, as deliveries count it: e.g. spreadsheets, security awareness")
    duration_hours: Annotated[Decimal, Field(gt=0, le=1_000, decimal_places=2)]
    audience: Label = ""
    new_technology: bool = Field(default=False, description="training on new and potential uses of technology")
    description: Annotated[str, Field(max_length=5_000)] = ""


class CourseResponse(BaseModel):
    id: UUID
    title: str
    technology: str
    topic: str
    duration_hours: Decimal
    audience: str
    new_technology: bool
    description: str
    added_at: datetime
    version: int


class CoursePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CourseResponse]


def course_body(row) -> dict:
    return CourseResponse(**row).model_dump(mode="json")
