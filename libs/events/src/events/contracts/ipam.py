"""IP address management events the assets service publishes on `assets.events`: prefixes, their DHCP ranges and
reservations, and the addresses allocated to devices and released.

Every event is appended to its prefix's stream; an address is its own text field in its canonical form
("10.20.0.17", "2001:db8::11"), a prefix in CIDR notation ("10.20.0.0/24").
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
Address = Annotated[str, Field(min_length=2, max_length=45)]  # the longest IPv6 text form is 45 characters
Cidr = Annotated[str, Field(min_length=4, max_length=49)]
VlanId = Annotated[int, Field(ge=1, le=4094)]  # IEEE 802.1Q: 0 and 4095 are reserved


class ReleaseReason(StrEnum):
    RELEASED = "released"  # a technician gave the address back
    DEVICE_DISPOSED = "device_disposed"  # the device left the city: its addresses go back by themselves
    DEVICE_LOST = "device_lost"
    DEVICE_STOLEN = "device_stolen"


class PrefixAdded(Event):
    """A network the city allocates addresses from: where it is (site, VLAN) and what it is for."""

    event_type: ClassVar[str] = "assets.prefix_added"

    at: datetime
    prefix_id: UUID
    prefix: Cidr
    site: Name = ""
    vlan_id: VlanId | None = None
    purpose: Name = ""
    description: Note = ""


class DhcpRangeAdded(Event):
    """Addresses of the prefix a DHCP server hands out: static allocation keeps out of them."""

    event_type: ClassVar[str] = "assets.dhcp_range_added"

    at: datetime
    prefix_id: UUID
    range_id: UUID
    start_address: Address
    end_address: Address
    description: Note = ""


class AddressReserved(Event):
    """An address, or a range of them, held back for a purpose (gateway, printers to come): never allocated."""

    event_type: ClassVar[str] = "assets.address_reserved"

    at: datetime
    prefix_id: UUID
    reservation_id: UUID
    start_address: Address
    end_address: Address
    purpose: Note


class AddressAllocated(Event):
    """The address is the device's, on one of its interfaces, until it is released."""

    event_type: ClassVar[str] = "assets.address_allocated"

    at: datetime
    allocation_id: UUID
    prefix_id: UUID
    address: Address
    device_id: UUID
    interface: Name
    hostname: Name = ""
    description: Note = ""
    technician_id: Name


class AddressReleased(Event):
    """The allocation ended: the address is free again."""

    event_type: ClassVar[str] = "assets.address_released"

    at: datetime
    allocation_id: UUID
    prefix_id: UUID
    address: Address
    device_id: UUID
    reason: ReleaseReason
    note: Note = ""
