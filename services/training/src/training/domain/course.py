"""The course decider: a course of the catalogue, added once by a manager; its sessions are scheduled from it."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from events.base import Event
from events.contracts.training import CourseAdded
from events.decider import Decider
from events.errors import NotFound
from training.domain.training_errors import CourseAlreadyAdded


@dataclass(frozen=True)
class Course:
    course_id: UUID | None = None
    title: str = ""
    technology: str = ""
    topic: str = ""
    duration_hours: Decimal = Decimal(0)
    audience: str = ""
    new_technology: bool = False
    description: str = ""


@dataclass(frozen=True)
class AddCourse:
    course_id: UUID
    title: str
    technology: str
    topic: str
    duration_hours: Decimal
    at: datetime
    audience: str = ""
    new_technology: bool = False
    description: str = ""


def _course_must_exist(state: Course, command: object) -> None:
    if state.course_id is None:
        raise NotFound("no such course")


def _add(state: Course, c: AddCourse) -> list[Event]:
    if state.course_id is not None:
        raise CourseAlreadyAdded(f"course {c.course_id} is already in the catalogue")
    return [
        CourseAdded(
            at=c.at,
            course_id=c.course_id,
            title=c.title,
            technology=c.technology,
            topic=c.topic,
            duration_hours=c.duration_hours,
            audience=c.audience,
            new_technology=c.new_technology,
            description=c.description,
        )
    ]


def _added(s: Course, e: CourseAdded) -> Course:
    return Course(
        e.course_id, e.title, e.technology, e.topic, e.duration_hours, e.audience, e.new_technology, e.description
    )


COURSE = Decider(
    initial=Course(),
    evolvers={CourseAdded: _added},
    deciders={AddCourse: _add},
    precondition=_course_must_exist,
    creates=(AddCourse,),
)
