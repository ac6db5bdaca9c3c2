"""The vendor contracts REST API: record, list (renewals due within N days), read, renew, terminate; routes only.

Managers negotiate and manage contracts; the desk (technicians, auditors) reads them, to know what is covered.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import vendor_contracts
from assets.api.contracts_models import (
    ContractPage,
    ContractResponse,
    RecordContractRequest,
    RenewContractRequest,
    TerminateContractRequest,
    contract_body,
)
from assets.domain.vendor_contract import RecordVendorContract, RenewVendorContract, TerminateVendorContract
from events.auth import Desk, Manager
from events.contracts.purchasing import ContractType
from events.envelope import Context, utcnow
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["contracts"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post("/contracts", status_code=201, response_model=ContractResponse)
async def record_contract(body: RecordContractRequest, principal: Manager, call: CommandCall) -> Response:
    """Record a vendor contract: its type, vendor, first term, value and payments, renewal notice period, the
    devices and licences it covers (each the tenant's, else 422) and its owner, who is told when renewal is due."""

    async def run(conn, ctx: Context) -> Answer:
        fields = body.model_dump(exclude={"payments", "device_ids", "licence_ids", "owner_id"})
        command = RecordVendorContract(
            contract_id=uuid7(),
            **fields,
            owner_id=body.owner_id or principal.user_id,
            at=ctx.recorded_at,
            payments=tuple(p.contract() for p in body.payments),
            device_ids=tuple(body.device_ids),
            licence_ids=tuple(body.licence_ids),
        )
        contract = await vendor_contracts.record(conn, command, ctx)
        return Answer(contract_body(contract.view), contract.version, location=f"/contracts/{command.contract_id}")

    return await call.run(principal, run)


@router.get("/contracts", response_model=ContractPage)
async def list_contracts(
    pool: Pool,
    principal: Desk,
    renewal_within_days: Annotated[
        int | None,
        Query(
            ge=0,
            le=3_650,
            description=(
                "only contracts in force whose renewal notice date falls within this many days (or has passed)"
            ),
        ),
    ] = None,
    contract_type: Annotated[ContractType | None, Query(alias="type")] = None,
    vendor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Contracts, the soonest renewal notice first, with the total found."""
    filters = dict(renewal_within_days=renewal_within_days, contract_type=contract_type, vendor=vendor)
    async with pool.acquire() as conn:
        return await vendor_contracts.contracts_of(conn, principal.tenant, utcnow().date(), filters, limit, offset)


@router.get("/contracts/{contract_id}", response_model=ContractResponse)
async def get_contract(contract_id: UUID, pool: Pool, principal: Desk) -> Response:
    """The contract with every term so far; `ETag` = its version, for the `If-Match` of a renewal."""
    async with pool.acquire() as conn:
        row = await vendor_contracts.contract_row(conn, contract_id, principal.tenant, utcnow().date())
    if row is None:
        raise NotFound(f"no contract {contract_id}")
    return answered(contract_body(row), row["version"])


@router.post("/contracts/{contract_id}/renew", response_model=ContractResponse)
async def renew_contract(
    contract_id: UUID, body: RenewContractRequest, principal: Manager, call: CommandCall
) -> Response:
    """Renew the contract for a new term ending later, with its value and payments: a new term, never an edit.
    Refused (409) for a contract terminated or already ended."""

    async def run(conn, ctx: Context) -> Answer:
        command = RenewVendorContract(
            ends_on=body.ends_on,
            value=body.value,
            at=ctx.recorded_at,
            starts_on=body.starts_on,
            payments=tuple(p.contract() for p in body.payments),
            renewal_notice_days=body.renewal_notice_days,
        )
        contract = await vendor_contracts.handle(conn, contract_id, command, ctx, call.if_match)
        return Answer(contract_body(contract.view), contract.version)

    return await call.run(principal, run)


@router.post("/contracts/{contract_id}/terminate", response_model=ContractResponse)
async def terminate_contract(
    contract_id: UUID, body: TerminateContractRequest, principal: Manager, call: CommandCall
) -> Response:
    """End the contract before its term runs out, from `effective_on` (today by default), with the reason."""

    async def run(conn, ctx: Context) -> Answer:
        command = TerminateVendorContract(reason=body.reason, at=ctx.recorded_at, effective_on=body.effective_on)
        contract = await vendor_contracts.handle(conn, contract_id, command, ctx, call.if_match)
        return Answer(contract_body(contract.view), contract.version)

    return await call.run(principal, run)
