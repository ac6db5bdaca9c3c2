"""Deliveries' inline read model: each `TrainingDelivered` as a row, whichever stream recorded it, and a person's
own training (their enrolments, their orientation, what they were delivered) for `/me/training`."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from events.contracts.training import TrainingDelivered
from events.envelope import Envelope

_INSERT = """
INSERT INTO training_deliveries (delivery_id, tenant, person_id, kind, topic, hours, delivered_at, course_id,
    session_id, orientation_id, request_id, ticket_id, trainer_id, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"""


async def record(conn: asyncpg.Connection, appended: Iterable[Envelope], tenant: str) -> None:
    """The deliveries among the envelopes a command just appended, in its transaction."""
    for envelope in appended:
        if envelope.type == TrainingDelivered.event_type:
            d = envelope.event()
            await conn.execute(
                _INSERT,
                d.delivery_id,
                tenant,
                d.person_id,
                d.kind,
                d.topic,
                d.hours,
                d.at,
                d.course_id,
                d.session_id,
                d.orientation_id,
                d.request_id,
                d.ticket_id,
                d.trainer_id,
                envelope.recordedtime,
            )


# A person's line lists at most this many of their enrolments and deliveries, newest first.
MAX_LISTED = 500

_ENROLMENTS = """
SELECT p.session_id, s.course_id, s.title, s.starts_at, s.ends_at, s.room, s.online_link, s.status AS session_status,
       p.status, p.since,
       CASE WHEN p.status = 'waitlisted' THEN (SELECT count(*) FROM session_people w WHERE w.session_id = p.session_id
            AND w.status = 'waitlisted' AND w.place <= p.place) END AS position
FROM session_people p JOIN training_sessions s USING (session_id)
WHERE p.tenant = $1 AND p.person_id = $2
ORDER BY s.starts_at DESC, p.session_id LIMIT $3"""

_ORIENTATION = """
SELECT orientation_id AS id, due_on, owed_at, completed_at, within_due, hours,
       CASE WHEN completed_at IS NOT NULL THEN 'completed' WHEN due_on < $3 THEN 'overdue' ELSE 'owed' END AS status
FROM orientations WHERE tenant = $1 AND person_id = $2"""

_DELIVERIES = """
SELECT delivery_id AS id, kind, topic, hours, delivered_at, course_id, session_id, orientation_id, request_id,
       ticket_id, trainer_id
FROM training_deliveries WHERE tenant = $1 AND person_id = $2 ORDER BY delivered_at DESC, delivery_id LIMIT $3"""


async def training_of(conn: asyncpg.Connection, tenant: str, person_id: str, today: date) -> dict[str, Any]:
    """The person's sessions (places, waitlist positions, attendance), orientation and deliveries with hours;
    `today` (the tenant's local date) says whether the orientation is overdue."""
    enrolments = await conn.fetch(_ENROLMENTS, tenant, person_id, MAX_LISTED)
    orientation = await conn.fetchrow(_ORIENTATION, tenant, person_id, today)
    delivered = await conn.fetch(_DELIVERIES, tenant, person_id, MAX_LISTED)
    hours = await conn.fetchval(
        "SELECT coalesce(sum(hours), 0) FROM training_deliveries WHERE tenant = $1 AND person_id = $2",
        tenant,
        person_id,
    )
    return {
        "person_id": person_id,
        "enrolments": [dict(r) for r in enrolments],
        "orientation": dict(orientation) if orientation else None,
        "deliveries": [dict(r) for r in delivered],
        "hours_total": Decimal(hours),
    }
