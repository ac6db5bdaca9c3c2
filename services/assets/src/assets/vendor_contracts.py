"""Vendor contracts on the kit: each through `streams.handle` with its list row beside it, and the periodic job that
tells a contract's owner, once per term, that its renewal notice period has begun."""

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import structlog

from assets import notices
from assets.domain.notice import IssueNotice, NoticeAlreadyIssued, notice_id_for
from assets.domain.vendor_contract import VENDOR_CONTRACT, RecordVendorContract, VendorContract
from events import jobs, store, streams
from events.contracts.notices import NoticeKind
from events.contracts.purchasing import VendorContractRecorded, VendorContractRenewed
from events.db import page
from events.envelope import Context, utcnow
from events.errors import UnknownReference
from events.jobs import PeriodicJob
from events.streams import Stream

log = structlog.get_logger()

NOTIFIER = "system:contract-renewals"
RENEWAL_SCAN_SECONDS = 3_600.0  # notice periods are counted in days: an hourly look is early enough
NOTICE_BATCH = 200
TERM_STARTS = (VendorContractRecorded.event_type, VendorContractRenewed.event_type)


async def read_contract(conn: asyncpg.Connection, contract_id: UUID, tenant: str) -> Stream[VendorContract]:
    return await streams.read(conn, VENDOR_CONTRACT, str(contract_id), tenant)


async def record(conn: asyncpg.Connection, command: RecordVendorContract, ctx: Context) -> Stream[VendorContract]:
    """Record a new contract once the devices and licences it covers are known to be the tenant's."""
    await _all_known(conn, "device_ids", "device_list", "device_id", command.device_ids, ctx.tenant)
    await _all_known(conn, "licence_ids", "licences", "licence_id", command.licence_ids, ctx.tenant)
    return await handle(conn, command.contract_id, command, ctx, loaded=streams.fresh(VENDOR_CONTRACT))


_UNKNOWN = """
SELECT wanted.id FROM unnest($1::uuid[]) WITH ORDINALITY AS wanted(id, n)
WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = wanted.id AND t.tenant = $2) ORDER BY n LIMIT 1"""


async def _all_known(conn, field: str, table: str, key: str, ids: tuple[UUID, ...], tenant: str) -> None:
    unknown = await conn.fetchval(_UNKNOWN.format(table=table, key=key), list(ids), tenant) if ids else None
    if unknown is not None:
        raise UnknownReference(field, f"there is no {key.removesuffix('_id')} {unknown}")


async def handle(
    conn: asyncpg.Connection,
    contract_id: UUID,
    command: Any,
    ctx: Context,
    if_match: int | None = None,
    loaded: Stream[VendorContract] | None = None,
) -> Stream[VendorContract]:
    """Run a contract command; the stream's `view` is the contract's row as it stands after."""
    return await streams.handle(
        conn, VENDOR_CONTRACT, str(contract_id), command, ctx, if_match=if_match, loaded=loaded, inline=_write_contract
    )


_UPSERT = """
INSERT INTO vendor_contracts (contract_id, tenant, contract_type, vendor, reference, description, owner_id, term,
    term_event_id, starts_on, ends_on, value, payments, renewal_notice_days, terms, device_ids, licence_ids,
    terminated_on, termination_reason, recorded_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
ON CONFLICT (contract_id) DO UPDATE SET term = $8, term_event_id = $9, starts_on = $10, ends_on = $11, value = $12,
    payments = $13, renewal_notice_days = $14, terms = $15, terminated_on = $18, termination_reason = $19,
    updated_at = $21, version = $22"""


async def _write_contract(conn: asyncpg.Connection, contract: Stream[VendorContract], ctx: Context) -> asyncpg.Record:
    s, first = contract.state, contract.events[0]
    term_started = next(e for e in reversed(contract.history) if e.type in TERM_STARTS)
    await conn.execute(
        _UPSERT,
        s.contract_id,
        ctx.tenant,
        s.contract_type,
        s.vendor,
        first.reference,
        first.description,
        s.owner_id,
        s.term.number,
        term_started.id,
        s.term.starts_on,
        s.term.ends_on,
        s.term.value,
        _payments(s.term.payments),
        s.renewal_notice_days,
        [_term_body(t) for t in s.terms],
        first.device_ids,
        first.licence_ids,
        s.terminated_on,
        s.termination_reason,
        contract.history[0].time,
        contract.history[-1].recordedtime,
        contract.version,
    )
    return await contract_row(conn, s.contract_id, ctx.tenant, ctx.recorded_at.date())


def _payments(payments) -> list[dict]:
    return [p.model_dump(mode="json") for p in payments]


def _term_body(term) -> dict:
    return {
        "term": term.number,
        "starts_on": term.starts_on.isoformat(),
        "ends_on": term.ends_on.isoformat(),
        "value": str(term.value),
        "payments": _payments(term.payments),
    }


# ------------------------------------------------------------------------------------------------- queries

