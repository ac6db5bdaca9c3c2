"""Devices on the kit: every command through `streams.handle`, the device list and its two-time timeline beside it."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import asyncpg

from assets import software
from assets.domain.commands import Command, RegisterDevice
from assets.domain.device import DEVICE, fold_in_valid_time
from assets.domain.device_state import OWNED, Device
from assets.domain.errors import AssetTagTaken
from events import streams
from events.contracts import assets as ev
from events.contracts.assets import MbnClass
from events.envelope import Context
from events.streams import Stream

COUNTED = [c for c in MbnClass if c is not MbnClass.NOT_COUNTED]
LEAVING = {ev.DeviceDisposed.event_type, ev.DeviceReportedMissing.event_type}


async def read_device(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> Stream[Device]:
    return await streams.read(conn, DEVICE, str(device_id), tenant)


async def handle_device(
    conn: asyncpg.Connection, device_id: UUID, command: Command, ctx: Context, if_match: int | None = None,
) -> Stream[Device]:
    """Run a device command; the stream's `view` is the device as it stands now in valid time."""
    loaded = streams.fresh(DEVICE) if isinstance(command, RegisterDevice) else None
    device = await streams.handle(conn, DEVICE, str(device_id), command, ctx, if_match=if_match, loaded=loaded,
                                  inline=write_device)
    if any(e.type in LEAVING for e in device.appended):  # a device that left the city holds no licence seat
        await software.release_seats_of(conn, device_id, ctx, reason=f"device {device.state.asset_tag} left the city")
    return device


def now_in_valid_time(device: Stream[Device]) -> Device:
    """The device's last state in valid time (a backdated event takes its place before later ones)."""
    return fold_in_valid_time(_dated(device))[-1][1]


def _dated(device: Stream[Device]) -> list:
    return [(e.time, e.recordedtime, e.streamversion, event) for e, event in zip(device.history, device.events,
                                                                                 strict=True)]


async def write_device(conn: asyncpg.Connection, device: Stream[Device], ctx: Context) -> Device:
    """Both inline read models, in the command's transaction; returns the device as it stands now."""
    timeline = fold_in_valid_time(_dated(device))
    now = timeline[-1][1]
    try:
        await _upsert_list_row(conn, ctx.tenant, now, device, timeline[0][0])
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != "device_list_asset_tag_unique":
            raise
        raise AssetTagTaken(f"asset tag {now.asset_tag} is already another device's: a tag names one device") from None
    await _record_in_timeline(conn, ctx.tenant, timeline, min(e.time for e in device.appended), ctx.recorded_at)
    return now


_UPSERT = """
INSERT INTO device_list (device_id, tenant, asset_tag, serial, manufacturer, model, kind, mbn_class, status,
    location, department, person_id, holds_storage, sanitized, purchased_on, cost, warranty_ends_on, registered_at,
    updated_at, version, supplier, order_number, useful_life_months, salvage_value, amortization_method,
    declining_rate, mbn_class_override_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
    $25, $26, $27)
ON CONFLICT (device_id) DO UPDATE SET serial = $4, manufacturer = $5, model = $6, kind = $7, mbn_class = $8,
    status = $9, location = $10, department = $11, person_id = $12, holds_storage = $13, sanitized = $14,
    purchased_on = $15, cost = $16, warranty_ends_on = $17, updated_at = $19, version = $20, supplier = $21,
    order_number = $22, useful_life_months = $23, salvage_value = $24, amortization_method = $25,
    declining_rate = $26
"""


async def _upsert_list_row(conn, tenant: str, d: Device, device: Stream[Device], registered_at: datetime) -> None:
    purchase, amortization = d.purchase, d.amortization
    await conn.execute(
        _UPSERT, d.device_id, tenant, d.asset_tag, d.serial, d.manufacturer, d.model, d.kind, d.mbn_class, d.status,
        d.location, d.department, d.person_id, d.holds_storage, d.sanitized,
        purchase.purchased_on if purchase else None, purchase.cost if purchase else None, d.warranty_ends_on,
        registered_at, device.history[-1].recordedtime, device.version,
        purchase.supplier if purchase else "", purchase.order_number if purchase else "",
        amortization.useful_life_months if amortization else None,
        amortization.salvage_value if amortization else None, amortization.method if amortization else None,
        amortization.declining_rate if amortization else None,
        device.history[0].data.get("mbn_class_override_reason", ""),  # the registration's; no event changes it
    )


