"""Address arithmetic for IPAM, pure: a prefix's usable addresses, the spans held in it, the first one free, and
how the usable ones are spent.

Addresses are integers here, so a span is two numbers whatever its size and nothing ever enumerates a
prefix (an IPv6 /64 holds 2^64 addresses): the next free address is found by walking the sorted spans held.
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Span = tuple[int, int]  # first and last address, inclusive


def usable_span(network: Network) -> Span:
    """The first and last address a device may be given.

    IPv4 keeps its network and broadcast addresses back, except on /31 and /32 (RFC 3021: point-to-point
    links and hosts have neither). IPv6 has no broadcast, but its first address is the subnet-router anycast
    address (RFC 4291 2.6.1), except on /127 and /128 (RFC 6164 point-to-point links).
    """
    first, last = int(network.network_address), int(network.broadcast_address)
    if network.version == 4 and network.prefixlen < 31:
        return first + 1, last - 1
    if network.version == 6 and network.prefixlen < 127:
        return first + 1, last
    return first, last


def size(span: Span) -> int:
    return span[1] - span[0] + 1


def usable_count(network: Network) -> int:
    return size(usable_span(network))


def is_usable(network: Network, address: Address) -> bool:
    first, last = usable_span(network)
    return address in network and first <= int(address) <= last


def first_free(usable: Span, held: Iterable[Span]) -> int | None:
    """The lowest usable address in no held span, or None when every one is held."""
    candidate = usable[0]
    for low, high in sorted(held):
        if low > candidate:
            break
        candidate = max(candidate, high + 1)
    return candidate if candidate <= usable[1] else None


def overlaps(a: Span, b: Span) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def address_of(network: Network, value: int) -> Address:
    """The address `value` in the prefix's family (a small integer alone would read as IPv4)."""
    return type(network.network_address)(value)


class RangeKind(StrEnum):
    DHCP = "dhcp"
    RESERVATION = "reservation"


@dataclass(frozen=True)
class HeldRange:
    """A DHCP range or a reservation: addresses static allocation keeps out of."""

    range_id: UUID
    kind: RangeKind
    first: int
    last: int
    label: str


@dataclass(frozen=True)
class Utilisation:
    """How a prefix's usable addresses are spent; ranges, reservations and allocations never overlap."""

    usable: int
    allocated: int
    reserved: int
    dhcp: int

    @property
    def free(self) -> int:
        return self.usable - self.allocated - self.reserved - self.dhcp

    @property
    def percent(self) -> float:
        return round(100 * (self.usable - self.free) / self.usable, 2)


def utilisation_of(network: Network, ranges: Iterable[HeldRange], allocated: int) -> Utilisation:
    held = {kind: 0 for kind in RangeKind}
    for r in ranges:
        held[r.kind] += size((r.first, r.last))
    return Utilisation(usable_count(network), allocated, held[RangeKind.RESERVATION], held[RangeKind.DHCP])
