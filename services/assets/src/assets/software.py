"""Software on the kit: titles and licences through `streams.handle`, their rows and the seats held beside them."""

from datetime import date
from decimal import Decimal
from uuid import UUID

import asyncpg

from assets.domain.device import DEVICE
from assets.domain.device_state import GONE, Status
from assets.domain.errors import (
    DeviceOutOfService,
    LicenceSeatsExhausted,
    SoftwareTitleAlreadyListed,
    TitleAlreadyOnDevice,
)
from assets.domain.software import (
    LICENCE,
    SOFTWARE_TITLE,
    AcquireLicence,
    AddSoftwareTitle,
    InstallSoftware,
    Licence,
    LicenceCommand,
    SoftwareTitle,
    UninstallSoftware,
)
from events import streams
from events.contracts.software import SoftwareInstalled, SoftwareUninstalled
from events.envelope import Context
from events.errors import NotFound, UnknownReference, Unprocessable
from events.streams import Stream

# A device in these states takes no new software (retired: it awaits disposal).
OUT_OF_SERVICE = GONE | {Status.RETIRED}


async def read_title(conn: asyncpg.Connection, title_id: UUID, tenant: str) -> Stream[SoftwareTitle]:
    return await streams.read(conn, SOFTWARE_TITLE, str(title_id), tenant)


async def read_licence(conn: asyncpg.Connection, licence_id: UUID, tenant: str) -> Stream[Licence]:
    return await streams.read(conn, LICENCE, str(licence_id), tenant)


async def add_title(conn: asyncpg.Connection, command: AddSoftwareTitle, ctx: Context) -> Stream[SoftwareTitle]:
    """Add a title; the stream's `view` is its row with seats (none yet). A title listed twice is refused."""
    return await streams.handle(conn, SOFTWARE_TITLE, str(command.title_id), command, ctx,
                                loaded=streams.fresh(SOFTWARE_TITLE), inline=_list_title)


_INSERT_TITLE = """
INSERT INTO software_titles (title_id, tenant, name, publisher, software_version, category, added_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""


async def _list_title(conn: asyncpg.Connection, title: Stream[SoftwareTitle], ctx: Context) -> asyncpg.Record:
    t = title.state
    try:
        await conn.execute(_INSERT_TITLE, t.title_id, ctx.tenant, t.name, t.publisher, t.version, t.category,
                           title.appended[0].time)
    except asyncpg.UniqueViolationError:
        raise SoftwareTitleAlreadyListed(
            f"{t.name} {t.version} by {t.publisher or 'no publisher'} is already listed: add licences to it") from None
    return await title_row(conn, t.title_id, ctx.tenant, ctx.recorded_at.date())


async def acquire(conn: asyncpg.Connection, command: AcquireLicence, ctx: Context) -> Stream[Licence]:
    if (await read_title(conn, command.title_id, ctx.tenant)).state.title_id is None:
        raise UnknownReference("title_id", f"there is no software title {command.title_id}")
    return await handle_licence(conn, command.licence_id, command, ctx, loaded=streams.fresh(LICENCE))


async def handle_licence(
    conn: asyncpg.Connection, licence_id: UUID, command: LicenceCommand, ctx: Context, if_match: int | None = None,
    loaded: Stream[Licence] | None = None,
) -> Stream[Licence]:
    """Run a licence command; the stream's `view` is the licence's row, seats used and free included."""
    return await streams.handle(conn, LICENCE, str(licence_id), command, ctx, if_match=if_match, loaded=loaded,
                                inline=_write_licence)


async def install(conn: asyncpg.Connection, device_id: UUID, licence_id: UUID | None, title_id: UUID | None,
                  command: InstallSoftware, ctx: Context, if_match: int | None = None) -> Stream[Licence]:
    """Give the device a seat of the licence named, or of the title's licence `_licence_of_title` picks."""
    await _must_take_software(conn, device_id, ctx.tenant)
    if licence_id is None:
        licence_id = await _licence_of_title(conn, title_id, ctx.tenant, command.at.date())
    licence = await read_licence(conn, licence_id, ctx.tenant)
    if licence.state.licence_id is None:
        raise UnknownReference("licence_id", f"there is no licence {licence_id}")
    if title_id is not None and licence.state.title_id != title_id:
        raise Unprocessable("title_id", f"licence {licence_id} is for another title than {title_id}")
    await _title_not_yet_on(conn, device_id, licence.state.title_id, licence_id)
    return await handle_licence(conn, licence_id, command, ctx, if_match, loaded=licence)


