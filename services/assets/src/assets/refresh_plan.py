"""The refresh plan on the kit: the fleet and today's prices read from the inventory and the price list, planned by
`domain.refresh`, and adopted into the year's budget through the budget's stream; the price list's own rows."""

from datetime import date
from typing import Any

import asyncpg

from assets import budgets
from assets.domain.budget import AdoptRefreshPlan, Budget
from assets.domain.refresh import MODEL_PRICES, FleetDevice, Prices, SetModelPrice, adopted_groups, plan
from events import streams
from events.contracts.assets import DeviceKind
from events.envelope import Context
from events.streams import Stream

IN_SERVICE = ["in_stock", "deployed", "in_repair"]  # retired devices already left service; gone ones the city


def prices_stream(tenant: str) -> str:
    return f"model-prices:{tenant}"


async def set_price(conn: asyncpg.Connection, command: SetModelPrice, ctx: Context) -> asyncpg.Record:
    """Set the price of a kind's model (or its standard price); the row as it stands after."""
    priced = await streams.handle(conn, MODEL_PRICES, prices_stream(ctx.tenant), command, ctx, inline=_write_price)
    return priced.view


_UPSERT_PRICE = """
INSERT INTO model_prices (tenant, kind, model_key, model, unit_price, source, set_by, set_at)
VALUES ($1, $2, lower($3), $3, $4, $5, $6, $7)
ON CONFLICT (tenant, kind, model_key) DO UPDATE SET model = $3, unit_price = $4, source = $5, set_by = $6, set_at = $7
RETURNING kind, model, unit_price, source, set_by, set_at"""


async def _write_price(conn: asyncpg.Connection, priced: Stream, ctx: Context) -> asyncpg.Record:
    e = priced.events[-1]
    return await conn.fetchrow(_UPSERT_PRICE, ctx.tenant, e.kind, e.model, e.unit_price, e.source, e.set_by, e.at)


async def prices_of(conn: asyncpg.Connection, tenant: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT kind, model, unit_price, source, set_by, set_at FROM model_prices"
        " WHERE tenant = $1 ORDER BY kind, model_key",
        tenant,
    )


_FLEET = """
SELECT device_id, asset_tag, kind, mbn_class, model, purchased_on, useful_life_months, warranty_ends_on
FROM device_list WHERE tenant = $1 AND status = ANY($2::text[])
  AND ((purchased_on IS NOT NULL AND useful_life_months IS NOT NULL) OR warranty_ends_on IS NOT NULL)"""
_LATEST_PURCHASES = """
SELECT DISTINCT ON (lower(model)) lower(model) AS model, cost FROM device_list
WHERE tenant = $1 AND cost > 0 AND model <> '' ORDER BY lower(model), purchased_on DESC, registered_at DESC"""
# The year's own budget says when its months start; else the tenant's latest budget; else January.
_FIRST_MONTH = """
SELECT first_month FROM budgets WHERE tenant = $1 ORDER BY fiscal_year = $2 DESC, fiscal_year DESC LIMIT 1"""


async def refresh_plan(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, Any]:
    """The devices in service falling due in the fiscal year, priced at today's prices (`domain.refresh.plan`)."""
    fleet = [FleetDevice(**row) for row in await conn.fetch(_FLEET, tenant, IN_SERVICE)]
    listed = {(DeviceKind(r["kind"]), r["model"].casefold()): r["unit_price"] for r in await prices_of(conn, tenant)}
    latest = {r["model"]: r["cost"] for r in await conn.fetch(_LATEST_PURCHASES, tenant)}
    first_month = await conn.fetchval(_FIRST_MONTH, tenant, fiscal_year) or 1
    return {**plan(fleet, fiscal_year, first_month, Prices(listed, latest)), "first_month": first_month}


async def adopt(
    conn: asyncpg.Connection, fiscal_year: int, adoption: dict, ctx: Context, today: date, if_match: int | None = None
) -> Stream[Budget]:
    """Add the year's plan, as it stands today, to its budget: onto the line named (materials at the budget's
    inventory cost centre by default), phased by the month each device falls due."""
    found = await refresh_plan(conn, ctx.tenant, fiscal_year)
    budget = await budgets.read_budget(conn, ctx.tenant, fiscal_year)
    command = AdoptRefreshPlan(
        adoption["component"],
        adoption["cost_centre"] or budget.state.inventory_cost_centre,
        tuple(found["months"]),
        adopted_groups(found["groups"]),
        adoption["approver_id"],
        today,
        ctx.recorded_at,
        adoption["reason"],
    )
    return await budgets.handle_budget(conn, fiscal_year, command, ctx, if_match)
