"""A rebuild's KPI writes run one after another on its connection while Python computes the next: in order, and a
failed write stops the ones after it."""

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
            await postgres.then(write, n)
    assert ran == [0, 1, 2]


async def test_a_failed_write_is_raised_and_none_after_it_starts():
    started = []

    async def write(n: int) -> None:
        started.append(n)
        if n == 1:
            raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        async with _InOrder() as postgres:
            for n in range(4):
                await postgres.then(write, n)
    assert started == [0, 1]
