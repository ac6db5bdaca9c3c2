"""The projector's own history of each device from the assets events: its states along valid time (and from them
the devices MBN counts at each year's close) and its amortization per fiscal year, re-derived from the device's kept
events whenever one of them arrives.

A backdated event (an install recorded in February that happened in December) changes the device's past, so
nothing is patched in place: the device's events are kept, and its states and amounts derived from all of them
again, as the assets service folds its timeline (`assets.domain.device.fold_in_valid_time`) and reads its
amortization (`assets.api.amortization.holding_of`). Metrics reads the assets events, never the assets package:
the few status transitions below mirror the device decider's evolvers, and the amortization math is the shared
contract's. One pass per batch: keep its device events, then re-derive the devices they touch in a few statements
(a rebuild keeps them in memory instead, and derives each device once: `DevicesInMemory`).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from events.base import Event, event_class, event_from_stored
from events.committed import UntilCommitted
from events.contracts import assets as ev
from events.contracts.amortization import Holding, OutOfCalendar, schedule
from events.envelope import Envelope
from metrics.projections import projection

# The statuses as the assets service names them; what MBN counts is what the city owned and still had.
OWNED = ("in_stock", "deployed", "in_repair", "retired")
# The states MBN counts, spelled as the partial index device_states_counted is, so that the planner uses it.
COUNTED = f"status IN ({', '.join(repr(s) for s in OWNED)}) AND mbn_class <> 'not_counted'"
# MBN's fiscal year is the calendar year (metrics.mbn.domain): amortization is scheduled from January.
FISCAL_YEAR_STARTS = 1
FOREVER = datetime.max.replace(tzinfo=UTC)  # the end of the state a device is in now, as assets writes it


@dataclass(frozen=True)
class State:
    """What the history needs of a device's state: where it is in its life, and how MBN counts it."""

    status: str = "none"
    mbn_class: str = ev.MbnClass.NOT_COUNTED.value
    asset_tag: str = ""
    before_repair: str | None = None


Evolver = Callable[[State, Event], State]


def _registered(s: State, e: ev.DeviceRegistered) -> State:
    return replace(s, status="on_order" if e.on_order else "in_stock", mbn_class=e.mbn_class.value,
                   asset_tag=e.asset_tag)  # fmt: skip


def _becomes(status: str) -> Evolver:
    return lambda s, e: replace(s, status=status)


def _sent_for_repair(s: State, e: ev.DeviceSentForRepair) -> State:
    return replace(s, status="in_repair", before_repair=s.status)


def _back_from_repair(s: State, e: ev.DeviceBackFromRepair) -> State:
    return replace(s, status=s.before_repair or "in_stock", before_repair=None)


def _retired(s: State, e: ev.DeviceRetired) -> State:
    return replace(s, status="retired", before_repair=None)


def _missing(s: State, e: ev.DeviceReportedMissing) -> State:
    return replace(s, status="stolen" if e.stolen else "lost")


# The device decider's evolvers, as far as status, MBN class and tag go (assets.domain.device).
EVOLVERS: dict[type[Event], Evolver] = {
    ev.DeviceRegistered: _registered, ev.DeviceReceived: _becomes("in_stock"), ev.DeviceInstalled: _becomes("deployed"),
    ev.DeviceAssigned: _becomes("deployed"), ev.DeviceReturned: _becomes("in_stock"),
    ev.DeviceSentForRepair: _sent_for_repair, ev.DeviceBackFromRepair: _back_from_repair, ev.DeviceRetired: _retired,
    ev.DeviceDisposed: _becomes("disposed"), ev.DeviceReportedMissing: _missing,
}  # fmt: skip
LEAVING = (ev.DeviceDisposed, ev.DeviceReportedMissing)  # the city no longer holds the device from that day on
# The events that change a device's state or its amortization terms; the others change nothing kept here.
READ = frozenset(cls.event_type for cls in (*EVOLVERS, ev.DeviceDetailsCorrected))


@dataclass(frozen=True)
class Kept:
    """A device event as the history keeps it: `at` is its valid time, `version` its place in the stream."""

    tenant: str
    device_id: UUID
    version: int
    at: datetime
    event: Event


@dataclass(frozen=True)
class Interval:
    valid_from: datetime
    valid_to: datetime
    state: State


