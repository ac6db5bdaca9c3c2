"""The assets worker: consumer group `assets.repairs` over `tickets.events`, the desk's repairs into the inventory.

Run it with `python -m assets.worker`; it is the kit's worker with one subscription. Each repair the desk logs
(`tickets.repair_logged`) is recorded on its device's stream (`assets.device_repair_recorded`), or parked in
`unmatched_repairs` when the tenant's inventory holds no such device; each ticket opened naming a device
(`tickets.ticket_opened`) is kept in `device_tickets`.

Group `assets.notices` reads the service's own `assets.events`: a change of an account's status, a forced
password change and an advisory's exposure give each person touched a notice (`notice_reactions`).

Group `assets.network` reads `assets.events` too: a device disposed of, lost or stolen gives its IP addresses back
(`assets.address_released`, see network_reactions).
"""

from importlib.resources import files

from assets import network_reactions, notice_reactions, repairs
from assets.settings import Settings
from events import worker
from events.contracts.tickets import TicketOpened
from events.contracts.work_orders import RepairLogged
from events.db import CONSUMER_MIGRATIONS, STORE_MIGRATIONS
from events.envelope import Envelope
from events.projection import Projection

GROUP = "assets.repairs"
# The service's own schema, as its app migrates it, plus the consumer's dedupe and dead-letter tables.
MIGRATIONS = {"events.store": STORE_MIGRATIONS, "assets": files("assets") / "migrations",
              "events.consumer": CONSUMER_MIGRATIONS}
# A technician's command on the same device at the same moment makes the append clash: the next attempt reloads.
ATTEMPTS = 5

projection = Projection()


@projection.on(RepairLogged)
async def repair_logged(conn, repair: RepairLogged, envelope: Envelope) -> None:
    await repairs.record_repair(conn, repair, envelope)


@projection.on(TicketOpened)
async def ticket_opened(conn, ticket: TicketOpened, envelope: Envelope) -> None:
    if ticket.device_id is not None:
        await repairs.note_ticket(conn, ticket, envelope)


def subscription() -> worker.Subscription:
    return worker.Subscription(group=GROUP, services=("tickets",), handle=projection.apply, attempts=ATTEMPTS)


def notices_subscription() -> worker.Subscription:
    """Notices to staff that the service's own events call for (`assets.notices`, see notice_reactions)."""
    return worker.Subscription(group=notice_reactions.GROUP, services=("assets",),
                               handle=notice_reactions.projection.apply, attempts=ATTEMPTS)


def network_subscription() -> worker.Subscription:
    """Addresses released when their device leaves the city (`assets.network`, see network_reactions)."""
    return worker.Subscription(group=network_reactions.GROUP, services=("assets",),
                               handle=network_reactions.projection.apply, attempts=ATTEMPTS)


def subscriptions() -> list[worker.Subscription]:
    """Every consumer group the worker runs."""
    return [subscription(), notices_subscription(), network_subscription()]


async def run(settings: Settings) -> None:
    """Consume until cancelled; a lost broker or database is waited out."""
    await worker.run_worker(settings, settings.schema, MIGRATIONS, subscriptions())


if __name__ == "__main__":
    settings = Settings()
    worker.main(settings, "assets.worker", settings.schema, MIGRATIONS, subscriptions(),
                description=__doc__.splitlines()[0])
