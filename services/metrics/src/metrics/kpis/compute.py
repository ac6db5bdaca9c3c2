"""From events to facts to series, without I/O: fold a batch's events into the facts they change, and turn changed
facts into the per-day deltas and the samples of every definition computed from them."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from events.envelope import Envelope
from metrics.kpis import definitions
from metrics.kpis.assets import DEVICES
from metrics.kpis.definitions import SAMPLED, Kpi
from metrics.kpis.desk import TICKETS
from metrics.kpis.series import Count, Desk, Facts, Kind, Sample, changed_fields
from metrics.kpis.training import DELIVERIES, ORIENTATIONS
from metrics.kpis.work import WORK_ORDERS

KINDS = {kind.name: kind for kind in (TICKETS, WORK_ORDERS, DEVICES, DELIVERIES, ORIENTATIONS)}
FOLDED_BY: dict[str, list[Kind]] = defaultdict(list)
for _kind in KINDS.values():
    for _event_type in _kind.folds:
        FOLDED_BY[_event_type].append(_kind)

FactsKey = tuple[str, str, str]  # tenant, kind, entity id
RowKey = tuple[str, str, int, str, str, date, str]  # tenant, kpi, version, dimension, member, day, part
SampleRow = tuple[str, str, int, str, str, date, float, str, str, str, str, str]


Members = tuple[tuple[str, str], ...]  # the breakdowns an entity is counted in: (dimension, member) pairs
FlowKey = tuple[str, str, int, Members, date, str]  # tenant, kpi, version, members, day, part


@dataclass
class Changes:
    """What changed facts do to the series: deltas to add to per-day rows, and the samples of each entity anew.

    The deltas are kept per set of breakdowns an entity is counted in (its priority, category, channel and group
    together) and spread over each breakdown's rows only when asked: one sum where there would be five."""

    flows: dict[FlowKey, list] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    samples: list[SampleRow] = field(default_factory=list)
    resampled: list[tuple[str, str]] = field(default_factory=list)  # (tenant, entity id) whose samples are these

    def nonzero_rows(self) -> dict[RowKey, list]:
        return spread(self.flows)


def spread(flows: Mapping[FlowKey, list]) -> dict[RowKey, list]:
    """The deltas per row: each breakdown's (dimension, member) row gets the deltas of every set it belongs to."""
    rows: dict[RowKey, list] = {}
    for (tenant, kpi, version, members, day, part), (n, total) in flows.items():
        if n or total:
            for dimension, member in members:
                key = (tenant, kpi, version, dimension, member, day, part)
                row = rows.get(key)
                if row is None:
                    rows[key] = [n, total]
                else:
                    row[0] += n
                    row[1] += total
    return {key: value for key, value in rows.items() if value[0] or value[1]}


def fold(facts: dict[FactsKey, Facts], event: Any, envelope: Envelope, desk: Desk) -> None:
    """Fold one event into every fact it changes (a new entity starts in the tenant's time zone)."""
    for kind in FOLDED_BY.get(envelope.type, ()):
        for entity in kind.entities(event, envelope):
            key = (envelope.tenant, kind.name, entity)
            current = facts.get(key) or kind.model(timezone=desk.timezone)
            facts[key] = kind.folds[envelope.type](current, event, envelope, desk)


def maintained(kind: Kind, kpis: Iterable[Kpi] | None = None) -> list[Kpi]:
    """The definitions computed from this kind of facts (all versions the registry holds, unless named)."""
    chosen = definitions.computed_from(kind.name) if kpis is None else [k for k in kpis if k.facts == kind.name]
    return [kpi for kpi in chosen if kpi.id in kind.contributions]


def changes(
    before: Mapping[FactsKey, Facts],
    after: Mapping[FactsKey, Facts],
    kpis: Iterable[Kpi] | None = None,
    into: Changes | None = None,
) -> Changes:
    """The deltas and samples that turn the series computed from `before` into those computed from `after`: only
    what a change of facts changed (most events move one or two of a ticket's counts, not all of them)."""
    found = into or Changes()
    for key, now in after.items():
        then = before.get(key)
        if then != now:
            _changed(found, key, then, now, kpis)
    return found


def _changed(found: Changes, key: FactsKey, then: Facts | None, now: Facts, kpis: Iterable[Kpi] | None) -> None:
    tenant, kind_name, entity = key
    kind = KINDS[kind_name]
    members = (members_of(kind, then) if then is not None else ()), members_of(kind, now)
    moved = then is None or members[0] != members[1]  # counted elsewhere now: every count moves
    changed = set() if moved else changed_fields(then, now)
    samples_then, samples_now = [], []
    for kpi in maintained(kind, kpis):
        reads = kind.reads.get(kpi.id)
        if not moved and reads is not None and kpi.measure not in SAMPLED and changed.isdisjoint(reads):
            continue  # nothing it counts changed
        contribute = kind.contributions[kpi.id]
        old, new = (contribute(then, kpi) if then is not None else []), contribute(now, kpi)
        if kpi.measure in SAMPLED:
            samples_then += [(kpi, item) for item in old]
            samples_now += [(kpi, item) for item in new]
        else:
            _recount(found, tenant, kpi, old, new, members, moved)
    if samples_then != samples_now or (samples_now and moved):
        found.resampled.append((tenant, entity))
        found.samples += [_sample_row(tenant, kpi, entity, item, members[1]) for kpi, item in samples_now]


def members_of(kind: Kind, facts: Facts) -> Members:
    return tuple(kind.members(facts).items())


def _recount(found: Changes, tenant: str, kpi: Kpi, old: list, new: list, members: tuple, moved: bool) -> None:
    """Take the old counts away and add the new ones; where they stay in the same breakdowns, only the difference."""
    if moved:
        _add(found, tenant, kpi, members[0], ((item, -1) for item in old))
        _add(found, tenant, kpi, members[1], ((item, 1) for item in new))
    elif old != new:
        difference = Counter(new)
        difference.subtract(old)
        _add(found, tenant, kpi, members[1], difference.items())


def _add(found: Changes, tenant: str, kpi: Kpi, members: Members, counted: Iterable[tuple[Count, int]]) -> None:
    flows = found.flows
    for item, times in counted:
        if times:
            row = flows[(tenant, kpi.id, kpi.version, members, item.day, item.part)]
            row[0] += times * item.n
            row[1] += times * item.total


def counted(kind: Kind, kpi: Kpi, entries: Iterable[tuple[FactsKey, Facts, Members, int]]) -> Iterator[tuple]:
    """What each entity's facts contribute to the definition's series, whole (not a change): per-day rows
    (tenant, kpi, version, breakdowns, day, part, n, total), `breakdowns` the number standing for the entity's
    members, or for a sampled definition, sample rows. `entries` give each entity's facts, members and that number."""
    contribute, sampled = kind.contributions[kpi.id], kpi.measure in SAMPLED
    for (tenant, _, entity), facts, members, breakdowns in entries:
        for item in contribute(facts, kpi):
            if sampled:
                yield _sample_row(tenant, kpi, entity, item, members)
            else:
                yield tenant, kpi.id, kpi.version, breakdowns, item.day, item.part, item.n, item.total


def _sample_row(tenant: str, kpi: Kpi, entity: str, item: Sample, members: Members) -> SampleRow:
    m = dict(members)
    dims = (m.get("priority", ""), m.get("category", ""), m.get("channel", ""), m.get("group", ""))
    return (tenant, kpi.id, kpi.version, entity, item.part, item.day, item.value, item.who, *dims)
