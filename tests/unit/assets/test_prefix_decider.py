"""The prefix decider, given / when / then, without I/O: usable addresses, next free, ranges, refusals, utilisation."""

from datetime import UTC, datetime
from ipaddress import ip_address, ip_network
from uuid import uuid4

import pytest

from assets.domain.addresses import first_free, usable_count
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
from assets.domain.prefix import (
    PREFIX,
    AddDhcpRange,
    AddPrefix,
    AllocateAddress,
    ReleaseAddress,
    ReserveAddresses,
    utilisation,
)
from events.contracts.ipam import (
    AddressAllocated,
    AddressReleased,
    AddressReserved,
    DhcpRangeAdded,
    PrefixAdded,
    ReleaseReason,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

PREFIX_ID, PC, PRINTER = uuid4(), uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def added(prefix: str = "10.20.0.0/26") -> PrefixAdded:
    return PrefixAdded(at=MONDAY, prefix_id=PREFIX_ID, prefix=prefix, site="City Hall", vlan_id=20, purpose="staff")


def allocate(address: str | None = None, device=PC) -> AllocateAddress:
    return AllocateAddress(
        allocation_id=uuid4(),
        device_id=device,
        interface="eth0",
        technician_id="tom",
        at=MONDAY,
        address=ip_address(address) if address else None,
        hostname="pc-1",
    )


def allocated(address: str, allocation_id=None, device=PC) -> AddressAllocated:
    return AddressAllocated(
        at=MONDAY,
        allocation_id=allocation_id or uuid4(),
        prefix_id=PREFIX_ID,
        address=address,
        device_id=device,
        interface="eth0",
        hostname="pc-1",
        technician_id="tom",
    )


def dhcp(start: str, end: str) -> DhcpRangeAdded:
    return DhcpRangeAdded(at=MONDAY, prefix_id=PREFIX_ID, range_id=uuid4(), start_address=start, end_address=end)


def reserved(start: str, end: str | None = None) -> AddressReserved:
    return AddressReserved(
        at=MONDAY,
        prefix_id=PREFIX_ID,
        reservation_id=uuid4(),
        start_address=start,
        end_address=end or start,
        purpose="gateway",
    )


def address_decided(*history, command=None) -> str:
    [event] = given(PREFIX, *history).when(command or allocate())
    return event.address


@pytest.mark.parametrize(
    ("prefix", "usable"),
    [
        ("10.0.0.0/26", 62),
        ("10.0.0.0/24", 254),
        ("10.0.0.0/30", 2),
        ("10.0.0.0/31", 2),
        ("10.0.0.1/32", 1),
        ("2001:db8::/64", 2**64 - 1),
        ("2001:db8::/127", 2),
        ("2001:db8::1/128", 1),
    ],
)
def test_usable_addresses_leave_out_network_broadcast_and_subnet_router_anycast(prefix, usable):
    assert usable_count(ip_network(prefix)) == usable


def test_a_prefix_is_added_once_with_its_site_vlan_and_purpose():
    command = AddPrefix(
        prefix_id=PREFIX_ID,
        network=ip_network("10.20.0.0/26"),
        at=MONDAY,
        site="City Hall",
        vlan_id=20,
        purpose="staff",
    )
    given(PREFIX).then(command, added())
    given(PREFIX, added()).refuses(command, PrefixAlreadyAdded)


def test_an_ipv6_prefix_larger_than_a_64_is_refused_naming_the_prefix():
    command = AddPrefix(prefix_id=PREFIX_ID, network=ip_network("2001:db8::/48"), at=MONDAY)
    assert given(PREFIX).refuses(command, Unprocessable).field == "prefix"


def test_a_command_on_a_prefix_never_added_is_not_found():
    given(PREFIX).refuses(allocate(), NotFound)


def test_the_next_free_address_skips_the_network_address_dhcp_reservations_and_allocations():
    assert address_decided(added()) == "10.20.0.1"
    history = (added(), reserved("10.20.0.1"), allocated("10.20.0.2"), dhcp("10.20.0.3", "10.20.0.9"))
    assert address_decided(*history) == "10.20.0.10"


def test_a_released_address_is_the_next_free_again():
    first = uuid4()
    history = (
        added(),
        allocated("10.20.0.1", first),
        allocated("10.20.0.2"),
        AddressReleased(
            at=MONDAY,
            allocation_id=first,
            prefix_id=PREFIX_ID,
            address="10.20.0.1",
            device_id=PC,
            reason=ReleaseReason.RELEASED,
        ),
    )
    assert address_decided(*history) == "10.20.0.1"


def test_a_full_prefix_refuses_with_prefix_full_and_never_gives_the_broadcast_address():
    history = [added("10.20.0.0/30"), allocated("10.20.0.1"), allocated("10.20.0.2")]
    refusal = given(PREFIX, *history).refuses(allocate(), PrefixFull, match="prefix full")
    assert "10.20.0.0/30" in str(refusal)
    broadcast = given(PREFIX, added("10.20.0.0/30")).refuses(allocate("10.20.0.3"), Unprocessable)
    assert broadcast.field == "address"


def test_a_31_and_a_32_give_every_address_and_an_ipv6_prefix_never_its_first():
    assert address_decided(added("10.20.0.0/31")) == "10.20.0.0"
    assert address_decided(added("10.20.0.7/32")) == "10.20.0.7"
    assert address_decided(added("2001:db8:20::/64")) == "2001:db8:20::1"
    anycast = given(PREFIX, added("2001:db8:20::/64")).refuses(allocate("2001:db8:20::"), Unprocessable)
    assert anycast.field == "address"


def test_the_next_free_address_in_a_64_is_found_without_enumerating_it():
    # Half a million addresses held in one range: walking the spans takes one step, not half a million.
    history = (added("2001:db8:20::/64"), dhcp("2001:db8:20::1", "2001:db8:20::7:ffff"))
    assert address_decided(*history) == "2001:db8:20::8:0"


def test_first_free_walks_adjacent_and_nested_spans():
    assert first_free((1, 10), [(3, 4), (1, 2), (5, 5), (7, 9)]) == 6
    assert first_free((1, 10), [(1, 10)]) is None
    assert first_free((1, 10), [(2, 3)]) == 1


def test_a_named_address_is_refused_when_taken_in_a_dhcp_range_reserved_or_outside_the_prefix():
    history = (added(), allocated("10.20.0.5"), dhcp("10.20.0.40", "10.20.0.60"), reserved("10.20.0.1"))
    assert address_decided(*history, command=allocate("10.20.0.6")) == "10.20.0.6"
    given(PREFIX, *history).refuses(allocate("10.20.0.5", device=PRINTER), AddressTaken)
    given(PREFIX, *history).refuses(allocate("10.20.0.45"), AddressInDhcpRange)
    given(PREFIX, *history).refuses(allocate("10.20.0.1"), AddressInReservation, match="gateway")
    for outside in ("10.20.0.64", "2001:db8::5"):
        assert given(PREFIX, *history).refuses(allocate(outside), Unprocessable).field == "address"


def test_a_dhcp_range_is_recorded_in_canonical_form_inside_the_prefix():
    command = AddDhcpRange(range_id=uuid4(), start=ip_address("10.20.0.40"), end=ip_address("10.20.0.60"), at=MONDAY)
    [event] = given(PREFIX, added()).when(command)
    assert (event.start_address, event.end_address, event.range_id) == ("10.20.0.40", "10.20.0.60", command.range_id)


def test_ranges_and_reservations_must_lie_inside_the_prefix_in_order_and_never_overlap():
    history = (added(), dhcp("10.20.0.40", "10.20.0.60"), allocated("10.20.0.5"))

    def reserve(start: str, end: str) -> ReserveAddresses:
        return ReserveAddresses(
            reservation_id=uuid4(), start=ip_address(start), end=ip_address(end), purpose="printers", at=MONDAY
        )

    given(PREFIX, *history).refuses(reserve("10.20.0.60", "10.20.0.61"), RangeOverlaps, match="dhcp")
    given(PREFIX, *history).refuses(reserve("10.20.0.4", "10.20.0.6"), RangeHoldsAllocations, match="10.20.0.5")
    assert given(PREFIX, *history).refuses(reserve("10.20.0.9", "10.20.0.8"), Unprocessable).field == "end_address"
    assert given(PREFIX, *history).refuses(reserve("10.20.0.0", "10.20.0.3"), Unprocessable).field == "start_address"
    assert given(PREFIX, *history).refuses(reserve("10.20.0.61", "10.20.1.3"), Unprocessable).field == "end_address"
    [event] = given(PREFIX, *history).when(reserve("10.20.0.61", "10.20.0.62"))
    assert (event.start_address, event.end_address, event.purpose) == ("10.20.0.61", "10.20.0.62", "printers")


def test_an_allocation_is_released_once_and_an_unknown_one_is_not_found():
    allocation_id = uuid4()
    history = [added(), allocated("10.20.0.9", allocation_id)]
    release = ReleaseAddress(allocation_id=allocation_id, at=MONDAY, reason=ReleaseReason.DEVICE_DISPOSED)
    released = AddressReleased(
        at=MONDAY,
        allocation_id=allocation_id,
        prefix_id=PREFIX_ID,
        address="10.20.0.9",
        device_id=PC,
        reason=ReleaseReason.DEVICE_DISPOSED,
    )
    given(PREFIX, *history).then(release, released)
    given(PREFIX, *history, released).refuses(release, AllocationAlreadyReleased)
    given(PREFIX, *history).refuses(ReleaseAddress(allocation_id=uuid4(), at=MONDAY), NotFound)


def test_utilisation_counts_usable_allocated_reserved_dhcp_and_free():
    history = (
        added(),
        allocated("10.20.0.5"),
        allocated("10.20.0.6"),
        reserved("10.20.0.1", "10.20.0.2"),
        dhcp("10.20.0.33", "10.20.0.62"),
    )
    used = utilisation(given(PREFIX, *history).state)
    assert (used.usable, used.allocated, used.reserved, used.dhcp, used.free) == (62, 2, 2, 30, 28)
    assert used.percent == round(100 * 34 / 62, 2)
    empty = utilisation(given(PREFIX, added("2001:db8:20::/64")).state)
    assert (empty.usable, empty.free, empty.percent) == (2**64 - 1, 2**64 - 1, 0.0)
