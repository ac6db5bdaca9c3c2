"""A rebuild keeps the KPI facts and the device histories in memory and writes them once at the end: the same tables
as the live handlers write batch by batch, and nothing of a batch whose transaction rolled back."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from uuid import uuid4

import pytest

from events.consumer import Outcome, process_batch
from events.contracts import assets as dv
from events.contracts import tickets as ev
from events.contracts import training as tr
from events.contracts.tickets import CalendarDocument
from events.db import create_pool, migrate
from events.envelope import Context, wrap
from metrics.device_history import DevicesInMemory, keep_device_history
from metrics.kpis.bulk import KpisInMemory
from metrics.kpis.handlers import keep_kpis
from metrics.projections import PROJECTION_MIGRATIONS, projection
from support.builders import opened
from support.records import record_of
from tickets.domain.policy import DEFAULT_TARGETS

MONDAY = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
TORONTO = CalendarDocument(timezone="America/Toronto", hours={d: [("09:00", "17:00")] for d in
                                                              ("mon", "tue", "wed", "thu", "fri")})  # fmt: skip
# What the KPI tables hold, rows that add up to nothing left out (a live handler leaves those behind when a
# ticket moves to another group; a series computed whole never writes them).
TABLES = {
    "kpi_daily": "SELECT tenant, kpi, version, dimension, day, member, part, n, total FROM kpi_daily"
                 " WHERE n <> 0 OR total <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    "kpi_weekly": "SELECT tenant, kpi, version, dimension, week, member, part, n, total FROM kpi_weekly"
                  " WHERE n <> 0 OR total <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    "kpi_monthly": "SELECT tenant, kpi, version, dimension, month, member, part, n, total FROM kpi_monthly"
                   " WHERE n <> 0 OR total <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    "kpi_samples": "SELECT * FROM kpi_samples ORDER BY 1, 2, 3, 4, 5",
    "kpi_sample_periods": "SELECT * FROM kpi_sample_periods ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
    "kpi_facts": "SELECT tenant, kind, entity_id, facts FROM kpi_facts ORDER BY 1, 2, 3",
    "kpi_desks": "SELECT tenant, changed_at FROM kpi_desks ORDER BY 1",
    "device_events": "SELECT * FROM device_events ORDER BY 1, 2, 3",
    "device_states": "SELECT * FROM device_states ORDER BY 1, 2, 3",
    "device_amortization": "SELECT * FROM device_amortization ORDER BY 1, 2, 3",
    "device_counts_by_year": "SELECT * FROM device_counts_by_year WHERE held <> 0 ORDER BY 1, 2, 3",
}  # fmt: skip


def story(tenant: str) -> list:
    """Tickets (one handed to another group, one reopened), a desk policy changed in between, a device, training."""
    versions: dict[str, int] = {}

    def wrapped(stream: str, event, recorded: datetime | None = None):
        versions[stream] = versions.get(stream, 0) + 1
        ctx = Context(tenant=tenant, actor="tom", correlation_id="c", recorded_at=recorded or event.at)
        return wrap(event, stream_id=stream, stream_version=versions[stream], ctx=ctx)

    found = []
    for n in range(6):
        tid, at = uuid4(), MONDAY + timedelta(hours=7 * n)
        events = [opened(ticket_id=tid, at=at),
                  ev.TicketAssigned(assignee_id="tom", group="desk", at=at + timedelta(minutes=20)),
                  ev.TicketEscalated(group="field", level=2, reason="on site", at=at + timedelta(hours=3)),
                  ev.TicketResolved(resolution_code="solved", note="done", technician_id="tom",
                                    at=at + timedelta(days=1))]
        if n % 2:
            events.append(ev.TicketReopened(reason="again", at=at + timedelta(days=2)))
        found += [wrapped(str(tid), e) for e in events]
        if n == 2:
            policy = ev.DeskPolicyChanged(calendar=TORONTO, targets=DEFAULT_TARGETS, auto_close_business_days=3,
                                          reopen_window_days=10, at=at)  # fmt: skip
            found.append(wrapped(f"desk-policy:{tenant}", policy))
    device, kept = uuid4(), uuid4()
    bought = dv.Purchase(purchased_on=(MONDAY - timedelta(days=400)).date(), cost=Decimal("1200"))
    four_years = dv.Amortization(useful_life_months=48)
    found += [wrapped(str(device), dv.DeviceRegistered(device_id=device, asset_tag="CITY-1", kind="laptop",
                                                       holds_storage=True, mbn_class="laptops_tablets", model="T14",
                                                       at=MONDAY)),
              wrapped(str(kept), dv.DeviceRegistered(device_id=kept, asset_tag="CITY-2", kind="desktop",
                                                     holds_storage=True, mbn_class="desktops_thin_clients",
                                                     purchase=bought, amortization=four_years,
                                                     at=MONDAY - timedelta(days=400))),
              wrapped(str(kept), dv.DeviceInstalled(device_id=kept, location="City Hall", technician_id="tom",
                                                    at=MONDAY - timedelta(days=390))),
              # recorded after the retirement below, but it happened before it: it takes its place in the past
              wrapped(str(kept), dv.DeviceRetired(device_id=kept, reason="end of life", at=MONDAY + timedelta(days=3))),
              wrapped(str(kept), dv.DeviceInstalled(device_id=kept, location="Library", technician_id="tom",
                                                    at=MONDAY - timedelta(days=30)), MONDAY + timedelta(days=4)),
              wrapped(str(kept), dv.DeviceDisposed(device_id=kept, asset_tag="CITY-2", certificate_ref="C-9",
                                                   at=MONDAY + timedelta(days=5))),
              wrapped("d-1", tr.TrainingDelivered(delivery_id=uuid4(), person_id="ann", hours=Decimal("1.5"),
                                                  kind="session", topic="Teams", at=MONDAY))]  # fmt: skip
    return sorted(found, key=lambda envelope: envelope.recordedtime)


@pytest.fixture
async def pools(stack, namespace, db):
    made = []

    async def pool(name: str):
        schema = f"{namespace}_{name}"
        await migrate(db, schema, PROJECTION_MIGRATIONS)
        made.append(await create_pool(stack.database_url, schema, min_size=1, max_size=2))
        return made[-1]

    yield pool
    for pool in made:
        await pool.close()


def in_memory(kpis: KpisInMemory, devices: DevicesInMemory):
    return projection.replaced({keep_kpis: kpis.keep_kpis, keep_device_history: devices.keep_device_history})


async def apply(pool, applying, envelopes: list, batch: int) -> list[Outcome]:
    records = [record_of(envelope, "t") for envelope in envelopes]
    outcomes = []
    for start in range(0, len(records), batch):
        outcomes += await process_batch(pool, "metrics.projector", records[start : start + batch], applying.apply,
                                        handle_batch=applying.apply_batch, attempts=2, retry_delay=0)  # fmt: skip
    return outcomes


async def tables(pool) -> dict:
    async with pool.acquire() as conn:
        return {name: [tuple(row) for row in await conn.fetch(query)] for name, query in TABLES.items()}


async def test_kpis_kept_in_memory_and_written_once_are_what_the_live_handler_writes(pools, tokens):
    envelopes = story(tokens.tenant)
    live, rebuilt = await pools("live"), await pools("rebuilt")
    await apply(live, projection, envelopes, batch=4)
    kept, devices = KpisInMemory(), DevicesInMemory()
    await apply(rebuilt, in_memory(kept, devices), envelopes, batch=7)
    async with rebuilt.acquire() as conn:
        assert await kept.write(conn) == 9  # six tickets, two devices, a delivery
        assert await devices.write(conn) == 6
    expected = await tables(live)
    assert expected["kpi_daily"] and expected["kpi_samples"] and expected["kpi_sample_periods"]
    assert expected["device_states"] and expected["device_amortization"] and expected["device_counts_by_year"]
    assert await tables(rebuilt) == expected


@pytest.mark.parametrize("refused", [ev.TicketReopened, dv.DeviceInstalled])  # a KPI's event, a device's
async def test_a_batch_that_rolls_back_leaves_nothing_in_memory_and_its_bad_record_is_dead_lettered_alone(
    pools, tokens, refused
):
    envelopes = story(tokens.tenant)
    poison = [e for e in envelopes if e.type == refused.event_type][-1]
    clean, rebuilt = await pools("clean"), await pools("rebuilt")
    await apply(clean, projection, [e for e in envelopes if e is not poison], batch=5)
    kept, devices = KpisInMemory(), DevicesInMemory()
    failing = in_memory(kept, devices)

    @failing.on_events(refused)  # after the batch was kept in memory: its transaction rolls back
    async def refuse(conn, events):
        if any(envelope.id == poison.id for _, envelope in events):
            raise ValueError("a record no handler can apply")

    outcomes = await apply(rebuilt, failing, envelopes, batch=len(envelopes))
    assert outcomes.count(Outcome.DEAD_LETTERED) == 1
    async with rebuilt.acquire() as conn:
        await kept.write(conn)
        await devices.write(conn)
        assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 1
    assert await tables(rebuilt) == await tables(clean)


@pytest.mark.parametrize("script, table", [("072_kpi_weekly.sql", "kpi_weekly"),
                                           ("073_kpi_sample_periods.sql", "kpi_sample_periods")])  # fmt: skip
async def test_a_projection_made_before_a_read_models_table_gets_the_same_rows_from_its_migration(
    pools, tokens, script, table
):
    live = await pools("live")
    await apply(live, projection, story(tokens.tenant), batch=4)
    kept = (await tables(live))[table]
    assert kept
    text = (files("metrics") / "projection_migrations" / script).read_text()
    async with live.acquire() as conn:
        await conn.execute(f"DELETE FROM {table}")
        for backfill in (statement for statement in text.split(";") if f"INSERT INTO {table} (" in statement):
            await conn.execute(backfill)
    assert (await tables(live))[table] == kept
