"""From events to facts to series, without I/O: fold a batch's events into the facts they change, and turn changed
facts into the per-day deltas and the samples of every definition computed from them."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
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
        return spread(self.flows.items())


def spread(flows: Iterable[tuple[FlowKey, Sequence]]) -> dict[RowKey, list]:
    """The deltas per row: each breakdown's (dimension, member) row gets the deltas of every set it belongs to."""
    return {key: value for key, value in _summed(flows).items() if value[0] or value[1]}


def _summed(flows: Iterable[tuple[FlowKey, Sequence]]) -> dict[RowKey, list]:
    rows: dict[RowKey, list] = {}
    for (tenant, kpi, version, members, day, part), (n, total) in flows:
        if n or total:
            for dimension, member in members:
                key = (tenant, kpi, version, dimension, member, day, part)
                row = rows.get(key)
                if row is None:
                    rows[key] = [n, total]
                else:
                    row[0] += n
                    row[1] += total
    return rows


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
    moves = Moves.of(members_of(kind, then) if then is not None else (), members_of(kind, now))
    changed = None if then is None else changed_fields(then, now)
    chosen = maintained(kind, kpis)
    for kpi in chosen:
        if kpi.measure not in SAMPLED and (moves.moved or not _unchanged(kind, kpi.id, changed)):
            _recount(found, tenant, kind, kpi, then, now, changed, moves)
    samples = _samples_anew(kind, chosen, then, now, changed, moves)
    if samples is not None:
        found.resampled.append((tenant, entity))
        found.samples += [_sample_row(tenant, kpi, entity, item, moves.now) for kpi, item in samples]


@dataclass(frozen=True, slots=True)
class Moves:
    """An entity's breakdowns before and after a change: those it stays in, those it left and those it joined.
    A ticket assigned to a group moves in one breakdown of five: the other four only see what changed."""

    stays: Members
    left: Members = ()
    joined: Members = ()

    @classmethod
    def of(cls, then: Members, now: Members) -> "Moves":
        if then == now:
            return cls(now)
        return cls(tuple(m for m in now if m in then), tuple(m for m in then if m not in now),
                   tuple(m for m in now if m not in then))  # fmt: skip

    @property
    def moved(self) -> bool:
        return bool(self.left or self.joined)

    @property
    def now(self) -> Members:
        return (*self.stays, *self.joined)


def _unchanged(kind: Kind, kpi_id: str, changed: set[str] | None) -> bool:
    """Whether the change left every field the definition's contribution reads as it was."""
    reads = kind.reads.get(kpi_id)
    return changed is not None and reads is not None and changed.isdisjoint(reads)


def _recount(found: Changes, tenant: str, kind: Kind, kpi: Kpi, then: Facts | None, now: Facts,
             changed: set[str] | None, moves: Moves) -> None:
    """Take the old counts away from the breakdowns left and add the new ones to those joined; in the breakdowns
    it stays in, only the difference (nothing, if no field it reads changed)."""
    contribute = kind.contributions[kpi.id]
    if _unchanged(kind, kpi.id, changed):
        if moves.moved:  # the same counts, elsewhere
            counts = contribute(now, kpi)
            _add(found, tenant, kpi, moves.left, ((item, -1) for item in counts))
            _add(found, tenant, kpi, moves.joined, ((item, 1) for item in counts))
        return
    old, new = (contribute(then, kpi) if then is not None else []), contribute(now, kpi)
    if moves.left:
        _add(found, tenant, kpi, moves.left, ((item, -1) for item in old))
    if moves.joined:
        _add(found, tenant, kpi, moves.joined, ((item, 1) for item in new))
    if moves.stays and old != new:
        difference = Counter(new)
        difference.subtract(old)
        _add(found, tenant, kpi, moves.stays, difference.items())


def _samples_anew(kind: Kind, kpis: list[Kpi], then: Facts | None, now: Facts, changed: set[str] | None,
                  moves: Moves) -> list[tuple[Kpi, Sample]] | None:
    """The entity's samples of every sampled definition, if they are to be written anew: one of them changed, or
    the entity moved (a sample row names its breakdowns); None if they stay as they are."""
    sampled = [kpi for kpi in kpis if kpi.measure in SAMPLED]
    if not sampled or (not moves.moved and all(_unchanged(kind, kpi.id, changed) for kpi in sampled)):
        return None
    samples_now = [(kpi, item) for kpi in sampled for item in kind.contributions[kpi.id](now, kpi)]
    if not (samples_now and moves.moved):
        samples_then = [] if then is None else [
            (kpi, item) for kpi in sampled for item in kind.contributions[kpi.id](then, kpi)]  # fmt: skip
        if samples_then == samples_now:
            return None
    return samples_now


def members_of(kind: Kind, facts: Facts) -> Members:
    return tuple(kind.members(facts).items())


def _add(found: Changes, tenant: str, kpi: Kpi, members: Members, counted: Iterable[tuple[Count, int]]) -> None:
    flows = found.flows
    for item, times in counted:
        if times:
            row = flows[(tenant, kpi.id, kpi.version, members, item.day, item.part)]
            row[0] += times * item.n
            row[1] += times * item.total


def whole_counts(kind: Kind, kpi: Kpi, entries: Iterable[tuple[FactsKey, Facts, Members]]) -> list[tuple]:
    """A counted definition's whole series, as per-day rows (a RowKey, n and total), from every entity's facts and
    members: what `changes` gives from no facts at all, each entity's counts spread as they come (few entities share a
    day and breakdowns), with the members of each entity found once for every definition."""
    contribute = kind.contributions[kpi.id]
    rows = _summed(((tenant, kpi.id, kpi.version, members, item.day, item.part), (item.n, item.total))
                   for (tenant, _, _), facts, members in entries for item in contribute(facts, kpi))  # fmt: skip
    return [(*key, n, total) for key, (n, total) in rows.items() if n or total]


def whole_samples(kind: Kind, kpi: Kpi, entries: Iterable[tuple[FactsKey, Facts, Members]]) -> list[SampleRow]:
    """A sampled definition's every sample, from every entity's facts and members."""
    contribute = kind.contributions[kpi.id]
    return [_sample_row(tenant, kpi, entity, item, members)
            for (tenant, _, entity), facts, members in entries for item in contribute(facts, kpi)]  # fmt: skip


def _sample_row(tenant: str, kpi: Kpi, entity: str, item: Sample, members: Members) -> SampleRow:
    m = dict(members)
    dims = (m.get("priority", ""), m.get("category", ""), m.get("channel", ""), m.get("group", ""))
    return (tenant, kpi.id, kpi.version, entity, item.part, item.day, item.value, item.who, *dims)