_COLUMNS = """contract_id AS id, contract_type, vendor, reference, description, owner_id, term, starts_on, ends_on,
    value, payments, renewal_notice_days, notice_on, terms, device_ids, licence_ids, terminated_on, termination_reason,
    noticed_term >= term AS renewal_notice_issued, recorded_at, updated_at, version,
    CASE WHEN terminated_on IS NOT NULL THEN 'terminated' WHEN ends_on < $2 THEN 'ended' ELSE 'active' END AS status"""

# Renewals and expiries due: in force today, with the notice date on or before today + N (a notice date already
# passed is still due: the contract has not been renewed nor has it ended).
_SOURCE = """FROM vendor_contracts WHERE tenant = $1
  AND ($3::int IS NULL OR (terminated_on IS NULL AND ends_on >= $2 AND notice_on <= $2 + $3))
  AND ($4::text IS NULL OR contract_type = $4) AND ($5::text IS NULL OR lower(vendor) = lower($5))
  AND ($6::uuid IS NULL OR contract_id = $6)"""


async def contracts_of(
    conn: asyncpg.Connection, tenant: str, today: date, filters: dict, limit: int, offset: int
) -> dict[str, Any]:
    """A page of contracts, the soonest notice date first, with the total found."""
    args = [
        tenant,
        today,
        filters.get("renewal_within_days"),
        filters.get("contract_type"),
        filters.get("vendor"),
        None,
    ]
    return await page(conn, _COLUMNS, _SOURCE, "notice_on, contract_id", args, limit, offset)


async def contract_row(conn: asyncpg.Connection, contract_id: UUID, tenant: str, today: date) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} {_SOURCE}", tenant, today, None, None, None, contract_id)


# ------------------------------------------------------------------------------------------------- renewal notices

_DUE = """
SELECT contract_id FROM vendor_contracts
WHERE terminated_on IS NULL AND noticed_term < term AND notice_on <= $1 AND ends_on >= $1
ORDER BY notice_on, contract_id LIMIT $2"""
# Re-checked under the lock: another replica may have told the owner since the contract was listed.
_CLAIM = "SELECT 1 FROM vendor_contracts WHERE contract_id = $1 AND noticed_term < term FOR UPDATE SKIP LOCKED"


def renewal_notice_job() -> PeriodicJob:
    return PeriodicJob("contract-renewal-notices", RENEWAL_SCAN_SECONDS, raise_renewal_notices)


async def raise_renewal_notices(pool: asyncpg.Pool, today: date | None = None) -> int:
    """Tell each owner whose contract entered its notice period, once per term; returns how many were told."""
    today = today or utcnow().date()
    correlation = f"contract-renewals-{uuid4().hex[:12]}"

    async def work(conn: asyncpg.Connection, row: asyncpg.Record) -> int:
        return await _tell_owner(conn, row["contract_id"], correlation)

    told = await jobs.claim_each(pool, "contract-renewal-notices", _DUE, (today, NOTICE_BATCH), _CLAIM, work)
    if told:
        log.info("contract_renewal_notices_issued", count=told, correlation_id=correlation)
    return told


async def _tell_owner(conn: asyncpg.Connection, contract_id: UUID, correlation: str) -> int:
    c = await conn.fetchrow("SELECT * FROM vendor_contracts WHERE contract_id = $1", contract_id)
    ctx = Context(c["tenant"], NOTIFIER, correlation, causation_id=str(c["term_event_id"]))
    command = IssueNotice(
        notice_id=notice_id_for(c["tenant"], c["term_event_id"], c["owner_id"]),
        person_id=c["owner_id"],
        kind=NoticeKind.MESSAGE,
        subject=f"Contract with {c['vendor']} ends on {c['ends_on']}"[:200],
        body=_notice_body(c),
        at=ctx.recorded_at,
        cause_event_id=c["term_event_id"],
        cause_type=TERM_STARTS[c["term"] > 1],
    )
    issued = await _issue_once(conn, command, ctx)
    await conn.execute("UPDATE vendor_contracts SET noticed_term = term WHERE contract_id = $1", contract_id)
    return issued


async def _issue_once(conn: asyncpg.Connection, command: IssueNotice, ctx: Context) -> int:
    try:
        async with conn.transaction():  # a savepoint: a notice issued before still lets the contract be marked
            await notices.issue(conn, command, ctx)
        return 1
    except (NoticeAlreadyIssued, store.ConcurrencyError):
        return 0


def _notice_body(c: asyncpg.Record) -> str:
    reference = f" ({c['reference']})" if c["reference"] else ""
    kind = c["contract_type"].replace("_", " ")
    return (
        f"The {kind} contract with {c['vendor']}{reference}, term {c['term']}, runs to {c['ends_on']}. Its"
        f" renewal notice period of {c['renewal_notice_days']} days began on {c['notice_on']}: decide now"
        f" whether to renew it, renegotiate it or let it end. Contract {c['contract_id']}."
    )
