"""The KPIs of a fresh projection kept in memory while a rebuild replays the topics, and written once at the end.

Series depend only on the facts (metrics.kpis.replay computes them from the facts alone), so a rebuild need not
write each event's deltas: it folds every event into facts held here and, when the replay is done, writes the facts
and computes each definition's series from them in one pass. Desk policies and FTE figures are still written with
their batch, as the live handler writes them.

What a batch folds counts only once its transaction has committed (`events.committed`): so a batch that fails (and
is then applied record by record, a bad record dead-lettered) leaves nothing behind here either, and the dedupe rows
and the facts stay one. A crash loses the memory and the shadow schema with it: the rebuild starts
again from scratch.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from events.committed import UntilCommitted
from metrics.kpis import compute, store
from metrics.kpis.compute import KINDS, FactsKey
from metrics.kpis.definitions import SAMPLED, STOCKS
from metrics.kpis.handlers import fold_batch
from metrics.kpis.series import DEFAULT_DESK, Desk, Facts


@dataclass(frozen=True)
class _Batch:
    """A batch's changes, held until its transaction is known to have committed."""

    facts: dict[FactsKey, Facts]
    desks: dict[str, tuple[datetime, Desk]]


class KpisInMemory:
    """Stands in for `metrics.kpis.handlers.keep_kpis` during a rebuild (`Projection.replaced`): `keep_kpis` folds,
    `write` writes everything once the replay is over. For a projection whose KPI tables start empty."""

    def __init__(self) -> None:
        self.facts: dict[FactsKey, Facts] = {}
        self.desks: dict[str, tuple[datetime | None, Desk]] = {}  # each tenant's latest policy, by when it changed
        self._batch: UntilCommitted[_Batch] = UntilCommitted("kpi_facts")

    async def keep_kpis(self, conn: asyncpg.Connection, events: list[tuple]) -> None:
        await self._settle(conn)
        tenants = {envelope.tenant for _, envelope in events}
        await self._know_desks(conn, tenants - set(self.desks))
        desks = {tenant: self.desks[tenant][1] for tenant in tenants}
        facts = _Over(self.facts)  # the batch's writes kept apart
        folded = fold_batch(events, desks, facts)
        await folded.write(conn)
        changed_desks = {tenant: (e.at, desks[tenant]) for tenant, e in folded.policies.items()}
        await self._batch.hold(conn, _Batch(facts, changed_desks))

    async def write(self, conn: asyncpg.Connection) -> int:
        """Write the facts and every definition's series computed from them, in one transaction; returns how many
        facts. The memory is let go of: the projection goes on with the live handler.

        Python computes each series in a thread while Postgres writes those before it (`_InOrder`): the sampled
        definitions first, so that their periods' figures are computed while the counts are."""
        await self._settle(conn)
        kept = list(self.facts.items())
        series = [(kind, kpi) for kind in KINDS.values() for kpi in compute.maintained(kind)]
        sampled = [(kind, kpi) for kind, kpi in series if kpi.measure in SAMPLED]
        tables = ("kpi_daily", *store.ROLLUPS.values())
        async with conn.transaction(), store.keys_built_after(conn, *tables), _InOrder() as postgres:
            postgres.then(store.write_all_facts, conn, kept)
            entries = await asyncio.to_thread(_entries, kept)
            for kind, kpi in sampled:
                samples = await asyncio.to_thread(compute.whole_samples, kind, kpi, entries[kind.name])
                _chunks(postgres, store.insert_samples, conn, samples)
            postgres.then(store.figure_closed, conn, [kpi for _, kpi in sampled])
            for kind, kpi in series:
                if kpi.measure not in SAMPLED:
                    rows = await asyncio.to_thread(compute.whole_counts, kind, kpi, entries[kind.name])
                    _chunks(postgres, store.insert_rows, conn, rows)
                    if kpi.measure in STOCKS:  # its weekly and monthly sums, once its days are all in
                        postgres.then(store.sum_rollups, conn, kpi)
        written, self.facts, self.desks = len(self.facts), {}, {}
        return written

    async def _settle(self, conn: asyncpg.Connection) -> None:
        """Keep the last batch's changes if its transaction committed, drop them if it rolled back."""
        batch = await self._batch.settled(conn)
        if batch is not None:
            self.facts.update(batch.facts)
            for tenant, (changed_at, desk) in batch.desks.items():
                self._keep_desk(tenant, changed_at, desk)

    def _keep_desk(self, tenant: str, changed_at: datetime, desk: Desk) -> None:
        """The latest change wins, whichever order changes arrive in (as kpi_desks keeps them)."""
        known = self.desks.get(tenant)
        if known is None or known[0] is None or changed_at >= known[0]:
            self.desks[tenant] = (changed_at, desk)

    async def _know_desks(self, conn: asyncpg.Connection, tenants: set[str]) -> None:
        """The policies of tenants not seen yet, as committed (kpi_desks); the defaults for one that set none."""
        if not tenants:
            return
        rows = await conn.fetch("SELECT tenant, changed_at, policy FROM kpi_desks WHERE tenant = ANY($1::text[])",
                                list(tenants))  # fmt: skip
        found = {row["tenant"]: (row["changed_at"], store.desk_of(row["policy"])) for row in rows}
        for tenant in tenants:
            self.desks[tenant] = found.get(tenant, (None, DEFAULT_DESK))


class _Over(dict):
    """A batch's facts, over those kept: what it writes stays here, what it reads and did not write comes from below
    (a ChainMap of two, whose lookups in Python cost a rebuild more than a second)."""

    __slots__ = ("below",)

    def __init__(self, below: dict) -> None:
        super().__init__()
        self.below = below

    def get(self, key, default=None):
        found = dict.get(self, key)
        return self.below.get(key, default) if found is None else found


def _entries(kept: list[tuple[FactsKey, Facts]]) -> dict[str, list[tuple]]:
    """Each kind's facts, with the breakdowns they are in (found once for all the kind's definitions)."""
    entries: dict[str, list[tuple]] = defaultdict(list)
    for key, f in kept:
        entries[key[1]].append((key, f, compute.members_of(KINDS[key[1]], f)))
    return entries


class _InOrder:
    """Writes on one connection, queued and run one after another by a task of their own: Postgres writes while
    Python computes what comes next (in a thread, so that the event loop is free to start each write as soon as the
    one before it is done). A failed write is raised once (by the next `then`, or on leaving), and none after it
    starts; leaving waits for the writes queued, or, on an error, for the one under way only."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue()
        self._writing: asyncio.Task | None = None

    async def __aenter__(self) -> "_InOrder":
        self._writing = asyncio.create_task(self._write_all())
        return self

    async def __aexit__(self, error_type, *_) -> None:
        if error_type is not None:  # the connection free again for the rollback: no write after the one under way
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(None)
        try:
            await self._writing
        except Exception:
            if error_type is None:
                raise  # not raised by a `then` yet

    def then(self, write: Callable[..., Awaitable], *args) -> None:
        if self._writing.done():
            self._writing.result()  # a write failed: raised here
        self._queue.put_nowait((write, args))

    async def _write_all(self) -> None:
        while (queued := await self._queue.get()) is not None:
            write, args = queued
            await write(*args)


CHUNK = 50_000  # rows a COPY takes


def _chunks(postgres: _InOrder, write: Callable[..., Awaitable], conn: asyncpg.Connection, rows: list[tuple]) -> None:
    for start in range(0, len(rows), CHUNK):
        postgres.then(write, conn, rows[start : start + CHUNK])
