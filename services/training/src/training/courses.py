"""The course catalogue on the kit: courses added through `streams.handle`, their rows written beside them."""

from typing import Any
from uuid import UUID

import asyncpg

from events import streams
from events.db import page
from events.envelope import Context
from events.streams import Stream
from training.domain.course import COURSE, AddCourse, Course
from training.domain.training_errors import CourseAlreadyListed


async def read_course(conn: asyncpg.Connection, course_id: UUID, tenant: str) -> Stream[Course]:
    return await streams.read(conn, COURSE, str(course_id), tenant)


async def add(conn: asyncpg.Connection, command: AddCourse, ctx: Context) -> Stream[Course]:
    """Add a course; the stream's `view` is its row. A second course of the same title is refused."""
    return await streams.handle(
        conn, COURSE, str(command.course_id), command, ctx, loaded=streams.fresh(COURSE), inline=_list_course
    )


_INSERT = """
INSERT INTO courses (course_id, tenant, title, technology, topic, duration_hours, audience, new_technology,
    description, added_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"""


async def _list_course(conn: asyncpg.Connection, course: Stream[Course], ctx: Context) -> asyncpg.Record:
    c = course.state
    try:
        await conn.execute(
            _INSERT,
            c.course_id,
            ctx.tenant,
            c.title,
            c.technology,
            c.topic,
            c.duration_hours,
            c.audience,
            c.new_technology,
            c.description,
            course.appended[0].time,
            course.version,
        )
    except asyncpg.UniqueViolationError:
        raise CourseAlreadyListed(
            f"the catalogue already has a course titled {c.title!r}: schedule its sessions"
        ) from None
    return await course_row(conn, c.course_id, ctx.tenant)


_COLUMNS = """
course_id AS id, title, technology, topic, duration_hours, audience, new_technology, description, added_at, version"""


async def course_row(conn: asyncpg.Connection, course_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM courses WHERE tenant = $1 AND course_id = $2", tenant, course_id
    )


# Filters compare case-insensitively, whole values: technology "Excel" finds "excel", not "Excel macros".
_LIST = """
FROM courses WHERE tenant = $1 AND ($2::text IS NULL OR lower(technology) = lower($2))
  AND ($3::text IS NULL OR lower(topic) = lower($3)) AND ($4::boolean IS NULL OR new_technology = $4)
  AND ($5::text IS NULL OR strpos(lower(concat_ws(' ', title, technology, topic, audience, description)),
                                  lower($5)) > 0)"""


async def courses_of(conn: asyncpg.Connection, tenant: str, filters: dict, limit: int, offset: int) -> dict[str, Any]:
    """Courses by title, with the total the filters find."""
    args = [tenant, filters.get("technology"), filters.get("topic"), filters.get("new_technology"), filters.get("q")]
    return await page(conn, _COLUMNS, _LIST, "lower(title), course_id", args, limit, offset)
