"""Budgets and spending on the kit: budgets, commitments and expenditures through `streams.handle` with their rows
beside them, and the variance of a fiscal year read from those rows and from the inventory's own purchases.

An inventory purchase (a device's, a licence's) counts as spending once: as the expenditure naming it, or, until
one does, from the inventory's own record, in materials at the budget's `inventory_cost_centre`. The spending job
(`assets.purchasing`) records an expenditure for each purchase nobody named, so the events alone carry every actual.
"""

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from assets.domain.budget import (
    BUDGET,
    EXPENDITURE,
    ZERO,
    Budget,
    RecordExpenditure,
    calendar_month,
    fiscal_bounds,
    month_number,
    variance,
)
from assets.domain.budget_errors import FiscalYearsOverlap, InventoryPurchaseAlreadyCounted
from assets.domain.purchase_request import COMMITMENT, Commitment, DrawDownCommitment, RecordCommitment
from events import streams
from events.contracts.budget import BudgetSet, CostComponent
from events.db import page
from events.envelope import Context
from events.errors import UnknownReference
from events.streams import Stream


def budget_stream(tenant: str, fiscal_year: int) -> str:
    return f"budget:{tenant}:{fiscal_year}"


async def read_budget(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> Stream[Budget]:
    return await streams.read(conn, BUDGET, budget_stream(tenant, fiscal_year), tenant)


async def set_budget(conn: asyncpg.Connection, command, ctx: Context, if_match: int | None = None) -> Stream[Budget]:
    """Set the year's budget whole, refused when its months overlap another year of the tenant's."""
    starts, ends = fiscal_bounds(command.fiscal_year, command.first_month)
    clash = await conn.fetchval(
        "SELECT fiscal_year FROM budgets WHERE tenant = $1 AND fiscal_year <> $2 AND starts_on <= $4"
        " AND ends_on >= $3 LIMIT 1",
        ctx.tenant,
        command.fiscal_year,
        starts,
        ends,
    )
    if clash is not None:
        raise FiscalYearsOverlap(
            f"fiscal {command.fiscal_year} from {starts} to {ends} overlaps fiscal {clash}:"
            " a tenant's fiscal years start in the same month"
        )
    return await handle_budget(conn, command.fiscal_year, command, ctx, if_match)


async def handle_budget(
    conn: asyncpg.Connection, fiscal_year: int, command: Any, ctx: Context, if_match: int | None = None
) -> Stream[Budget]:
    return await streams.handle(
        conn, BUDGET, budget_stream(ctx.tenant, fiscal_year), command, ctx, if_match=if_match, inline=_write_budget
    )


_UPSERT_BUDGET = """
INSERT INTO budgets (tenant, fiscal_year, first_month, starts_on, ends_on, inventory_cost_centre, total, set_by,
    set_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant, fiscal_year) DO UPDATE SET first_month = $3, starts_on = $4, ends_on = $5,
    inventory_cost_centre = $6, total = $7, set_by = $8, set_at = $9, updated_at = $10, version = $11"""


async def _write_budget(conn: asyncpg.Connection, budget: Stream[Budget], ctx: Context) -> None:
    s = budget.state
    last_set = max(i for i, e in enumerate(budget.events) if isinstance(e, BudgetSet))
    total = sum((sum(months, ZERO) for months in s.lines.values()), ZERO)
    await conn.execute(
        _UPSERT_BUDGET,
        ctx.tenant,
        s.fiscal_year,
        s.first_month,
        *fiscal_bounds(s.fiscal_year, s.first_month),
        s.inventory_cost_centre,
        total,
        budget.events[last_set].set_by,
        budget.history[last_set].time,
        budget.history[-1].recordedtime,
        budget.version,
    )


async def fiscal_year_of(conn: asyncpg.Connection, tenant: str, day: date) -> int:
    """The fiscal year whose budget spans `day`; the calendar year where no budget does."""
    found = await conn.fetchval(
        "SELECT fiscal_year FROM budgets WHERE tenant = $1 AND $2 BETWEEN starts_on AND ends_on", tenant, day
    )
    return day.year if found is None else found


# ------------------------------------------------------------------------------------------------- commitments


async def record_commitment(conn: asyncpg.Connection, command: RecordCommitment, ctx: Context) -> Stream[Commitment]:
    await _contract_known(conn, command.contract_id, ctx.tenant)
    return await handle_commitment(conn, command.commitment_id, command, ctx, loaded=streams.fresh(COMMITMENT))


async def handle_commitment(
    conn: asyncpg.Connection,
    commitment_id: UUID,
    command: Any,
    ctx: Context,
    if_match: int | None = None,
    loaded: Stream | None = None,
) -> Stream[Commitment]:
    """Run a commitment command; the stream's `view` is its row, open amount included."""
    return await streams.handle(
        conn, COMMITMENT, str(commitment_id), command, ctx, if_match=if_match, loaded=loaded, inline=_write_commitment
    )


_UPSERT_COMMITMENT = """
INSERT INTO budget_commitments (commitment_id, tenant, fiscal_year, component, cost_centre, amount, drawn, released,
    open_amount, closed, vendor, expected_month, description, order_number, purchase_request_id, contract_id,
    recorded_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (commitment_id) DO UPDATE SET drawn = $7, released = $8, open_amount = $9, closed = $10,
    updated_at = $18, version = $19"""


async def _write_commitment(conn: asyncpg.Connection, commitment: Stream[Commitment], ctx: Context):
    s, c = commitment.state, commitment.events[0]
    await conn.execute(
        _UPSERT_COMMITMENT,
        s.commitment_id,
        ctx.tenant,
        c.fiscal_year,
        c.component,
        c.cost_centre,
        s.amount,
        s.drawn,
        s.released,
        s.open_amount,
        s.closed,
        c.vendor,
        first_day(c.expected_month),
        c.description,
        c.order_number,
        c.purchase_request_id,
        c.contract_id,
        commitment.history[0].time,
        commitment.history[-1].recordedtime,
        commitment.version,
    )
    return await commitment_row(conn, s.commitment_id, ctx.tenant)


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


_COMMITMENTS = """commitment_id AS id, fiscal_year, component, cost_centre, amount, drawn, released, open_amount,
    closed, vendor, to_char(expected_month, 'YYYY-MM') AS expected_month, description, order_number,
    purchase_request_id, contract_id, recorded_at, updated_at, version"""


async def commitment_row(conn: asyncpg.Connection, commitment_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COMMITMENTS} FROM budget_commitments WHERE commitment_id = $1 AND tenant = $2", commitment_id, tenant
    )


