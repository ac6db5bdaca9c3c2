"""Request and response bodies of the IPAM API: prefixes with utilisation, DHCP ranges, reservations, allocations."""

import ipaddress
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, IPvAnyAddress

from assets.domain.prefix import Utilisation
from events.contracts.ipam import ReleaseReason
from events.fields import Body, Short

Label = Annotated[str, Field(max_length=200)]
Description = Annotated[str, Field(max_length=5_000)]
VlanId = Annotated[int, Field(ge=1, le=4094, description="the IEEE 802.1Q VLAN id (1-4094)")]


def _cidr(value: str) -> str:
    if "/" not in value:
        raise ValueError("give the prefix in CIDR notation, e.g. 10.20.0.0/24 or 2001:db8:20::/64")
    try:
        return str(ipaddress.ip_network(value))
    except ValueError as error:  # "10.20.0.1/24 has host bits set", "... does not appear to be an IPv4 or IPv6..."
        raise ValueError(str(error)) from None


Cidr = Annotated[str, Field(min_length=4, max_length=49, examples=["10.20.0.0/24"]), AfterValidator(_cidr)]
# RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
Hostname = Annotated[
    str,
    Field(
        max_length=253,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)?$",
    ),
]
Interface = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._:/@+\-]*$",
        examples=["eth0", "GigabitEthernet0/1"],
    ),
]


class AddPrefixRequest(Body):
    prefix: Cidr
    site: Label = ""
    vlan_id: VlanId | None = None
    purpose: Label = Field(default="", description="what the network is for: staff desktops, printers, cameras")
    description: Description = ""


class AddDhcpRangeRequest(Body):
    start_address: IPvAnyAddress
    end_address: IPvAnyAddress
    description: Description = ""


class ReserveAddressesRequest(Body):
    start_address: IPvAnyAddress
    end_address: IPvAnyAddress | None = Field(default=None, description="the last address held; absent: only start")
    purpose: Short = Field(description="why the addresses are held back: gateway, printers to come")


class AllocateAddressRequest(Body):
    device_id: UUID
    interface: Interface
    address: IPvAnyAddress | None = Field(default=None, description="the address wanted; absent: the next free one")
    hostname: Hostname = ""
    description: Description = ""


class ReleaseAllocationRequest(Body):
    note: Description = ""


class UtilisationResponse(BaseModel):
    """How the prefix's usable addresses are spent (IPv4 network and broadcast, IPv6 anycast left out)."""

    usable: int
    allocated: int
    reserved: int
    dhcp: int
    free: int
    percent: float = Field(description="of the usable addresses, those allocated, reserved or in DHCP ranges")


class PrefixResponse(BaseModel):
    id: UUID
    prefix: str
    family: int
    site: str
    vlan_id: int | None
    purpose: str
    description: str
    utilisation: UtilisationResponse
    added_at: datetime
    updated_at: datetime
    version: int


class RangeResponse(BaseModel):
    id: UUID
    kind: str = Field(description="dhcp or reservation")
    start_address: str
    end_address: str
    label: str = Field(description="a DHCP range's description, a reservation's purpose")
    added_at: datetime
    added_by: str


class PrefixDetail(PrefixResponse):
    ranges: list[RangeResponse]


class PrefixPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[PrefixResponse]


class AllocationResponse(BaseModel):
    id: UUID
    prefix_id: UUID
    prefix: str
    address: str
    device_id: UUID
    interface: str
    hostname: str
    description: str
    allocated_at: datetime
    allocated_by: str
    released_at: datetime | None
    released_by: str | None
    release_reason: ReleaseReason | None
    release_note: str | None


class AllocationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AllocationResponse]


def prefix_body(row: Any, ranges: list | None = None) -> dict:
    row = dict(row)
    used = Utilisation(**{name: int(row.pop(name)) for name in ("usable", "allocated", "reserved", "dhcp")})
    utilisation = UtilisationResponse(**vars(used), free=used.free, percent=used.percent)
    body = {**row, "prefix": str(row["prefix"]), "utilisation": utilisation}
    if ranges is None:
        return PrefixResponse(**body).model_dump(mode="json")
    return PrefixDetail(**body, ranges=[range_body(r) for r in ranges]).model_dump(mode="json")


def range_body(row: Any) -> RangeResponse:
    return RangeResponse(**{**row, "start_address": str(row["start_address"]), "end_address": str(row["end_address"])})


def allocation_body(row: Any) -> dict:
    return AllocationResponse(**{**row, "prefix": str(row["prefix"]), "address": str(row["address"])}).model_dump(
        mode="json"
    )


def page_body(found: dict, to_body) -> dict:
    return {**found, "items": [to_body(item) for item in found["items"]]}