def states_in_valid_time(kept: list[Kept]) -> list[Interval]:
    """The device's states in the order its events happened (`at`, then stream version), each until the next began:
    a backdated event takes its place in the past; events at the same instant leave only the last state."""
    timeline, state = [], State()
    for k in sorted(kept, key=lambda k: (k.at, k.version)):
        evolve = EVOLVERS.get(type(k.event))
        state = evolve(state, k.event) if evolve else state
        if state.status != "none":
            timeline.append((k.at, state))
    ends = [since for since, _ in timeline[1:]] + [FOREVER]
    return [Interval(since, until, s) for (since, s), until in zip(timeline, ends, strict=True) if since < until]


def holding_of(kept: list[Kept]) -> Holding | None:
    """The device as amortization sees it: its purchase and terms as its stream last set them (in the order
    recorded, as the device's state has them), and the day (UTC) it left the city, if it did. None when either
    term is missing: the assets service amortizes no such device."""
    terms: dict[str, ev.Purchase | ev.Amortization | None] = {"purchase": None, "amortization": None}
    for k in sorted(kept, key=lambda k: k.version):
        if isinstance(k.event, ev.DeviceRegistered):
            terms = {"purchase": k.event.purchase, "amortization": k.event.amortization}
        elif isinstance(k.event, ev.DeviceDetailsCorrected):
            terms |= {d.value: getattr(k.event, d.value) for d in k.event.changed if d.value in terms}
    if terms["purchase"] is None or terms["amortization"] is None:
        return None
    return Holding(terms["purchase"], terms["amortization"], _gone_on(kept))


def _gone_on(kept: list[Kept]) -> date | None:
    left = [k.at for k in kept if isinstance(k.event, LEAVING)]
    return min(left).astimezone(UTC).date() if left else None


def amounts_by_year(holding: Holding | None) -> dict[int, Decimal]:
    """The device's amortization per fiscal year, from the shared schedule (what tenant_total adds up)."""
    if holding is None:
        return {}
    try:
        return {row.year: row.amount for row in schedule(holding, FISCAL_YEAR_STARTS)}
    except OutOfCalendar:  # a life running past year 9999: assets refuses its schedule (422), so nothing to add
        return {}


# --- the projection -------------------------------------------------------------------------------------------


@projection.on_events(*(event_class(event_type) for event_type in sorted(READ)))
async def keep_device_history(conn: asyncpg.Connection, events: list[tuple[Event, Envelope]]) -> None:
    """The batch's device events kept, then every device they touch derived again from all its kept events."""
    await conn.execute(_KEEP, *_columns([_event_row(event, envelope) for event, envelope in events]))
    devices = sorted({(envelope.tenant, event.device_id) for event, envelope in events})
    await _derive(conn, devices, await _kept(conn, devices))


def _event_row(event: Event, envelope: Envelope) -> tuple:
    """A device_events row: the event as it was stored, at its valid time."""
    return (envelope.tenant, event.device_id, envelope.streamversion, envelope.type, envelope.schemaversion,
            envelope.time, envelope.data)  # fmt: skip


_EVENT_COLUMNS = ("tenant", "device_id", "stream_version", "event_type", "schema_version", "at", "payload")


_KEEP = f"""
INSERT INTO device_events ({", ".join(_EVENT_COLUMNS)})
SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::jsonb[])
ON CONFLICT DO NOTHING"""
_DEVICES = "(tenant, device_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))"
_KEPT = f"""
SELECT tenant, device_id, stream_version, event_type, schema_version, at, payload FROM device_events
WHERE {_DEVICES}"""


async def _kept(conn: asyncpg.Connection, devices: list[tuple[str, UUID]]) -> dict[tuple[str, UUID], list[Kept]]:
    by_device: dict[tuple[str, UUID], list[Kept]] = defaultdict(list)
    for row in await conn.fetch(_KEPT, *_columns(devices)):
        event = event_from_stored(row["event_type"], row["schema_version"], row["payload"], row["at"])
        key = (row["tenant"], row["device_id"])
        by_device[key].append(Kept(*key, row["stream_version"], row["at"], event))
    return by_device


