"""The `as_of` source that reads the timeline class by class finds exactly the rows the plain "valid at T" test
finds, however long a state lasted, also at the edges of its classes and of the instants."""

import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from assets import service

TENANT = "city-a"
START = datetime(2015, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
_ROW = """INSERT INTO device_timeline (device_id, tenant, valid_from, valid_to, recorded_from, recorded_to, asset_tag,
  serial, model, kind, mbn_class, status, location, department) VALUES ($1, $2, $3, $4, $5, $6, $7, '', 'm',
  'laptop', 'laptop_tablet', 'deployed', 'hall', 'it')"""
_PLAIN = """SELECT asset_tag FROM device_timeline WHERE tenant = $1 AND recorded_to = 'infinity'
  AND valid_from <= $2 AND $2 < valid_to ORDER BY asset_tag"""


def lengths() -> list[timedelta]:
    """Every class edge (2^k days, a microsecond either side), less than a day, over a century, and open-ended."""
    edges = [timedelta(days=2**k) + nudge for k in range(18) for nudge in (-MICRO, timedelta(0), MICRO)]
    return [MICRO, timedelta(hours=5), *edges, timedelta(days=40_000), timedelta.max]


async def test_the_ladder_finds_what_the_plain_test_finds_at_every_class_edge(pool_for):
    pool, rng = await pool_for("assets"), random.Random(20)
    rows, instants = [], []
    for n, length in enumerate(lengths()):
        began = START + timedelta(days=rng.randint(0, 3000))
        ended = datetime.max.replace(tzinfo=UTC) if length == timedelta.max else began + length
        recorded_to = datetime.max.replace(tzinfo=UTC) if n % 7 else began  # some rows no longer believed
        rows.append((uuid4(), TENANT, began, ended, began, recorded_to, f"T{n:03}"))
        instants += [began, began - MICRO, min(ended, began + timedelta(days=90_000)) - MICRO, ended]
    rows.append((uuid4(), "city-b", START, START + timedelta(days=9_000), START, datetime.max.replace(tzinfo=UTC),
                 "OTHER"))
    async with pool.acquire() as conn:
        await conn.executemany(_ROW, rows)  # asyncpg writes datetime.max as 'infinity'
        ladder = f"SELECT asset_tag FROM {service.timeline_at(2, None)} WHERE tenant = $1 ORDER BY asset_tag"
        compared = 0
        for instant in instants:
            if instant == datetime.max.replace(tzinfo=UTC):
                continue
            expected = [r["asset_tag"] for r in await conn.fetch(_PLAIN, TENANT, instant)]
            assert [r["asset_tag"] for r in await conn.fetch(ladder, TENANT, instant)] == expected, instant
            compared += bool(expected)
    assert compared > len(lengths())  # the instants did find rows: the comparison was not of empty answers
