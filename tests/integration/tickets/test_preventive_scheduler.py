"""The preventive scheduler against real Postgres: due work orders raised once, whatever runs it and how often."""

import asyncio
from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest

from events.contracts.tickets import CalendarDocument
from events.envelope import Context
from events.ids import uuid7
from events.jobs import PeriodicJob, run_every
from support.apps import eventually, running
from tickets import service, work_orders
from tickets.domain.policy import DeskPolicy
from tickets.domain.preventive import CreatePreventiveSchedule, RetirePreventiveSchedule
from tickets.schedulers import PREVENTIVE_ACTOR, raise_due_work_orders
from tickets.settings import Settings

STARTS = date(2026, 1, 5)  # a Monday; weekly occurrences fall on the 5th, 12th, 19th, 26th


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture
async def schema(settings_for) -> str:
    return settings_for(Settings).schema


@pytest.fixture
async def pool(pool_for):
    return await pool_for("tickets")


async def create_schedule(pool, tenant: str, **fields) -> UUID:
    values = dict(schedule_id=uuid7(), title="Clean server room filters", starts_on=STARTS, every_days=7)
    command = CreatePreventiveSchedule(**{**values, **fields}, at=noon(STARTS))
    async with pool.acquire() as conn:
        await work_orders.handle_schedule(conn, command, Context(tenant=tenant, actor="manny", correlation_id="c-1"))
    return command.schedule_id


async def raised_orders(pool) -> list:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT schedule_id, occurrence, kind, status, assignee_id FROM work_order_list"
                                " ORDER BY schedule_id, occurrence")


async def occurrences(pool, schedule_id: UUID) -> list[date]:
    return [r["occurrence"] for r in await raised_orders(pool) if r["schedule_id"] == schedule_id]


async def test_the_due_occurrences_are_raised_once_even_when_run_twice(pool, tokens):
    schedule_id = await create_schedule(pool, tokens.tenant)
    assert await raise_due_work_orders(pool, noon(date(2026, 1, 19))) == 3
    assert await raise_due_work_orders(pool, noon(date(2026, 1, 19))) == 0
    rows = await raised_orders(pool)
    assert [r["occurrence"] for r in rows] == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert {(r["kind"], r["status"]) for r in rows} == {("preventive", "created")}
    async with pool.acquire() as conn:
        listed = await work_orders.schedule_row(conn, schedule_id, tokens.tenant)
        actors = await conn.fetch("SELECT DISTINCT envelope->>'actor' AS actor, tenant FROM events"
                                  " WHERE envelope->>'actor' <> 'manny'")
    assert (listed["last_raised"], listed["next_due"]) == (date(2026, 1, 19), date(2026, 1, 26))
    assert [(r["actor"], r["tenant"]) for r in actors] == [(PREVENTIVE_ACTOR, tokens.tenant)]


async def test_missed_occurrences_are_caught_up_after_downtime(pool, tokens):
    schedule_id = await create_schedule(pool, tokens.tenant)
    monthly_id = await create_schedule(pool, tokens.tenant, every_days=None, day_of_month=31)
    assert await raise_due_work_orders(pool, noon(date(2026, 1, 5))) == 1
    assert await raise_due_work_orders(pool, noon(date(2026, 3, 2))) == 8 + 2
    assert await occurrences(pool, schedule_id) == [date(2026, 1, 5 + 7 * n) for n in range(4)] + [
        date(2026, 2, 2), date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)]
    assert await occurrences(pool, monthly_id) == [date(2026, 1, 31), date(2026, 2, 28)]


async def test_a_restarted_scheduler_raises_nothing_it_raised_before(pool, tokens):
    await create_schedule(pool, tokens.tenant)
    for _ in range(2):  # start, stop, start again: each loop pass runs at once, then every interval
        passes: list = []

        async def a_pass(pool, passes=passes):
            passes.append(await raise_due_work_orders(pool, noon(date(2026, 1, 19))))

        async with running(run_every(pool, PeriodicJob("preventive-work-orders", 0.02, a_pass))):
            await eventually(lambda passes=passes: done(passes, 3))
        assert len(await raised_orders(pool)) == 3


async def done(passes: list, times: int) -> bool:
    return len(passes) >= times


