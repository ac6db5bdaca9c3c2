"""`GET /devices?format=csv`: every device a search finds, in the import's columns, so an export imports back."""

import asyncpg
from fastapi import Response

from assets.device_csv import COLUMNS, EXPORT_ONLY, cell
from assets.domain.device_state import mbn_class_of
from events import csvfiles
from events.contracts.assets import DeviceKind

CSV_RESPONSE = csvfiles.documented("with `format=csv`: every device the search finds (not paged), a header row of the"
                                   " import's columns first, then status, mbn_class and person_id")

# What the search found (as of then, with `as_of`), with the rest of each device's description as it stands now.
_EXPORT = """
SELECT found.*, l.manufacturer, l.holds_storage, l.purchased_on, l.cost, l.supplier, l.order_number,
       l.warranty_ends_on, l.useful_life_months, l.salvage_value, l.amortization_method, l.declining_rate,
       l.mbn_class_override_reason, l.registered_at
FROM (SELECT device_id, asset_tag, serial, model, kind, mbn_class, status, location, department, person_id
      {where}) AS found
JOIN device_list AS l USING (device_id)
ORDER BY found.asset_tag
"""


async def devices_csv(conn: asyncpg.Connection, where: str, args: list) -> Response:
    """The devices `where` finds (a search's FROM and WHERE), one CSV row each."""
    rows = await conn.fetch(_EXPORT.format(where=where), *args)
    return csvfiles.attachment(csvfiles.table([*COLUMNS, *EXPORT_ONLY], map(_cells, rows), cell), "devices.csv")


def _cells(row: asyncpg.Record) -> list:
    overridden = row["mbn_class"] != mbn_class_of(DeviceKind(row["kind"]))
    values = {**dict(row), "mbn_class_override": row["mbn_class"] if overridden else None,
              "override_reason": row["mbn_class_override_reason"] if overridden else None,
              "on_order": row["status"] == "on_order"}
    return [values[name] for name in (*COLUMNS, *EXPORT_ONLY)]
