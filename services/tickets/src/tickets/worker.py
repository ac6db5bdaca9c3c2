"""The tickets worker: consumer groups `tickets.training` over `training.events` (the training saga's way back) and
`tickets.protection` over `assets.events` (work orders the inventory asks for).

Run it with `python -m tickets.worker`; it is the kit's worker with two subscriptions. Each training delivered for a
ticket (`training.training_delivered` naming a `ticket_id`: training on request that came from a ticket of category
`training_request`) resolves that ticket with a note, and its SLA clocks stop; a delivery told twice resolves it
once, and a ticket resolved by hand meanwhile is left alone. Each device the inventory finds short of its
endpoint protection (`assets.protection_work_requested`) gets a corrective work order, once.
"""

from importlib.resources import files

from events import worker
from events.contracts.security import ProtectionWorkRequested
from events.contracts.training import TrainingDelivered
from events.db import CONSUMER_MIGRATIONS, STORE_MIGRATIONS
from events.envelope import Envelope
from events.projection import Projection
from tickets import protection_work, training_saga
from tickets.settings import Settings

GROUP = "tickets.training"
PROTECTION_GROUP = "tickets.protection"
# The service's own schema, as its app migrates it, plus the consumer's dedupe and dead-letter tables.
MIGRATIONS = {
    "events.store": STORE_MIGRATIONS,
    "tickets": files("tickets") / "migrations",
    "events.consumer": CONSUMER_MIGRATIONS,
}
# A technician's command on the same ticket at the same moment makes the append clash: the next attempt reloads.
ATTEMPTS = 5

projection = Projection()
protection = Projection()


@projection.on(TrainingDelivered)
async def training_delivered(conn, delivered: TrainingDelivered, envelope: Envelope) -> None:
    if delivered.ticket_id is not None:  # orientations, sessions and requests made without a ticket resolve nothing
        await training_saga.resolve_ticket(conn, delivered, envelope)


@protection.on(ProtectionWorkRequested)
async def protection_work_requested(conn, request: ProtectionWorkRequested, envelope: Envelope) -> None:
    await protection_work.open_work_order(conn, request, envelope)


def subscriptions() -> list[worker.Subscription]:
    return [worker.Subscription(group=GROUP, services=("training",), handle=projection.apply, attempts=ATTEMPTS),
            worker.Subscription(group=PROTECTION_GROUP, services=("assets",), handle=protection.apply,
                                attempts=ATTEMPTS)]


async def run(settings: Settings) -> None:
    """Consume until cancelled; a lost broker or database is waited out."""
    await worker.run_worker(settings, settings.schema, MIGRATIONS, subscriptions())


if __name__ == "__main__":
    settings = Settings()
    worker.main(
        settings, "tickets.worker", settings.schema, MIGRATIONS, subscriptions(), description=__doc__.splitlines()[0]
    )
