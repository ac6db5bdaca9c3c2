"""The refusals of IP address management (HTTP 409), one leaf per broken rule; the class name is the rule."""

from assets.domain.errors import AssetsError


class PrefixAlreadyAdded(AssetsError):
    """A prefix id names one prefix."""


class PrefixOverlaps(AssetsError):
    """A tenant's prefixes never overlap: an address belongs to one prefix, so it is never given twice."""


class PrefixFull(AssetsError):
    """Every usable address of the prefix outside its DHCP ranges and reservations is allocated."""

    def __init__(self, prefix: str):
        super().__init__(
            f"prefix full: every usable address of {prefix} outside its DHCP ranges and reservations"
            " is allocated; release one or use another prefix"
        )


class AddressTaken(AssetsError):
    """The address is already allocated (to this device or another) and not released."""


class AddressInDhcpRange(AssetsError):
    """A DHCP server hands this address out: a static allocation there would clash with a lease."""


class AddressInReservation(AssetsError):
    """The address is held back for a purpose and is never allocated."""


class RangeOverlaps(AssetsError):
    """DHCP ranges and reservations of a prefix never overlap one another."""


class RangeHoldsAllocations(AssetsError):
    """A DHCP range or reservation cannot cover addresses that are allocated: release them first."""


class AllocationAlreadyReleased(AssetsError):
    """An allocation ends once."""
