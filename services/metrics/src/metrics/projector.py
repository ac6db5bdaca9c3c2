"""The metrics projector process: consumer group `metrics.projector` over every service's topic.

Run it with `python -m metrics.projector`; it is the kit's worker with one subscription.
"""

from events import worker
from events.contracts import SERVICES
from metrics.projections import PROJECTION_MIGRATIONS, projection, swap_lock
from metrics.settings import Settings


def subscription(settings: Settings) -> worker.Subscription:
    return worker.Subscription(group=settings.projector_group, services=SERVICES, handle=projection.apply,
                               handle_batch=projection.apply_batch,
                               attempts=settings.projector_attempts, pause_lock=swap_lock(settings.projection))


async def run_projector(settings: Settings) -> None:
    """Project until cancelled; a lost broker or database is waited out."""
    await worker.run_worker(settings, settings.projection, PROJECTION_MIGRATIONS, [subscription(settings)])


if __name__ == "__main__":
    settings = Settings()
    worker.main(settings, "metrics.projector", settings.projection, PROJECTION_MIGRATIONS, [subscription(settings)],
                description=__doc__.splitlines()[0])
