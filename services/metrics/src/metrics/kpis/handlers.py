"""The KPI facts and series the metrics projector keeps: one pass per batch, in the batch's order, and a handful of
statements whatever its size (load the facts it touches, fold, write facts, add the deltas, replace samples)."""

import asyncpg

from events.contracts.metrics import ReferenceInputRecorded
from events.contracts.tickets import DeskPolicyChanged
from events.envelope import Envelope
from metrics.kpis import compute, definitions, store
from metrics.kpis.definitions import SAMPLED
from metrics.kpis.series import Desk
from metrics.projections import projection
from tickets.domain.policy import policy_from

READ = {*compute.FOLDED_BY, DeskPolicyChanged.event_type, ReferenceInputRecorded.event_type}


@projection.on_every_batch
async def keep_kpis(conn: asyncpg.Connection, batch: list[Envelope]) -> None:
    """Every event of the batch the KPIs read, in order: facts depend on their events' order (a ticket's), the
    series only on the facts, so the deltas of the whole batch are added in one statement."""
    events = [(envelope.event(), envelope) for envelope in batch if envelope.type in READ]
    if events:
        await _apply(conn, events)


async def _apply(conn: asyncpg.Connection, events: list[tuple]) -> None:
    desks = await store.desks(conn, {envelope.tenant for _, envelope in events})
    before = await store.facts(conn, _touched(events))
    facts, policies, fte = dict(before), {}, {}
    for event, envelope in events:
        if isinstance(event, DeskPolicyChanged):
            policies[envelope.tenant] = event
            desks[envelope.tenant] = Desk(policy_from(event))
        elif isinstance(event, ReferenceInputRecorded):
            if event.input_id in store.FTE_INPUTS:
                fte[(envelope.tenant, event.fiscal_year, event.input_id)] = (envelope.tenant, event)
        else:
            compute.fold(facts, event, envelope, desks[envelope.tenant])
    changed = {key: value for key, value in facts.items() if before.get(key) != value}
    await _write(conn, changed, before, policies, list(fte.values()))


def _touched(events: list[tuple]) -> set[compute.FactsKey]:
    return {
        (envelope.tenant, kind.name, entity)
        for event, envelope in events
        for kind in compute.FOLDED_BY.get(envelope.type, ())
        for entity in kind.entities(event, envelope)
    }


async def _write(conn, changed, before, policies, fte) -> None:
    if policies:
        await store.write_desks(conn, policies)
    if fte:
        await store.write_fte(conn, fte)
    if not changed:
        return
    found = compute.changes(before, changed)
    await store.write_facts(conn, changed)
    await store.add_rows(conn, found.nonzero_rows())
    sampled = [kpi.key for kpi in definitions.DEFINITIONS if kpi.measure in SAMPLED]
    await store.replace_samples(conn, found, sampled)