_CLOSE = """
UPDATE device_timeline SET recorded_to = $3
WHERE device_id = $1 AND recorded_to = 'infinity' AND valid_to > $2
RETURNING valid_from
"""
_INSERT = """
INSERT INTO device_timeline (device_id, tenant, valid_from, valid_to, recorded_from, asset_tag, serial, model, kind,
    mbn_class, status, location, department, person_id)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
"""


async def _record_in_timeline(conn, tenant: str, timeline: list, changed_from: datetime, recorded_at: datetime) -> None:
    """Close the believed rows the new events change (from `changed_from` on, in valid time) and add the new ones."""
    closed = await conn.fetch(_CLOSE, timeline[0][1].device_id, changed_from, recorded_at)
    start = min((row["valid_from"] for row in closed), default=None)
    rows = [row for row in _intervals(timeline) if start is None or row[0] >= start]
    columns = [[d.device_id, tenant, since, until, recorded_at, d.asset_tag, d.serial, d.model, d.kind, d.mbn_class,
                d.status, d.location, d.department, d.person_id] for since, until, d in rows]
    await conn.execute(_INSERT, *map(list, zip(*columns, strict=True)))


def _intervals(timeline: list[tuple[datetime, Device]]) -> list[tuple[datetime, datetime, Device]]:
    """Each state with the valid-time interval it held; events at the same instant leave only the last state."""
    ends = [since for since, _ in timeline[1:]] + [datetime.max.replace(tzinfo=UTC)]
    return [(since, until, state) for (since, state), until in zip(timeline, ends, strict=True) if since < until]


def instant(moment: date | datetime) -> datetime:
    """A date in a query means the whole of that day (UTC): what was true at its end; an instant is itself."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)


# How long a state lasted, as classes of at most 2^k days (migration 055): 17 is also anything longer, 99 still holds.
SPAN_CLASSES = [*range(18), 99]
_BELIEVED_AT = """(
  SELECT found.* FROM unnest({spans}::smallint[]) AS span(class)
  CROSS JOIN LATERAL (
    SELECT device_id, tenant, asset_tag, serial, model, kind, mbn_class, status, location, department, person_id
    FROM device_timeline
    WHERE recorded_to = 'infinity' AND span_class = span.class AND valid_from <= {valid} AND {valid} < valid_to
      AND valid_from >= CASE WHEN span.class < 17 THEN {valid} - (2 ^ span.class + 1) * interval '1 day'
                             ELSE '-infinity' END) AS found
) AS device_timeline"""
_KNOWN_AT = """(
  SELECT * FROM device_timeline
  WHERE valid_from <= {valid} AND {valid} < valid_to AND recorded_from <= {known} AND {known} < recorded_to
) AS device_timeline"""


def timeline_at(valid: int, known: int | None) -> str:
    """The devices as they were at valid instant ${valid}, as known at ${known} (or as believed now): a FROM source.

    Believed now, the rows valid at T are found class by class: a state of class k holding at T began within
    2^k days (and a day's margin) before T, so each class is one short range of the covering index.
    """
    if known is None:
        return _BELIEVED_AT.format(valid=f"${valid}", spans=f"ARRAY{SPAN_CLASSES}")
    return _KNOWN_AT.format(valid=f"${valid}", known=f"${known}")


_COUNTS = """
SELECT mbn_class, count(*) AS devices FROM {source}
WHERE tenant = $1 AND status = ANY($3::text[]) AND mbn_class = ANY($4::text[])
GROUP BY mbn_class
"""


async def mbn_counts(conn: asyncpg.Connection, tenant: str, as_of: datetime,
                     known_at: datetime | None) -> dict[str, int]:
    """Devices the city owned and still had at `as_of`, per MBN class (INTN212, INTN214, INTN216)."""
    args = [tenant, as_of, list(OWNED), COUNTED, *([known_at] if known_at else [])]
    rows = await conn.fetch(_COUNTS.format(source=timeline_at(2, 5 if known_at else None)), *args)
    found = {row["mbn_class"]: row["devices"] for row in rows}
    return {mbn_class.value: found.get(mbn_class, 0) for mbn_class in COUNTED}
