"""A rebuild's KPI writes run one after another on its connection while Python computes the next: in order, and a
failed write stops the ones after it and is raised once."""

import asyncio

import pytest

from metrics.kpis.bulk import _InOrder


async def test_writes_run_one_after_another_in_the_order_given():
    running, ran = [], []

    async def write(n: int) -> None:
        running.append(n)
        assert running == [n], "a write started before the one before it was done"
        await asyncio.sleep(0.001 * (3 - n))  # the first the slowest
        ran.append(n)
        running.remove(n)

    async with _InOrder() as postgres:
        for n in range(3):
            postgres.then(write, n)
    assert ran == [0, 1, 2], "leaving waits for every write queued"


async def test_a_failed_write_is_raised_and_none_after_it_starts():
    started = []

    async def write(n: int) -> None:
        started.append(n)
        if n == 1:
            raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        async with _InOrder() as postgres:
            for n in range(4):
                postgres.then(write, n)
    assert started == [0, 1]


async def test_a_write_failed_while_python_computes_is_raised_by_the_next_write_queued():
    queued_after = []

    async def write(n: int) -> None:
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        async with _InOrder() as postgres:
            postgres.then(write, 0)
            await asyncio.sleep(0.01)  # the write runs and fails meanwhile
            postgres.then(write, 1)
            queued_after.append(1)
    assert queued_after == [], "the write after the failed one was not queued"


async def test_an_error_in_python_waits_for_the_write_under_way_and_drops_the_rest():
    finished = []

    async def write(n: int) -> None:
        await asyncio.sleep(0.01)
        finished.append(n)

    with pytest.raises(RuntimeError, match="compute failed"):
        async with _InOrder() as postgres:
            for n in range(3):
                postgres.then(write, n)
            await asyncio.sleep(0)  # the first write under way
            raise RuntimeError("compute failed")
    assert finished == [0], "the connection is free for the rollback only once the write under way is done"