async def commitments_of(
    conn: asyncpg.Connection, tenant: str, fiscal_year: int | None, open_only: bool, limit: int, offset: int
) -> dict[str, Any]:
    source = (
        "FROM budget_commitments WHERE tenant = $1 AND ($2::int IS NULL OR fiscal_year = $2)"
        " AND (NOT $3::bool OR open_amount > 0)"
    )
    return await page(
        conn, _COMMITMENTS, source, "expected_month, commitment_id", [tenant, fiscal_year, open_only], limit, offset
    )


# ------------------------------------------------------------------------------------------------- expenditures


async def spend(conn: asyncpg.Connection, command: RecordExpenditure, ctx: Context) -> asyncpg.Record:
    """Record the expenditure, and draw down the commitment it settles, in the command's transaction; its row."""
    commitment = await _commitment_known(conn, command.commitment_id, ctx.tenant)
    await _contract_known(conn, command.contract_id, ctx.tenant)
    await _purchases_known(conn, command, ctx.tenant)
    spent = await streams.handle(
        conn,
        EXPENDITURE,
        str(command.expenditure_id),
        command,
        ctx,
        loaded=streams.fresh(EXPENDITURE),
        inline=_write_expenditure,
    )
    if commitment is not None:
        draw = DrawDownCommitment(command.expenditure_id, command.amount, command.at)
        await handle_commitment(conn, command.commitment_id, draw, ctx, loaded=commitment)
    return spent.view


async def _commitment_known(conn, commitment_id: UUID | None, tenant: str) -> Stream[Commitment] | None:
    if commitment_id is None:
        return None
    commitment = await streams.read(conn, COMMITMENT, str(commitment_id), tenant)
    if commitment.state.commitment_id is None:
        raise UnknownReference("commitment_id", f"there is no commitment {commitment_id}")
    return commitment


async def _contract_known(conn, contract_id: UUID | None, tenant: str) -> None:
    if contract_id is not None and not await conn.fetchval(
        "SELECT 1 FROM vendor_contracts WHERE contract_id = $1 AND tenant = $2", contract_id, tenant
    ):
        raise UnknownReference("contract_id", f"there is no contract {contract_id}")


