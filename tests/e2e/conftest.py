"""The suite wired end to end in the test process: tickets and metrics over HTTP, the relay and the projector."""

import pytest

from support.suite import suite_of


@pytest.fixture
async def suite(settings_for, db):
    async with suite_of(settings_for, "tickets", "metrics", projector=True) as running_suite:
        yield running_suite
