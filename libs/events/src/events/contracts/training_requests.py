"""Training-on-request events the training service publishes on `training.events`: asked, scheduled, closed.

The training itself, when given, is `training.training_delivered` (kind "on_request", naming the request and
its ticket): the one fact hours are counted from. These events are the request's own lifecycle around it.
"""

from datetime import datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
UserId = Annotated[str, Field(min_length=1, max_length=128)]
Text = Annotated[str, Field(max_length=20_000)]
PreferredTimes = Annotated[list[Name], Field(max_length=10)]


class TrainingRequested(Event):
    """A person asked for individual training on a topic; `ticket_id` when it came from a ticket of the desk."""

    event_type: ClassVar[str] = "training.training_requested"

    at: datetime
    request_id: UUID
    person_id: UserId
    topic: Name
    preferred_times: PreferredTimes = []  # as the person put them: "Tuesday mornings", "after 3 pm"
    note: Text = ""
    requested_by: UserId  # the person, or a technician asking on their behalf
    ticket_id: UUID | None = None


class TrainingRequestScheduled(Event):
    """A trainer took the request and set a time with the person (again, when it moved)."""

    event_type: ClassVar[str] = "training.training_request_scheduled"

    at: datetime
    request_id: UUID
    scheduled_for: datetime
    trainer_id: UserId
    note: Text = ""


class TrainingRequestFulfilled(Event):
    """The request was closed by the training delivered (`delivery_id`), with the trainer's note."""

    event_type: ClassVar[str] = "training.training_request_fulfilled"

    at: datetime
    request_id: UUID
    delivery_id: UUID
    note: Text = ""


class TrainingRequestCancelled(Event):
    """The request was withdrawn before any training was given."""

    event_type: ClassVar[str] = "training.training_request_cancelled"

    at: datetime
    request_id: UUID
    reason: Text
    cancelled_by: UserId