async def _must_take_software(conn: asyncpg.Connection, device_id: UUID, tenant: str) -> None:
    device = (await streams.read(conn, DEVICE, str(device_id), tenant)).state
    if device.status is Status.NONE:
        raise NotFound(f"no device {device_id}")
    if device.status in OUT_OF_SERVICE:
        raise DeviceOutOfService(f"device {device.asset_tag} is {device.status}: it takes no new software")


# The title's licence that covers the device longest: one that never lapses, else the latest to expire; the
# oldest first among equals. An install should not need moving to another licence soon after.
_PICK_LICENCE = """
SELECT licence_id FROM licences
WHERE tenant = $1 AND title_id = $2 AND seats_used < seats AND (expires_on IS NULL OR expires_on >= $3)
ORDER BY expires_on DESC NULLS FIRST, acquired_at, licence_id LIMIT 1"""


async def _licence_of_title(conn: asyncpg.Connection, title_id: UUID | None, tenant: str, day: date) -> UUID:
    if title_id is None:
        raise Unprocessable("licence_id", "name the licence_id to take a seat of, or the title_id to pick one")
    if (await read_title(conn, title_id, tenant)).state.title_id is None:
        raise UnknownReference("title_id", f"there is no software title {title_id}")
    licence_id = await conn.fetchval(_PICK_LICENCE, tenant, title_id, day)
    if licence_id is None:
        raise LicenceSeatsExhausted(f"no licence of title {title_id} in force on {day} has a free seat:"
                                    " release one, renew or acquire more")
    return licence_id


async def _title_not_yet_on(conn: asyncpg.Connection, device_id: UUID, title_id: UUID, licence_id: UUID) -> None:
    holding = await conn.fetchval("SELECT licence_id FROM software_installations WHERE device_id = $1"
                                  " AND title_id = $2", device_id, title_id)
    if holding not in (None, licence_id):  # the same licence's seat twice is the decider's to refuse
        raise TitleAlreadyOnDevice(f"device {device_id} already runs title {title_id} under licence {holding}")


_UPSERT_LICENCE = """
INSERT INTO licences (licence_id, tenant, title_id, licence_type, seats, seats_used, expires_on, purchases,
    total_cost, key_reference, acquired_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (licence_id) DO UPDATE SET seats = $5, seats_used = $6, expires_on = $7, purchases = $8,
    total_cost = $9, updated_at = $12, version = $13"""

_SEAT_TAKEN = """
INSERT INTO software_installations (licence_id, device_id, tenant, title_id, installed_at, technician_id)
VALUES ($1, $2, $3, $4, $5, $6)"""


async def _write_licence(conn: asyncpg.Connection, licence: Stream[Licence], ctx: Context) -> asyncpg.Record:
    """The licence's row and the seats its new events gave or took back, in the command's transaction."""
    s = licence.state
    await conn.execute(
        _UPSERT_LICENCE, s.licence_id, ctx.tenant, s.title_id, s.licence_type, s.seats, s.seats_used, s.expires_on,
        [p.model_dump(mode="json") for p in s.purchases], sum((p.cost for p in s.purchases), Decimal(0)),
        s.key_reference, licence.history[0].time, licence.appended[-1].recordedtime, licence.version,
    )
    for envelope in licence.appended:
        await _record_seat(conn, envelope.event(), ctx.tenant)
    return await licence_row(conn, s.licence_id, ctx.tenant, ctx.recorded_at.date())


async def _record_seat(conn: asyncpg.Connection, event, tenant: str) -> None:
    if isinstance(event, SoftwareUninstalled):
        await conn.execute("DELETE FROM software_installations WHERE licence_id = $1 AND device_id = $2",
                           event.licence_id, event.device_id)
    elif isinstance(event, SoftwareInstalled):
        try:
            await conn.execute(_SEAT_TAKEN, event.licence_id, event.device_id, tenant, event.title_id, event.at,
                               event.technician_id)
        except asyncpg.UniqueViolationError:
            # Another licence's seat of the same title went to the device in a transaction that committed first.
            raise TitleAlreadyOnDevice(
                f"device {event.device_id} already runs title {event.title_id} under another licence") from None