async def _derive(conn: asyncpg.Connection, devices: list, kept: dict[tuple[str, UUID], list[Kept]]) -> None:
    """Replace the devices' states and amounts with what all their kept events now give."""
    states, amounts = [], []
    for (tenant, device_id), events in kept.items():
        intervals = states_in_valid_time(events)
        states += [(tenant, device_id, i.valid_from, i.valid_to, *_state_columns(i.state)) for i in intervals]
        tag = intervals[-1].state.asset_tag if intervals else ""
        yearly = amounts_by_year(holding_of(events))
        amounts += [(tenant, year, device_id, amount, tag) for year, amount in yearly.items()]
    await conn.execute(_DROP_STATES, *_columns(devices))
    await conn.execute(f"DELETE FROM device_amortization WHERE {_DEVICES}", *_columns(devices))
    if states:
        await conn.execute(_ADD_STATES, *_columns(states))
    if amounts:
        await conn.execute(_AMOUNTS, *_columns(amounts))


class DevicesInMemory:
    """Stands in for `keep_device_history` during a rebuild (`Projection.replaced`): each device's events are kept in
    memory, and every device is derived once from all of them when the replay is done (`write`), where the live
    handler derives a device again with each batch that touches it. A batch's events count only once its transaction
    has committed (`events.committed`). For a projection whose device history starts empty."""

    def __init__(self) -> None:
        # Each device's events by stream version, with their rows: the first kept, as ON CONFLICT DO NOTHING keeps it.
        self.kept: dict[tuple[str, UUID], dict[int, tuple[tuple, Kept]]] = defaultdict(dict)
        self._batch: UntilCommitted[list[tuple[tuple, Kept]]] = UntilCommitted("device_events")

    async def keep_device_history(self, conn: asyncpg.Connection, events: list[tuple[Event, Envelope]]) -> None:
        await self._settle(conn)
        await self._batch.hold(conn, [
            (_event_row(event, envelope), Kept(envelope.tenant, event.device_id, envelope.streamversion, envelope.time,
                                               event)) for event, envelope in events])  # fmt: skip

    async def write(self, conn: asyncpg.Connection) -> int:
        """Every kept event, and each device's states and amounts derived from all of them, in one transaction;
        returns how many events. The memory is let go of: the projection goes on with the live handler."""
        await self._settle(conn)
        rows = [row for versions in self.kept.values() for row, _ in versions.values()]
        kept = {device: [k for _, k in versions.values()] for device, versions in self.kept.items()}
        if rows:
            async with conn.transaction():
                await conn.copy_records_to_table("device_events", columns=_EVENT_COLUMNS, records=rows)
                await _derive(conn, sorted(kept), kept)
        self.kept = defaultdict(dict)
        return len(rows)

    async def _settle(self, conn: asyncpg.Connection) -> None:
        for row, kept in await self._batch.settled(conn) or ():
            self.kept[(kept.tenant, kept.device_id)].setdefault(kept.version, (row, kept))


def _state_columns(state: State) -> tuple[str, str, str]:
    return state.status, state.mbn_class, state.asset_tag


def _counted(change: str, sign: int) -> str:
    """`change` (a DELETE from or INSERT into device_states) with what the states it touches do to MBN's counts
    (device_counts_by_year), in the same statement: a counted state adds `sign` to its class in the year (UTC) it
    began and takes it away in the year it ended. Rows in key order, so that two batches adding to the same years
    lock them in the same order."""
    return f"""
WITH states AS ({change} RETURNING tenant, valid_from, valid_to, status, mbn_class)
INSERT INTO device_counts_by_year (tenant, mbn_class, fiscal_year, held)
SELECT tenant, mbn_class, year, sum(held) * {sign} FROM (
    SELECT tenant, mbn_class, extract(year FROM valid_from AT TIME ZONE 'UTC')::int AS year, 1 AS held
    FROM states WHERE {COUNTED}
    UNION ALL
    SELECT tenant, mbn_class, extract(year FROM valid_to AT TIME ZONE 'UTC')::int, -1
    FROM states WHERE {COUNTED} AND isfinite(valid_to)
) changes GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (tenant, mbn_class, fiscal_year) DO UPDATE SET held = device_counts_by_year.held + excluded.held"""


# The devices' states as they were leave the counts; their states as now derived join them.
_DROP_STATES = _counted(f"DELETE FROM device_states WHERE {_DEVICES}", -1)
_ADD_STATES = _counted("""
INSERT INTO device_states (tenant, device_id, valid_from, valid_to, status, mbn_class, asset_tag)
SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[],
    $7::text[])""", 1)
_AMOUNTS = """
INSERT INTO device_amortization (tenant, fiscal_year, device_id, amount, asset_tag)
SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::numeric[], $5::text[])"""


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]
