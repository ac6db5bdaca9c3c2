"""The KPI facts and series the metrics projector keeps: one pass per batch, in the batch's order, and a handful of
statements whatever its size (load the facts it touches, fold, write facts, add the deltas, replace samples)."""

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field

import asyncpg

from events.base import event_class
from events.contracts.metrics import ReferenceInputRecorded
from events.contracts.tickets import DeskPolicyChanged
from metrics.kpis import compute, definitions, store
from metrics.kpis.definitions import SAMPLED
from metrics.kpis.series import Desk, Facts
from metrics.projections import projection
from tickets.domain.policy import policy_from

READ = {*compute.FOLDED_BY, DeskPolicyChanged.event_type, ReferenceInputRecorded.event_type}
SAMPLED_KPIS = [kpi for kpi in definitions.DEFINITIONS if kpi.measure in SAMPLED]


@dataclass
class Folded:
    """What a batch's events changed besides the facts: desk policies (the latest each tenant's events gave) and
    FTE figures (the latest of each tenant, fiscal year and input)."""

    policies: dict[str, DeskPolicyChanged] = field(default_factory=dict)
    fte: dict[tuple, tuple[str, ReferenceInputRecorded]] = field(default_factory=dict)

    async def write(self, conn: asyncpg.Connection) -> None:
        if self.policies:
            await store.write_desks(conn, self.policies)
        if self.fte:
            await store.write_fte(conn, list(self.fte.values()))


def fold_batch(events: list[tuple], desks: MutableMapping[str, Desk], facts: MutableMapping) -> Folded:
    """Fold the events into `facts` in order; a desk policy change applies to the tenant's events after it."""
    folded = Folded()
    for event, envelope in events:
        if isinstance(event, DeskPolicyChanged):
            folded.policies[envelope.tenant] = event
            desks[envelope.tenant] = Desk(policy_from(event))
        elif isinstance(event, ReferenceInputRecorded):
            if event.input_id in store.FTE_INPUTS:
                folded.fte[(envelope.tenant, event.fiscal_year, event.input_id)] = (envelope.tenant, event)
        else:
            compute.fold(facts, event, envelope, desks[envelope.tenant])
    return folded


def touched(events: Iterable[tuple]) -> set[compute.FactsKey]:
    """The facts the events fold into."""
    return {
        (envelope.tenant, kind.name, entity)
        for event, envelope in events
        for kind in compute.FOLDED_BY.get(envelope.type, ())
        for entity in kind.entities(event, envelope)
    }


@projection.on_events(*(event_class(event_type) for event_type in sorted(READ)))
async def keep_kpis(conn: asyncpg.Connection, events: list[tuple]) -> None:
    """Every event of the batch the KPIs read, in order: facts depend on their events' order (a ticket's), the
    series only on the facts, so the deltas of the whole batch are added in one statement."""
    desks = await store.desks(conn, {envelope.tenant for _, envelope in events})
    before = await store.facts(conn, touched(events))
    facts = dict(before)
    folded = fold_batch(events, desks, facts)
    await folded.write(conn)
    await write_changes(conn, before, {key: value for key, value in facts.items() if before.get(key) != value})


async def write_changes(conn: asyncpg.Connection, before: dict, changed: dict[compute.FactsKey, Facts]) -> None:
    """The changed facts, and what they change of the series."""
    if not changed:
        return
    found = compute.changes(before, changed)
    await store.write_facts(conn, changed)
    await store.add_rows(conn, found.nonzero_rows())
    await store.replace_samples(conn, found, SAMPLED_KPIS)
