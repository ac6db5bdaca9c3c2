"""Every service's published events; importing this registers them all. SERVICES is the suite's one list."""

from events.contracts import assets, tickets, work_orders
from events.contracts import audits as audits  # registers physical audits of a location
from events.contracts import software as software  # registers titles, licences, seats

# The services of the suite, in port order: each is a package, a schema, an event source and a topic prefix.
SERVICES = ("tickets", "assets", "training", "metrics")

__all__ = ["SERVICES", "assets", "tickets", "work_orders"]