def purchase_keys(command: RecordExpenditure) -> list[str]:
    return [f"device:{d}" for d in command.device_ids] + [
        f"licence:{p.licence_id}:{p.purchase}" for p in command.licence_purchases
    ]


_UNKNOWN_DEVICE = """
SELECT wanted.id FROM unnest($1::uuid[]) AS wanted(id)
WHERE NOT EXISTS (SELECT 1 FROM device_list d WHERE d.device_id = wanted.id AND d.tenant = $2) LIMIT 1"""
_UNKNOWN_LICENCE_PURCHASE = """
SELECT wanted.licence_id, wanted.n FROM unnest($1::uuid[], $2::int[]) AS wanted(licence_id, n)
WHERE NOT EXISTS (SELECT 1 FROM licences l WHERE l.licence_id = wanted.licence_id AND l.tenant = $3
                  AND jsonb_array_length(l.purchases) > wanted.n) LIMIT 1"""


async def _purchases_known(conn, command: RecordExpenditure, tenant: str) -> None:
    """The devices and licence purchases named are the tenant's, and no other expenditure counts them yet."""
    if unknown := await conn.fetchval(_UNKNOWN_DEVICE, list(command.device_ids), tenant):
        raise UnknownReference("device_ids", f"there is no device {unknown}")
    refs = command.licence_purchases
    if unknown := await conn.fetchrow(
        _UNKNOWN_LICENCE_PURCHASE, [p.licence_id for p in refs], [p.purchase for p in refs], tenant
    ):
        raise UnknownReference("licence_purchases", f"licence {unknown[0]} has no purchase {unknown[1]}")
    counted = await conn.fetchrow(
        "SELECT purchase_key, expenditure_id FROM spending_coverage WHERE purchase_key = ANY($1::text[]) LIMIT 1",
        purchase_keys(command),
    )
    if counted is not None:
        raise InventoryPurchaseAlreadyCounted(
            f"{counted[0].replace(':', ' ', 1)} is already counted by expenditure"
            f" {counted[1]}: record only what it does not cover"
        )


_INSERT_SPENDING = """
INSERT INTO budget_spending (expenditure_id, tenant, fiscal_year, spent_on, kind, component, cost_centre, amount,
    capital, vendor, reference, description, commitment_id, contract_id, purchase_request_id, device_ids,
    licence_purchases, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"""


async def _write_expenditure(conn: asyncpg.Connection, spent: Stream, ctx: Context) -> asyncpg.Record:
    e = spent.events[0]
    await conn.execute(
        _INSERT_SPENDING,
        e.expenditure_id,
        ctx.tenant,
        e.fiscal_year,
        e.spent_on,
        e.kind,
        e.component,
        e.cost_centre,
        e.amount,
        e.capital,
        e.vendor,
        e.reference,
        e.description,
        e.commitment_id,
        e.contract_id,
        e.purchase_request_id,
        e.device_ids,
        [p.model_dump(mode="json") for p in e.licence_purchases],
        spent.history[0].recordedtime,
    )
    try:
        await conn.executemany(
            "INSERT INTO spending_coverage (purchase_key, tenant, expenditure_id) VALUES ($1, $2, $3)",
            [(key, ctx.tenant, e.expenditure_id) for key in purchase_keys(e)],
        )
    except asyncpg.UniqueViolationError:  # another expenditure named it in a transaction that committed first
        raise InventoryPurchaseAlreadyCounted("an inventory purchase named is already counted") from None
    return await expenditure_row(conn, e.expenditure_id, ctx.tenant)


_SPENDING = """expenditure_id AS id, fiscal_year, spent_on, kind, component, cost_centre, amount, capital, vendor,
    reference, description, commitment_id, contract_id, purchase_request_id, device_ids, licence_purchases,
    recorded_at"""


async def expenditure_row(conn: asyncpg.Connection, expenditure_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_SPENDING} FROM budget_spending WHERE expenditure_id = $1 AND tenant = $2", expenditure_id, tenant
    )


async def expenditures_of(
    conn: asyncpg.Connection, tenant: str, filters: dict, limit: int, offset: int
) -> dict[str, Any]:
    source = (
        "FROM budget_spending WHERE tenant = $1 AND ($2::int IS NULL OR fiscal_year = $2)"
        " AND ($3::text IS NULL OR component = $3) AND ($4::text IS NULL OR lower(cost_centre) = lower($4))"
    )
    args = [tenant, filters.get("fiscal_year"), filters.get("component"), filters.get("cost_centre")]
    return await page(conn, _SPENDING, source, "spent_on, expenditure_id", args, limit, offset)


