"""The prefix decider: a network's DHCP ranges, reservations and allocations, never one address given twice.

A prefix is one stream holding its ranges, reservations, allocations and releases, so its state is the set of
addresses taken and each decision sees every other (two decided on one version clash on the append; the
service locks the prefix's row first, so they queue instead). That suits city-size prefixes, whose streams
stay in the thousands of events. The next free address is found by walking the sorted spans held, never by
enumerating the prefix: an IPv6 /64 costs what a /26 does. Usable addresses are `addresses.usable_span`'s.
The tenant-wide rules (prefixes never overlap, the device exists and is not gone) are the service's.
"""

import ipaddress
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from assets.domain.addresses import (
    Address,
    HeldRange,
    Network,
    RangeKind,
    Span,
    Utilisation,
    address_of,
    first_free,
    is_usable,
    overlaps,
    usable_span,
    utilisation_of,
)
from assets.domain.ipam_errors import (
    AddressInDhcpRange,
    AddressInReservation,
    AddressTaken,
    AllocationAlreadyReleased,
    PrefixAlreadyAdded,
    PrefixFull,
    RangeHoldsAllocations,
    RangeOverlaps,
)
from events.base import Event
from events.contracts.ipam import (
    AddressAllocated,
    AddressReleased,
    AddressReserved,
    DhcpRangeAdded,
    PrefixAdded,
    ReleaseReason,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable

SMALLEST_IPV6_PREFIX = 64  # hosts sit in /64s (RFC 4291 interface identifiers); a larger block is split first


@dataclass(frozen=True)
class Allocation:
    allocation_id: UUID
    address: int
    device_id: UUID
    interface: str


@dataclass(frozen=True)
class Prefix:
    prefix_id: UUID | None = None
    network: Network | None = None
    ranges: tuple[HeldRange, ...] = ()
    live: dict[UUID, Allocation] = field(default_factory=dict)  # never changed in place: each event makes a new one
    released: frozenset[UUID] = frozenset()

    def held_spans(self) -> list[Span]:
        return [(r.first, r.last) for r in self.ranges] + [(a.address, a.address) for a in self.live.values()]

    def range_holding(self, value: int) -> HeldRange | None:
        return next((r for r in self.ranges if r.first <= value <= r.last), None)


def utilisation(prefix: Prefix) -> Utilisation:
    return utilisation_of(prefix.network, prefix.ranges, len(prefix.live))


# --- commands -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddPrefix:
    prefix_id: UUID
    network: Network
    at: datetime
    site: str = ""
    vlan_id: int | None = None
    purpose: str = ""
    description: str = ""


@dataclass(frozen=True)
class AddDhcpRange:
    range_id: UUID
    start: Address
    end: Address
    at: datetime
    description: str = ""


@dataclass(frozen=True)
class ReserveAddresses:
    reservation_id: UUID
    start: Address
    end: Address
    purpose: str
    at: datetime


@dataclass(frozen=True)
class AllocateAddress:
    """Allocate `address`, or the lowest free one when it is None."""

    allocation_id: UUID
    device_id: UUID
    interface: str
    technician_id: str
    at: datetime
    address: Address | None = None
    hostname: str = ""
    description: str = ""


@dataclass(frozen=True)
class ReleaseAddress:
    allocation_id: UUID
    at: datetime
    reason: ReleaseReason = ReleaseReason.RELEASED
    note: str = ""


PrefixCommand = AddPrefix | AddDhcpRange | ReserveAddresses | AllocateAddress | ReleaseAddress


def _prefix_must_exist(state: Prefix, command: PrefixCommand) -> None:
    if state.prefix_id is None:
        raise NotFound("no such prefix")


def _add_prefix(state: Prefix, c: AddPrefix) -> list[Event]:
    if state.prefix_id is not None:
        raise PrefixAlreadyAdded(f"prefix {c.prefix_id} is already added")
    if c.network.version == 6 and c.network.prefixlen < SMALLEST_IPV6_PREFIX:
        raise Unprocessable(
            "prefix",
            f"{c.network} is larger than a /{SMALLEST_IPV6_PREFIX}: addresses are"
            f" allocated from IPv6 /{SMALLEST_IPV6_PREFIX}s or smaller prefixes",
        )
    details = {name: value for name, value in vars(c).items() if name != "network"}  # the event's own names
    return [PrefixAdded(prefix=str(c.network), **details)]


def _usable(state: Prefix, address: Address, field_name: str) -> int:
    """The address as an integer, once it is one of the prefix's usable addresses (else 422 naming the field)."""
    if address not in state.network:
        raise Unprocessable(field_name, f"{address} is outside the prefix {state.network}")
    if not is_usable(state.network, address):
        raise Unprocessable(field_name, f"{address} is {state.network}'s network, broadcast or anycast address")
    return int(address)


def _free_span(state: Prefix, start: Address, end: Address) -> Span:
    """The span from start to end, inside the prefix, overlapping no range, reservation or allocation."""
    span = (_usable(state, start, "start_address"), _usable(state, end, "end_address"))
    if span[0] > span[1]:
        raise Unprocessable("end_address", f"{end} comes before start_address {start}")
    if clash := next((r for r in state.ranges if overlaps(span, (r.first, r.last))), None):
        raise RangeOverlaps(f"{start}-{end} overlaps the {clash.kind} from {_text(state, clash.first)}")
    if inside := next((a for a in state.live.values() if span[0] <= a.address <= span[1]), None):
        raise RangeHoldsAllocations(f"{_text(state, inside.address)} is allocated: release it first")
    return span


def _text(state: Prefix, value: int) -> str:
    return str(address_of(state.network, value))


def _add_dhcp_range(state: Prefix, c: AddDhcpRange) -> list[Event]:
    first, last = _free_span(state, c.start, c.end)
    return [
        DhcpRangeAdded(
            at=c.at,
            prefix_id=state.prefix_id,
            range_id=c.range_id,
            start_address=_text(state, first),
            end_address=_text(state, last),
            description=c.description,
        )
    ]


def _reserve(state: Prefix, c: ReserveAddresses) -> list[Event]:
    first, last = _free_span(state, c.start, c.end)
    return [
        AddressReserved(
            at=c.at,
            prefix_id=state.prefix_id,
            reservation_id=c.reservation_id,
            start_address=_text(state, first),
            end_address=_text(state, last),
            purpose=c.purpose,
        )
    ]


def _named(state: Prefix, address: Address) -> int:
    value = _usable(state, address, "address")
    if holder := next((a for a in state.live.values() if a.address == value), None):
        raise AddressTaken(f"{address} is allocated to device {holder.device_id} ({holder.interface})")
    held = state.range_holding(value)
    if held is not None and held.kind is RangeKind.DHCP:
        raise AddressInDhcpRange(
            f"{address} is in a DHCP range of {state.network}: a static address there would clash with a lease"
        )
    if held is not None:
        raise AddressInReservation(f"{address} is reserved ({held.label}): it is never allocated")
    return value


def _next_free(state: Prefix) -> int:
    value = first_free(usable_span(state.network), state.held_spans())
    if value is None:
        raise PrefixFull(str(state.network))
    return value


def _allocate(state: Prefix, c: AllocateAddress) -> list[Event]:
    value = _next_free(state) if c.address is None else _named(state, c.address)
    return [
        AddressAllocated(
            at=c.at,
            allocation_id=c.allocation_id,
            prefix_id=state.prefix_id,
            address=_text(state, value),
            device_id=c.device_id,
            interface=c.interface,
            hostname=c.hostname,
            description=c.description,
            technician_id=c.technician_id,
        )
    ]


def _release(state: Prefix, c: ReleaseAddress) -> list[Event]:
    allocation = state.live.get(c.allocation_id)
    if allocation is None and c.allocation_id in state.released:
        raise AllocationAlreadyReleased(f"allocation {c.allocation_id} is already released")
    if allocation is None:
        raise NotFound(f"no allocation {c.allocation_id} in prefix {state.network}")
    return [
        AddressReleased(
            at=c.at,
            allocation_id=c.allocation_id,
            prefix_id=state.prefix_id,
            address=_text(state, allocation.address),
            device_id=allocation.device_id,
            reason=c.reason,
            note=c.note,
        )
    ]


# --- evolution ------------------------------------------------------------------------------------------------


def _added(s: Prefix, e: PrefixAdded) -> Prefix:
    return Prefix(prefix_id=e.prefix_id, network=ipaddress.ip_network(e.prefix))


def _held(s: Prefix, range_id: UUID, kind: RangeKind, start: str, end: str, label: str) -> Prefix:
    held = HeldRange(range_id, kind, int(ipaddress.ip_address(start)), int(ipaddress.ip_address(end)), label)
    return replace(s, ranges=(*s.ranges, held))


def _dhcp_range_added(s: Prefix, e: DhcpRangeAdded) -> Prefix:
    return _held(s, e.range_id, RangeKind.DHCP, e.start_address, e.end_address, e.description)


def _reserved(s: Prefix, e: AddressReserved) -> Prefix:
    return _held(s, e.reservation_id, RangeKind.RESERVATION, e.start_address, e.end_address, e.purpose)


def _allocated(s: Prefix, e: AddressAllocated) -> Prefix:
    allocation = Allocation(e.allocation_id, int(ipaddress.ip_address(e.address)), e.device_id, e.interface)
    return replace(s, live={**s.live, e.allocation_id: allocation})


def _released(s: Prefix, e: AddressReleased) -> Prefix:
    live = {k: a for k, a in s.live.items() if k != e.allocation_id}
    return replace(s, live=live, released=s.released | {e.allocation_id})


PREFIX = Decider(
    initial=Prefix(),
    evolvers={
        PrefixAdded: _added,
        DhcpRangeAdded: _dhcp_range_added,
        AddressReserved: _reserved,
        AddressAllocated: _allocated,
        AddressReleased: _released,
    },
    deciders={
        AddPrefix: _add_prefix,
        AddDhcpRange: _add_dhcp_range,
        ReserveAddresses: _reserve,
        AllocateAddress: _allocate,
        ReleaseAddress: _release,
    },
    precondition=_prefix_must_exist,
    creates=(AddPrefix,),
)