async def test_two_schedulers_at_once_raise_each_occurrence_once(pool_for, pool, tokens):
    schedules = [await create_schedule(pool, tokens.tenant, every_days=n) for n in (1, 2, 3, 7)]
    other_replica = await pool_for("tickets")
    passes = [raise_due_work_orders(p, noon(date(2026, 1, 19))) for p in (pool, other_replica) * 3]
    assert sum(await asyncio.gather(*passes)) == 15 + 8 + 5 + 3
    rows = await raised_orders(pool)
    assert len(rows) == len({(r["schedule_id"], r["occurrence"]) for r in rows}) == 31
    assert {r["schedule_id"] for r in rows} == set(schedules)


async def test_a_replica_finding_a_schedule_claimed_skips_it_without_waiting(pool, tokens):
    schedule_id = await create_schedule(pool, tokens.tenant)
    ctx = Context(tenant=tokens.tenant, actor=PREVENTIVE_ACTOR, correlation_id="first",
                  recorded_at=noon(date(2026, 1, 19)))
    async with pool.acquire() as first:
        transaction = first.transaction()
        await transaction.start()
        assert len(await work_orders.raise_due(first, schedule_id, ctx)) == 3
        async with asyncio.timeout(10):  # SKIP LOCKED: the second replica passes the held schedule by
            assert await raise_due_work_orders(pool, noon(date(2026, 1, 19))) == 0
        await transaction.commit()
    assert len(await raised_orders(pool)) == 3


async def test_each_tenant_s_orders_are_raised_under_that_tenant(pool, tokens):
    await create_schedule(pool, tokens.tenant)
    await create_schedule(pool, "another-city")
    await raise_due_work_orders(pool, noon(date(2026, 1, 5)))
    await raise_due_work_orders(pool, noon(date(2026, 1, 12)))
    async with pool.acquire() as conn:
        orders = await conn.fetch("SELECT tenant, count(*) AS n FROM work_order_list GROUP BY tenant ORDER BY tenant")
        runs = await conn.fetchval("SELECT count(DISTINCT envelope->>'correlationid') FROM events"
                                   " WHERE envelope->>'actor' = $1", PREVENTIVE_ACTOR)
    assert sorted((r["tenant"], r["n"]) for r in orders) == sorted([(tokens.tenant, 2), ("another-city", 2)])
    assert runs == 2  # a new correlation id per run, shared by the run's events


async def test_an_assigned_schedule_books_its_orders_for_the_assignee(pool, tokens):
    await create_schedule(pool, tokens.tenant, assignee_id="tom")
    await raise_due_work_orders(pool, noon(date(2026, 1, 5)))
    [row] = await raised_orders(pool)
    assert (row["status"], row["assignee_id"]) == ("scheduled", "tom")


async def test_a_retired_schedule_raises_nothing_more(pool, tokens):
    schedule_id = await create_schedule(pool, tokens.tenant)
    await raise_due_work_orders(pool, noon(date(2026, 1, 5)))
    async with pool.acquire() as conn, conn.transaction():
        ctx = Context(tenant=tokens.tenant, actor="manny", correlation_id="c-2")
        await work_orders.handle_schedule(conn, RetirePreventiveSchedule(schedule_id, "units replaced", at=noon(
            date(2026, 1, 6))), ctx)
    assert await raise_due_work_orders(pool, noon(date(2026, 3, 1))) == 0
    assert await occurrences(pool, schedule_id) == [date(2026, 1, 5)]


async def test_an_assigned_schedules_orders_are_booked_when_the_tenants_desk_opens_on_their_day(pool, tokens):
    berlin = DeskPolicy(calendar_document=CalendarDocument(
        timezone="Europe/Berlin", hours={d: [("07:00", "15:00")] for d in ("mon", "tue", "wed", "thu", "fri")}))
    async with pool.acquire() as conn:
        await service.set_policy(conn, berlin, Context(tokens.tenant, "manny", "c-0"), None)
    await create_schedule(pool, tokens.tenant, assignee_id="tom", every_days=5)  # Mon 5th, then Sat 10th
    await raise_due_work_orders(pool, noon(date(2026, 1, 10)))
    async with pool.acquire() as conn:
        booked = await conn.fetch("SELECT occurrence, scheduled_for FROM work_order_list ORDER BY occurrence")
    # 07:00 CET is 06:00Z; Saturday's occurrence waits for Monday's opening.
    assert [(r["occurrence"], r["scheduled_for"]) for r in booked] == [
        (date(2026, 1, 5), datetime(2026, 1, 5, 6, tzinfo=UTC)), (date(2026, 1, 10), datetime(2026, 1, 12, 6,
                                                                                              tzinfo=UTC))]
