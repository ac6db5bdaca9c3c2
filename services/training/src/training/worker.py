"""The training worker: consumer group `training.orientations` over `assets.events`, new accounts into orientations.

Run it with `python -m training.worker`; it is the kit's worker with two subscriptions. Each network account
provisioned (`assets.account_provisioned`) owes its holder an orientation (`training.orientation_owed`), due
within the tenant's training policy; a person already owed one (a second account, a redelivery) is owed nothing new.

A second subscription, consumer group `training.requests` over `tickets.events` (`training.ticket_reactions`), makes
a training request of each ticket of category `training_request` and keeps each person's tickets for deflections.
"""

from importlib.resources import files

from events import worker
from events.contracts.accounts import AccountProvisioned
from events.db import CONSUMER_MIGRATIONS, STORE_MIGRATIONS
from events.envelope import Envelope
from events.projection import Projection
from training import orientations, ticket_reactions
from training.settings import Settings

GROUP = "training.orientations"
# The service's own schema, as its app migrates it, plus the consumer's dedupe and dead-letter tables.
MIGRATIONS = {
    "events.store": STORE_MIGRATIONS,
    "training": files("training") / "migrations",
    "events.consumer": CONSUMER_MIGRATIONS,
}
# Two accounts of one person provisioned at once make the append clash: the next attempt finds the orientation owed.
ATTEMPTS = 5

projection = Projection()


@projection.on(AccountProvisioned)
async def account_provisioned(conn, account: AccountProvisioned, envelope: Envelope) -> None:
    await orientations.owe_for_account(conn, account, envelope)


def subscription() -> worker.Subscription:
    return worker.Subscription(group=GROUP, services=("assets",), handle=projection.apply, attempts=ATTEMPTS)


async def run(settings: Settings) -> None:
    """Consume until cancelled; a lost broker or database is waited out."""
    await worker.run_worker(settings, settings.schema, MIGRATIONS, [subscription(), ticket_reactions.subscription()])


if __name__ == "__main__":
    settings = Settings()
    worker.main(
        settings,
        "training.worker",
        settings.schema,
        MIGRATIONS,
        [subscription(), ticket_reactions.subscription()],
        description=__doc__.splitlines()[0],
    )