# ------------------------------------------------------------------------------------------------- variance

# Purchases the inventory recorded that no expenditure names yet: a device's, and each of a licence's. A licence
# purchase without a date counts on the day the licence was acquired.
INVENTORY_PURCHASES = """(
  SELECT 'device:' || d.device_id AS purchase_key, d.tenant, d.device_id, NULL::uuid AS licence_id,
         NULL::integer AS purchase, d.purchased_on AS spent_on, d.cost AS amount, d.supplier AS vendor,
         d.order_number AS reference, d.useful_life_months IS NOT NULL AS capital
  FROM device_list d WHERE d.cost > 0 AND d.purchased_on IS NOT NULL
  UNION ALL
  SELECT 'licence:' || l.licence_id || ':' || (p.n - 1), l.tenant, NULL, l.licence_id, (p.n - 1)::integer,
         coalesce((p.item ->> 'purchased_on')::date, (l.acquired_at AT TIME ZONE 'UTC')::date),
         (p.item ->> 'cost')::numeric, coalesce(p.item ->> 'supplier', ''), coalesce(p.item ->> 'order_number', ''),
         false
  FROM licences l CROSS JOIN LATERAL jsonb_array_elements(l.purchases) WITH ORDINALITY AS p(item, n)
  WHERE (p.item ->> 'cost')::numeric > 0
) AS purchase
WHERE NOT EXISTS (SELECT 1 FROM spending_coverage c WHERE c.purchase_key = purchase.purchase_key)"""

_ACTUAL = """
SELECT component, cost_centre, date_trunc('month', spent_on)::date AS month, sum(amount) AS amount
FROM budget_spending WHERE tenant = $1 AND fiscal_year = $2 GROUP BY 1, 2, 3"""
_UNCOUNTED = f"""
SELECT date_trunc('month', spent_on)::date AS month, sum(amount) AS amount FROM {INVENTORY_PURCHASES}
  AND tenant = $1 AND spent_on BETWEEN $2 AND $3 GROUP BY 1"""
_COMMITTED = """
SELECT component, cost_centre, expected_month AS month, sum(open_amount) AS amount FROM budget_commitments
WHERE tenant = $1 AND fiscal_year = $2 AND open_amount > 0 GROUP BY 1, 2, 3"""


async def variance_of(conn: asyncpg.Connection, tenant: str, fiscal_year: int, as_of: date) -> dict | None:
    """The year's budget against its commitments, actuals and forecast (`domain.budget.variance`); None unset."""
    budget = await read_budget(conn, tenant, fiscal_year)
    s = budget.state
    if s.fiscal_year is None:
        return None
    starts, ends = fiscal_bounds(fiscal_year, s.first_month)
    actual = _by_month(await conn.fetch(_ACTUAL, tenant, fiscal_year), fiscal_year, s.first_month)
    uncounted = [
        {**r, "component": CostComponent.MATERIALS, "cost_centre": s.inventory_cost_centre}
        for r in await conn.fetch(_UNCOUNTED, tenant, starts, ends)
    ]
    actual = _by_month(uncounted, fiscal_year, s.first_month, actual)
    committed = _by_month(await conn.fetch(_COMMITTED, tenant, fiscal_year), fiscal_year, s.first_month)
    labels = [calendar_month(n, fiscal_year, s.first_month) for n in range(1, 13)]
    found = variance(s.lines, committed, actual, month_number(as_of, fiscal_year, s.first_month), labels)
    return {
        "fiscal_year": fiscal_year,
        "starts_on": starts,
        "ends_on": ends,
        "as_of": as_of,
        **found,
        "version": budget.version,
    }


def _by_month(rows, fiscal_year: int, first_month: int, into: dict | None = None) -> dict[tuple, list]:
    """Amounts per line and fiscal month; a date outside the year (its budget set later) counts in its nearest."""
    found = dict(into or {})
    for row in rows:
        key = (CostComponent(row["component"]), row["cost_centre"])
        months = list(found.get(key, [ZERO] * 12))
        months[min(max(month_number(row["month"], fiscal_year, first_month), 1), 12) - 1] += row["amount"]
        found[key] = months
    return found
