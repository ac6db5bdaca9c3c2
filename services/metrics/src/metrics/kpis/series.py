"""What facts contribute to the KPI series, and the kinds of facts: counts on local days, samples, spans of a stock,
and the per-kind registry (which events fold into which facts, and each definition's contribution)."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from events.envelope import Envelope
from tickets.domain.policy import DEFAULT_POLICY, DeskPolicy

ALL = {"all": ""}  # the one breakdown of a KPI without groups: everything together


class Count(NamedTuple):  # a tuple: made at C speed, millions of times in a rebuild
    """On a local day, `n` more things adding up to `total` more (negative: fewer, as a stock's span ends)."""

    day: date
    n: int = 1
    total: int = 1
    part: str = ""


class Sample(NamedTuple):
    """One value of a distribution (a ticket's time to resolve) or one occurrence naming a person (`who`)."""

    day: date
    value: float
    part: str = ""
    who: str = ""


Item = Count | Sample


class Facts(BaseModel):
    """What the KPIs need to know of one entity, kept from its events; days are counted in `timezone`, the
    tenant's when the entity was first seen, so a later change of zone never moves what was counted."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    timezone: str


@dataclass(frozen=True)
class Desk:
    """What a tenant's events are read in: its time zone and desk policy (calendar, SLA targets)."""

    policy: DeskPolicy = DEFAULT_POLICY

    @property
    def timezone(self) -> str:
        return self.policy.calendar_document.timezone


DEFAULT_DESK = Desk()
Fold = Callable[[Any, Any, Envelope, Desk], Any]
Contribution = Callable[[Any, Any], list[Item]]


@dataclass(frozen=True)
class Kind:
    """A kind of facts: the events folded into them (by event type), the facts rows each event changes, what
    each definition computed from them counts, and the breakdowns (`members`) a KPI of theirs is counted in.

    `reads` names, per KPI, the fields of the facts its contribution reads (besides the time zone): a change of
    other fields leaves it as it was, so it is not computed again. A KPI not named there is always recomputed."""

    name: str
    model: type[Facts]
    folds: Mapping[str, Fold]
    entities: Callable[[Any, Envelope], Iterable[str]]
    contributions: Mapping[str, Contribution]
    members: Callable[[Any], dict[str, str]] = field(default=lambda facts: ALL)
    reads: Mapping[str, frozenset[str]] = field(default_factory=dict)


def changed_fields(then: Facts, now: Facts) -> set[str]:
    return {name for name in type(now).model_fields if getattr(then, name) != getattr(now, name)}


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(instant: datetime, timezone: str) -> date:
    """The calendar day the instant falls on in the zone: what "per day" means to the tenant. Not cached: a cache
    that misses costs twice the work, and a rebuild's series look at each instant once per definition, far apart."""
    return instant.astimezone(_zone(timezone)).date()


def span(start: date, end: date | None, *, part: str = "", n: int = 1, total: int = 1) -> list[Count]:
    """A stock's share from the end of day `start` to the end of the day before `end` (still there if None)."""
    if end is not None and end <= start:
        return []
    counts = [Count(start, n, total, part)]
    return counts if end is None else [*counts, Count(end, -n, -total, part)]


def millis(seconds: float) -> int:
    """Business time in whole milliseconds: integer sums and differences are exact in any order."""
    return round(seconds * 1000)
