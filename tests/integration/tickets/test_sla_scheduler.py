"""The SLA scheduler against real Postgres: marks recorded once at the right moment, across restarts and replicas."""

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from events import store
from events.contracts.tickets import Level
from events.db import create_pool
from events.envelope import Context
from events.ids import uuid7
from tickets import service
from tickets.domain import commands as cmd
from tickets.schedulers import scan_sla_clocks
from tickets.settings import Settings

TORONTO = ZoneInfo("America/Toronto")
ALICE, TECH = cmd.Actor("alice", False), cmd.Actor("tina", True)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TORONTO).astimezone(UTC)


@pytest.fixture
async def pool(pool_for):
    return await pool_for("tickets")


async def run(pool, ticket_id, command, at: datetime):
    ctx = Context("ottawa", command.by.id, "c", recorded_at=at)
    async with pool.acquire() as conn:
        policy = (await service.load_policy(conn, "ottawa")).state
        await service.handle_ticket(conn, ticket_id, command, ctx, policy=policy)


async def open_ticket(pool, at: datetime):
    """A P2 ticket (default targets: response 60, resolution 480 business minutes) nobody touches."""
    ticket_id = uuid7()
    command = cmd.OpenTicket(ticket_id, "alice", "Payroll down", "500", "software", Level.MEDIUM, Level.HIGH,
                             ALICE, at)
    await run(pool, ticket_id, command, at)
    return ticket_id


async def sla_events(pool, ticket_id) -> list[tuple[str, str, datetime]]:
    async with pool.acquire() as conn:
        recorded = await store.load(conn, str(ticket_id))
    return [(r.envelope.type, r.envelope.data["clock"], r.envelope.time) for r in recorded
            if r.envelope.type.startswith("tickets.sla_")]


async def test_a_breach_is_recorded_once_at_the_moment_it_happened_even_across_a_restart(pool, stack, settings_for):
    ticket_id = await open_ticket(pool, local(6, 15))
    assert await scan_sla_clocks(pool, local(6, 15, 50)) == 1  # the response warning at 15:45, nothing else yet
    assert await scan_sla_clocks(pool, local(6, 16, 5)) == 1  # the response breach at 16:00
    restarted = await create_pool(stack.database_url, settings_for(Settings).schema)
    try:
        assert await scan_sla_clocks(restarted, local(6, 16, 5)) == 0
        assert await scan_sla_clocks(restarted, local(12, 9)) == 2  # the resolution warning and breach
        assert await scan_sla_clocks(restarted, local(12, 9)) == 0
    finally:
        await restarted.close()
    assert await sla_events(pool, ticket_id) == [
        ("tickets.sla_warning_reached", "response", local(6, 15, 45)),
        ("tickets.sla_breached", "response", local(6, 16)),
        # 480 minutes: Friday 1.5 h, Monday 8 h reaches 6 h (75 %) at 13:00 and 8 h at 15:00.
        ("tickets.sla_warning_reached", "resolution", local(9, 13)),
        ("tickets.sla_breached", "resolution", local(9, 15)),
    ]


async def test_two_schedulers_at_once_record_each_mark_once(pool):
    tickets = [await open_ticket(pool, local(6, 15)) for _ in range(5)]
    await asyncio.gather(scan_sla_clocks(pool, local(12, 9)), scan_sla_clocks(pool, local(12, 9)))
    for ticket_id in tickets:
        assert len(await sla_events(pool, ticket_id)) == 4


async def test_a_scheduler_that_was_down_catches_up_with_the_right_times(pool):
    ticket_id = await open_ticket(pool, local(6, 15))
    assert await scan_sla_clocks(pool, local(20, 9)) == 4
    assert [at for *_, at in await sla_events(pool, ticket_id)] == [
        local(6, 15, 45), local(6, 16), local(9, 13), local(9, 15)]


async def test_a_resolved_ticket_closes_by_itself_when_its_window_has_passed(pool):
    ticket_id = await open_ticket(pool, local(6, 15))
    await run(pool, ticket_id, cmd.AcknowledgeTicket(TECH, local(6, 15, 10)), local(6, 15, 10))
    await run(pool, ticket_id, cmd.ResolveTicket("solved", "Restarted", TECH, local(6, 15, 20)), local(6, 15, 20))
    await scan_sla_clocks(pool, local(11, 15))
    async with pool.acquire() as conn:
        state = (await service.read_ticket(conn, ticket_id, "ottawa")).state
        assert state.status == "resolved"
    await scan_sla_clocks(pool, local(11, 15, 21))  # three business days: Monday, Tuesday, Wednesday
    async with pool.acquire() as conn:
        state = (await service.read_ticket(conn, ticket_id, "ottawa")).state
        [closed] = [r.envelope for r in await store.load(conn, str(ticket_id)) if r.envelope.type.endswith("closed")]
    assert (state.status, closed.data["closure"], closed.time) == ("closed", "automatic", local(11, 15, 20))