# Seats owned count only licences in force on the day; seats still held under lapsed ones are out of compliance.
_TITLES = """
SELECT t.title_id AS id, t.name, t.publisher, t.software_version AS version, t.category, t.added_at,
       count(l.licence_id) AS licences,
       coalesce(sum(l.seats) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $2), 0) AS seats_owned,
       coalesce(sum(l.seats_used) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $2), 0) AS seats_used,
       coalesce(sum(l.seats_used) FILTER (WHERE l.expires_on < $2), 0) AS seats_on_expired_licences
FROM software_titles t LEFT JOIN licences l ON l.title_id = t.title_id
WHERE t.tenant = $1 AND ($3::uuid IS NULL OR t.title_id = $3)
  AND ($4::text IS NULL
       OR strpos(lower(concat_ws(' ', t.name, t.publisher, t.software_version, t.category)), lower($4)) > 0)
GROUP BY t.title_id
ORDER BY lower(t.name), t.software_version, t.title_id LIMIT $5 OFFSET $6"""


async def titles_of(conn: asyncpg.Connection, tenant: str, day: date, q: str | None, limit: int, offset: int) -> list:
    return await conn.fetch(_TITLES, tenant, day, None, q, limit, offset)


async def title_row(conn: asyncpg.Connection, title_id: UUID, tenant: str, day: date) -> asyncpg.Record | None:
    return await conn.fetchrow(_TITLES, tenant, day, title_id, None, 1, 0)


_LICENCES = """
SELECT l.licence_id AS id, l.title_id, t.name AS title, t.publisher, t.software_version, l.licence_type, l.seats,
       l.seats_used, l.expires_on, coalesce(l.expires_on < $2, false) AS expired, l.purchases, l.total_cost,
       l.key_reference, l.acquired_at, l.updated_at, l.version
FROM licences l JOIN software_titles t ON t.title_id = l.title_id
WHERE l.tenant = $1 AND ($3::uuid IS NULL OR l.licence_id = $3) AND ($4::uuid IS NULL OR l.title_id = $4)
  AND ($5::int IS NULL OR l.expires_on BETWEEN $2 AND $2 + $5)
ORDER BY l.expires_on NULLS LAST, l.acquired_at, l.licence_id LIMIT $6 OFFSET $7"""


async def licences_of(conn: asyncpg.Connection, tenant: str, day: date, filters: dict, limit: int,
                      offset: int) -> list:
    """Soonest expiry first; `expiring_within_days` keeps those in force that lapse within that many days."""
    return await conn.fetch(_LICENCES, tenant, day, None, filters.get("title_id"),
                            filters.get("expiring_within_days"), limit, offset)


async def licence_row(conn: asyncpg.Connection, licence_id: UUID, tenant: str, day: date) -> asyncpg.Record | None:
    return await conn.fetchrow(_LICENCES, tenant, day, licence_id, None, None, 1, 0)


_INSTALLATIONS = """
SELECT i.device_id, i.licence_id, i.title_id, t.name AS title, t.software_version, l.licence_type, l.expires_on,
       coalesce(l.expires_on < $2, false) AS licence_expired, i.installed_at, i.technician_id
FROM software_installations i JOIN licences l USING (licence_id) JOIN software_titles t ON t.title_id = i.title_id
WHERE i.tenant = $1 AND ($3::uuid IS NULL OR i.device_id = $3) AND ($4::uuid IS NULL OR i.licence_id = $4)
ORDER BY lower(t.name), i.installed_at, i.licence_id, i.device_id LIMIT $5"""

# Seats a licence lists with it, and what one device's software list shows at most.
MAX_LISTED = 10_000


async def installations_on(conn: asyncpg.Connection, device_id: UUID, tenant: str, day: date,
                           licence_id: UUID | None = None) -> list:
    return await conn.fetch(_INSTALLATIONS, tenant, day, device_id, licence_id, MAX_LISTED)


async def seats_of(conn: asyncpg.Connection, licence_id: UUID, tenant: str, day: date) -> list:
    return await conn.fetch(_INSTALLATIONS, tenant, day, None, licence_id, MAX_LISTED)


async def release_seats_of(conn: asyncpg.Connection, device_id: UUID, ctx: Context, reason: str) -> int:
    """Give back every seat the device holds (it left the city); each licence's own stream records it."""
    held = await installations_on(conn, device_id, ctx.tenant, ctx.recorded_at.date())
    for row in held:
        await handle_licence(conn, row["licence_id"], UninstallSoftware(device_id, ctx.recorded_at, reason), ctx)
    return len(held)
