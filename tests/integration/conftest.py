"""Services over HTTP against real Postgres, with no broker: what a request does to the service's own database."""

import pytest

from support.suite import suite_of


@pytest.fixture
async def desk(settings_for, db):
    """The tickets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "tickets", broker=False) as running_suite:
        yield running_suite
