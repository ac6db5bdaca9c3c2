"""The IPAM REST API: prefixes with their utilisation, DHCP ranges, reservations, and addresses allocated to devices
and released; routes only.

A prefix's ETag is its stream's version: every range, reservation, allocation and release of it moves it.
"""

from ipaddress import IPv4Address, IPv6Address, ip_network
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import ipam
from assets.api.prefix_models import (
    AddDhcpRangeRequest,
    AddPrefixRequest,
    AllocateAddressRequest,
    AllocationPage,
    AllocationResponse,
    PrefixDetail,
    PrefixPage,
    ReleaseAllocationRequest,
    ReserveAddressesRequest,
    VlanId,
    allocation_body,
    page_body,
    prefix_body,
)
from assets.domain.prefix import AddDhcpRange, AddPrefix, AllocateAddress, ReleaseAddress, ReserveAddresses
from events.auth import Agent, Desk
from events.envelope import Context
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["ip addresses"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


async def _detail(conn, prefix_id: UUID, tenant: str) -> dict:
    row = await ipam.prefix_row(conn, prefix_id, tenant)
    if row is None:
        raise NotFound(f"no prefix {prefix_id}")
    return prefix_body(row, await ipam.ranges_of(conn, prefix_id, tenant))


@router.post("/prefixes", status_code=201, response_model=PrefixDetail)
async def add_prefix(body: AddPrefixRequest, principal: Agent, call: CommandCall) -> Response:
    """Add a network addresses are allocated from; one overlapping another of the tenant's is refused (409)."""

    async def run(conn, ctx: Context) -> Answer:
        command = AddPrefix(
            prefix_id=uuid7(),
            network=ip_network(body.prefix),
            at=ctx.recorded_at,
            **body.model_dump(exclude={"prefix"}),
        )
        prefix = await ipam.add_prefix(conn, command, ctx)
        return Answer(prefix_body(prefix.view, []), prefix.version, location=f"/prefixes/{command.prefix_id}")

    return await call.run(principal, run)


@router.get("/prefixes", response_model=PrefixPage)
async def list_prefixes(
    pool: Pool,
    principal: Desk,
    site: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    vlan_id: Annotated[VlanId | None, Query()] = None,
    family: Literal[4, 6] | None = None,
    holding: Annotated[
        IPv4Address | IPv6Address | None, Query(description="only the prefix holding this address")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict:
    """The tenant's prefixes, IPv4 first in address order, each with its utilisation."""
    filters = dict(site=site, vlan_id=vlan_id, family=family, holding=holding)
    async with pool.acquire() as conn:
        return page_body(await ipam.prefixes_of(conn, principal.tenant, filters, limit, offset), prefix_body)


@router.get("/prefixes/{prefix_id}", response_model=PrefixDetail)
async def get_prefix(prefix_id: UUID, pool: Pool, principal: Desk) -> Response:
    """The prefix, its utilisation, DHCP ranges and reservations; `ETag` = its version, for `If-Match`."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        body = await _detail(conn, prefix_id, principal.tenant)
    return answered(body, body["version"])


@router.post("/prefixes/{prefix_id}/dhcp-ranges", status_code=201, response_model=PrefixDetail)
async def add_dhcp_range(prefix_id: UUID, body: AddDhcpRangeRequest, principal: Agent, call: CommandCall) -> Response:
    """Record addresses a DHCP server hands out: static allocation keeps out of them."""

    async def run(conn, ctx: Context) -> Answer:
        command = AddDhcpRange(
            range_id=uuid7(),
            start=body.start_address,
            end=body.end_address,
            description=body.description,
            at=ctx.recorded_at,
        )
        return await _carved(conn, prefix_id, command, command.range_id, ctx, call.if_match)

    return await call.run(principal, run)


@router.post("/prefixes/{prefix_id}/reservations", status_code=201, response_model=PrefixDetail)
async def reserve_addresses(
    prefix_id: UUID, body: ReserveAddressesRequest, principal: Agent, call: CommandCall
) -> Response:
    """Hold an address, or a range from start to end, back for a purpose: it is never allocated."""

    async def run(conn, ctx: Context) -> Answer:
        command = ReserveAddresses(
            reservation_id=uuid7(),
            start=body.start_address,
            end=body.end_address or body.start_address,
            purpose=body.purpose,
            at=ctx.recorded_at,
        )
        return await _carved(conn, prefix_id, command, command.reservation_id, ctx, call.if_match)

    return await call.run(principal, run)


async def _carved(conn, prefix_id: UUID, command, piece_id: UUID, ctx: Context, if_match: int | None) -> Answer:
    """A range set aside in the prefix (for DHCP, or reserved): the prefix as it now stands, the piece located."""
    prefix = await ipam.handle_prefix(conn, prefix_id, command, ctx, if_match)
    detail = await _detail(conn, prefix_id, ctx.tenant)
    return Answer(detail, prefix.version, location=f"/prefixes/{prefix_id}#{piece_id}")


@router.post("/prefixes/{prefix_id}/allocations", status_code=201, response_model=AllocationResponse)
async def allocate_address(
    prefix_id: UUID, body: AllocateAddressRequest, principal: Agent, call: CommandCall
) -> Response:
    """Give a device's interface the address named, or the next free one; "prefix full" (409) when none is left."""

    async def run(conn, ctx: Context) -> Answer:
        command = AllocateAddress(
            allocation_id=uuid7(),
            technician_id=principal.user_id,
            at=ctx.recorded_at,
            **body.model_dump(exclude={"address"}),
            address=body.address,
        )
        prefix = await ipam.handle_prefix(conn, prefix_id, command, ctx, call.if_match)
        row = await ipam.allocation_row(conn, command.allocation_id, ctx.tenant)
        return Answer(allocation_body(row), prefix.version, location=f"/allocations/{command.allocation_id}")

    return await call.run(principal, run)


@router.get("/prefixes/{prefix_id}/allocations", response_model=AllocationPage)
async def list_allocations(
    prefix_id: UUID, pool: Pool, principal: Desk, include_released: bool = False, limit: Limit = 50, offset: Offset = 0
) -> dict:
    """The prefix's allocations in address order: live ones, or with `include_released` the past ones too."""
    async with pool.acquire() as conn:
        if await ipam.prefix_row(conn, prefix_id, principal.tenant) is None:
            raise NotFound(f"no prefix {prefix_id}")
        found = await ipam.allocations_in(conn, prefix_id, principal.tenant, include_released, limit, offset)
    return page_body(found, allocation_body)


@router.get("/allocations/{allocation_id}", response_model=AllocationResponse)
async def get_allocation(allocation_id: UUID, pool: Pool, principal: Desk) -> dict:
    async with pool.acquire() as conn:
        row = await ipam.allocation_row(conn, allocation_id, principal.tenant)
    if row is None:
        raise NotFound(f"no allocation {allocation_id}")
    return allocation_body(row)


@router.post("/allocations/{allocation_id}/release", response_model=AllocationResponse)
async def release_allocation(
    allocation_id: UUID, principal: Agent, call: CommandCall, body: ReleaseAllocationRequest | None = None
) -> Response:
    """End the allocation: its address is free again. `If-Match` is the prefix's ETag."""

    async def run(conn, ctx: Context) -> Answer:
        command = ReleaseAddress(allocation_id=allocation_id, at=ctx.recorded_at, note=body.note if body else "")
        prefix = await ipam.release(conn, allocation_id, command, ctx, call.if_match)
        return Answer(allocation_body(await ipam.allocation_row(conn, allocation_id, ctx.tenant)), prefix.version)

    return await call.run(principal, run)


@router.get("/devices/{device_id}/addresses", response_model=list[AllocationResponse])
async def list_device_addresses(device_id: UUID, pool: Pool, principal: Desk) -> list[dict]:
    """The addresses the device holds now, on which interfaces, from which prefixes."""
    async with pool.acquire() as conn:
        rows = await ipam.addresses_of(conn, device_id, principal.tenant)
    if rows is None:
        raise NotFound(f"no device {device_id}")
    return [allocation_body(row) for row in rows]
