"""The metrics service alone, its relay off, and the projection's pool as the projector opens it."""

import pytest

from events.db import create_pool
from support.suite import suite_of


@pytest.fixture
async def metrics(settings_for, db):
    """The metrics service alone (its app migrates the projection schema): everything a request changes is in its
    own schemas."""
    async with suite_of(settings_for, "metrics", broker=False) as running_suite:
        yield running_suite


@pytest.fixture
async def projection_pool(metrics):
    """A pool on the projection schema, as the projector opens it, for applying records through its handlers."""
    settings = metrics.settings["metrics"]
    pool = await create_pool(settings.database_url, settings.projection, min_size=1, max_size=2)
    yield pool
    await pool.close()
