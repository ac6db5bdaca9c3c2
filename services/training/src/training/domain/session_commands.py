"""The commands of a session: schedule it, enrol, withdraw, change its capacity, cancel it, record attendance.

Time (`at`) is passed in, as every decider's: the session's rules compare it with the session's start.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class ScheduleSession:
    session_id: UUID
    course_id: UUID
    title: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    trainer_id: str
    capacity: int
    at: datetime
    room: str = ""
    online_link: str = ""


@dataclass(frozen=True)
class Enrol:
    person_id: str
    enrolled_by: str
    at: datetime


@dataclass(frozen=True)
class Withdraw:
    person_id: str
    withdrawn_by: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ChangeCapacity:
    capacity: int
    at: datetime


@dataclass(frozen=True)
class CancelSession:
    reason: str
    at: datetime


@dataclass(frozen=True)
class RecordAttendance:
    attendees: tuple[str, ...]
    at: datetime
    no_shows: tuple[str, ...] = ()


SessionCommand = Enrol | Withdraw | ChangeCapacity | CancelSession | RecordAttendance
