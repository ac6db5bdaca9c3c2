"""Every service's published events; importing this registers them all. SERVICES is the suite's one list."""

from events.contracts import accounts as accounts  # registers network accounts and password resets
from events.contracts import assets, tickets, work_orders
from events.contracts import audits as audits  # registers physical audits of a location
from events.contracts import budget as budget  # registers budgets, amendments, commitments, expenditures
from events.contracts import ipam as ipam  # registers prefixes, DHCP ranges, reservations, address allocations
from events.contracts import knowledge as knowledge  # registers knowledge-base articles, versions and searches
from events.contracts import metrics as metrics  # registers MBN reference inputs, fiscal-year closes, public set
from events.contracts import notices as notices  # registers notices to staff: issued, acknowledged, mailed
from events.contracts import purchasing as purchasing  # registers vendor contracts, purchase requests, prices
from events.contracts import security as security  # registers endpoint protection and security advisories
from events.contracts import software as software  # registers titles, licences, seats
from events.contracts import training as training  # registers orientations, courses, sessions, deliveries
from events.contracts import training_requests as training_requests  # registers training asked for, and its ticket

# The services of the suite, in port order: each is a package, a schema, an event source and a topic prefix.
SERVICES = ("tickets", "assets", "training", "metrics")

__all__ = ["SERVICES", "assets", "tickets", "work_orders"]
