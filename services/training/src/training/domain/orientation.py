"""The orientation decider: a person owed an orientation once, due by a date, completed once with the hours given.

An orientation is its own stream, one per person in a tenant (`orientation_id_for`): a second account of the same
person, or the same account event delivered again, finds the orientation already owed and adds nothing.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

from events.base import Event
from events.contracts.training import OrientationCompleted, OrientationOwed, TrainingDelivered
from events.decider import Decider
from events.errors import NotFound
from training.domain.training_errors import OrientationAlreadyCompleted, OrientationAlreadyOwed

# Fixed forever: changing it would owe every person a second orientation.
_ORIENTATION_NAMESPACE = UUID("9d3f2a6e-4c1b-4f0e-8b7a-2e5d6c1f0a93")
TOPIC = "orientation"


def orientation_id_for(tenant: str, person_id: str) -> UUID:
    """The one orientation a person is owed in a tenant."""
    return uuid5(_ORIENTATION_NAMESPACE, f"{tenant}\n{person_id}")


@dataclass(frozen=True)
class Orientation:
    orientation_id: UUID | None = None
    person_id: str = ""
    owed_at: datetime | None = None
    due_on: date | None = None
    account_id: UUID | None = None
    username: str = ""
    completed_at: datetime | None = None
    within_due: bool | None = None
    hours: Decimal | None = None
    trainer_id: str = ""


@dataclass(frozen=True)
class OweOrientation:
    orientation_id: UUID
    person_id: str
    due_on: date
    at: datetime
    account_id: UUID | None = None
    username: str = ""


@dataclass(frozen=True)
class CompleteOrientation:
    delivery_id: UUID
    hours: Decimal
    trainer_id: str
    completed_on: date  # the local date it was given, against the due date
    at: datetime


def _must_be_owed(state: Orientation, command: object) -> None:
    if state.orientation_id is None:
        raise NotFound("no such orientation")


def _owe(state: Orientation, c: OweOrientation) -> list[Event]:
    if state.orientation_id is not None:
        raise OrientationAlreadyOwed(f"{c.person_id} is already owed an orientation, due {state.due_on}")
    return [
        OrientationOwed(
            at=c.at,
            orientation_id=c.orientation_id,
            person_id=c.person_id,
            due_on=c.due_on,
            account_id=c.account_id,
            username=c.username,
        )
    ]


def _complete(state: Orientation, c: CompleteOrientation) -> list[Event]:
    if state.completed_at is not None:
        raise OrientationAlreadyCompleted(f"{state.person_id} completed their orientation on {state.completed_at}")
    return [
        OrientationCompleted(
            at=c.at,
            orientation_id=state.orientation_id,
            person_id=state.person_id,
            due_on=state.due_on,
            within_due=c.completed_on <= state.due_on,
            hours=c.hours,
            delivery_id=c.delivery_id,
            trainer_id=c.trainer_id,
        ),
        TrainingDelivered(
            at=c.at,
            delivery_id=c.delivery_id,
            person_id=state.person_id,
            hours=c.hours,
            kind="orientation",
            topic=TOPIC,
            orientation_id=state.orientation_id,
            trainer_id=c.trainer_id,
        ),
    ]


def _owed(s: Orientation, e: OrientationOwed) -> Orientation:
    return Orientation(e.orientation_id, e.person_id, e.at, e.due_on, e.account_id, e.username)


def _completed(s: Orientation, e: OrientationCompleted) -> Orientation:
    return replace(s, completed_at=e.at, within_due=e.within_due, hours=e.hours, trainer_id=e.trainer_id)


ORIENTATION = Decider(
    initial=Orientation(),
    evolvers={OrientationOwed: _owed, OrientationCompleted: _completed},
    deciders={OweOrientation: _owe, CompleteOrientation: _complete},
    precondition=_must_be_owed,
    creates=(OweOrientation,),
)
