"""Work orders the inventory asks for: a deployed device short of its endpoint protection
(`assets.protection_work_requested`) becomes a corrective work order on that device, once."""

from uuid import NAMESPACE_URL, uuid5

import asyncpg
import structlog

from events.contracts.security import ProtectionWorkRequested
from events.envelope import Context, Envelope
from tickets import work_orders
from tickets.domain import work_order as wo

log = structlog.get_logger()


def work_order_id_for(envelope: Envelope):
    """The same request always names the same order, so a request told again (a republished store) opens none."""
    return uuid5(NAMESPACE_URL, f"protection-work:{envelope.id}")


def title_of(request: ProtectionWorkRequested) -> str:
    needs = [f"install {', '.join(request.missing)}" if request.missing else "",
             f"update {', '.join(request.outdated)}" if request.outdated else ""]
    return f"Endpoint protection on {request.asset_tag}: {'; '.join(n for n in needs if n)}"[:200]


async def open_work_order(conn: asyncpg.Connection, request: ProtectionWorkRequested, envelope: Envelope) -> None:
    ctx = Context(tenant=envelope.tenant, actor=envelope.actor, correlation_id=envelope.correlationid,
                  causation_id=str(envelope.id))
    order_id = work_order_id_for(envelope)
    if await work_orders.work_order_exists(conn, order_id, ctx.tenant):
        log.info("protection_work_order_exists", work_order_id=str(order_id), device_id=str(request.device_id))
        return
    description = f"Asked for by {request.requested_by} from the inventory's protection gaps ({request.location})."
    command = wo.CreateWorkOrder(work_order_id=order_id, title=title_of(request), description=description,
                                 device_id=request.device_id, at=request.at)
    await work_orders.handle_work_order(conn, command, ctx)
