"""The tenant's training policy: within how many business days an orientation is due, in which time zone, and
which days are holidays. One stream per tenant, replaced whole by a manager.

Business days are Monday to Friday in the tenant's time zone, less the policy's own holidays (each tenant lists
its statutory and civic holidays here: a service never reads another's tables, so the desk's calendar is not
borrowed). A due date is fixed when the orientation is owed; a later policy does not move it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events.base import Event
from events.contracts.training import TrainingPolicyChanged
from events.decider import Decider
from events.errors import Unprocessable

SATURDAY = 5


@dataclass(frozen=True)
class TrainingPolicy:
    orientation_due_business_days: int = 10
    timezone: str = "America/Toronto"
    holidays: frozenset[date] = frozenset()

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(ZoneInfo(self.timezone)).date()

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.holidays

    def due_on(self, owed_at: datetime) -> date:
        """The last day to give an orientation owed at `owed_at`: the n-th business day after the day it was owed."""
        day, left = self.local_date(owed_at), self.orientation_due_business_days
        while left:
            day += timedelta(days=1)
            left -= self.is_business_day(day)
        return day


DEFAULT_POLICY = TrainingPolicy()


@dataclass(frozen=True)
class SetTrainingPolicy:
    policy: TrainingPolicy
    at: datetime


def policy_stream(tenant: str) -> str:
    return f"training-policy:{tenant}"


def _set(state: TrainingPolicy, c: SetTrainingPolicy) -> list[Event]:
    p = c.policy
    try:
        ZoneInfo(p.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Unprocessable("timezone", f"unknown time zone {p.timezone!r} (an IANA name: America/Toronto)") from None
    return [
        TrainingPolicyChanged(
            at=c.at,
            orientation_due_business_days=p.orientation_due_business_days,
            timezone=p.timezone,
            holidays=sorted(p.holidays),
        )
    ]


def policy_from(e: TrainingPolicyChanged) -> TrainingPolicy:
    return TrainingPolicy(e.orientation_due_business_days, e.timezone, frozenset(e.holidays))


def _changed(state: TrainingPolicy, e: TrainingPolicyChanged) -> TrainingPolicy:
    return policy_from(e)


TRAINING_POLICY = Decider(
    initial=DEFAULT_POLICY,
    evolvers={TrainingPolicyChanged: _changed},
    deciders={SetTrainingPolicy: _set},
    creates=(SetTrainingPolicy,),
)
