"""The course catalogue REST API: managers add courses, everyone in the tenant reads them; routes only."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from events.auth import Manager, Member
from events.envelope import Context
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered
from training import courses
from training.api.course_models import AddCourseRequest, CoursePage, CourseResponse, course_body
from training.domain.course import AddCourse

router = APIRouter(tags=["courses"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Filter = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.post("/courses", status_code=201, response_model=CourseResponse)
async def add_course(body: AddCourseRequest, principal: Manager, call: CommandCall) -> Response:
    """Add a course to the catalogue; its sessions are then scheduled. One course per title (CourseAlreadyListed)."""

    async def run(conn, ctx: Context) -> Answer:
        command = AddCourse(course_id=uuid7(), **body.model_dump(), at=ctx.recorded_at)
        course = await courses.add(conn, command, ctx)
        return Answer(course_body(course.view), course.version, location=f"/courses/{command.course_id}")

    return await call.run(principal, run)


@router.get("/courses", response_model=CoursePage)
async def list_courses(
    pool: Pool,
    principal: Member,
    technology: Filter = None,
    topic: Filter = None,
    new_technology: Annotated[
        bool | None, Query(description="only courses on new and potential uses (true), or only the others (false)")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="words in the title, technology, topic, audience or description"
        ),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The catalogue by title, with the total; technology and topic match whole values, whatever the case."""
    filters = dict(technology=technology, topic=topic, new_technology=new_technology, q=q)
    async with pool.acquire() as conn:
        return await courses.courses_of(conn, principal.tenant, filters, limit, offset)


@router.get("/courses/{course_id}", response_model=CourseResponse)
async def get_course(course_id: UUID, pool: Pool, principal: Member) -> Response:
    async with pool.acquire() as conn:
        row = await courses.course_row(conn, course_id, principal.tenant)
    if row is None:
        raise NotFound(f"no course {course_id}")
    return answered(course_body(row), row["version"])
