"""A device as a row of CSV cells: the columns the import reads and the export writes, and their validation."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError

from assets.api.device_models import RegisterDeviceRequest
from assets.domain.device_state import Device, mbn_class_of

# The import's columns, in the export's order; `asset_tag` is the key and the only column a file must have.
COLUMNS = ("asset_tag", "kind", "holds_storage", "serial", "manufacturer", "model", "purchased_on", "cost", "supplier",
           "order_number", "warranty_ends_on", "useful_life_months", "salvage_value", "amortization_method",
           "declining_rate", "location", "department", "mbn_class_override", "override_reason", "on_order",
           "registered_at")
# What an export adds for its readers; an import of it reads past them.
EXPORT_ONLY = ("status", "mbn_class", "person_id")
# Cells a blank leaves as they are on a known device: they cannot be emptied.
KEPT_WHEN_BLANK = ("kind", "holds_storage")

_TOP = ("asset_tag", "kind", "holds_storage", "serial", "manufacturer", "model", "warranty_ends_on", "location",
        "department", "mbn_class_override", "override_reason", "on_order")
_PURCHASE = {"purchased_on": "purchased_on", "cost": "cost", "supplier": "supplier", "order_number": "order_number"}
_AMORTIZATION = {"useful_life_months": "useful_life_months", "salvage_value": "salvage_value",
                 "amortization_method": "method", "declining_rate": "declining_rate"}
_COLUMN_OF = {("purchase", field): column for column, field in _PURCHASE.items()} | {
    ("amortization", field): column for column, field in _AMORTIZATION.items()} | {("at",): "registered_at"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): the export quotes it with
# a leading apostrophe, and the import takes that apostrophe off again, so a round trip keeps the value.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def request_of(cells: Mapping[str, str]) -> tuple[RegisterDeviceRequest | None, list[tuple[str, str]]]:
    """The row as `POST /devices` would take it, or each (column, message) that is wrong with it."""
    try:
        return RegisterDeviceRequest.model_validate(_body(cells)), []
    except ValidationError as error:
        return None, [_problem(e["loc"], e["msg"]) for e in error.errors()]


def _body(cells: Mapping[str, str]) -> dict:
    body = {name: cells[name] for name in _TOP if cells.get(name)}
    body["asset_tag"] = cells.get("asset_tag", "")  # blank is refused by name, not taken as absent
    for key, columns in (("purchase", _PURCHASE), ("amortization", _AMORTIZATION)):
        if part := {field: cells[column] for column, field in columns.items() if cells.get(column)}:
            body[key] = part
    if at := cells.get("registered_at"):
        body["at"] = f"{at}T00:00:00Z" if _DATE.fullmatch(at) else at  # a date: the start of that day, UTC
    return body


def _problem(loc: tuple, message: str) -> tuple[str, str]:
    if not loc:  # a rule across fields names its field first: "Value error, override_reason: ..."
        column, _, rest = message.removeprefix("Value error, ").partition(": ")
        return (column, rest) if column in COLUMNS else ("row", message)
    return _COLUMN_OF.get(tuple(loc[:2]), str(loc[0])), message


def cells_of(d: Device) -> dict[str, str]:
    """A known device as import cells: what a row leaves out keeps these values."""
    purchase, amortization = d.purchase, d.amortization
    override = d.mbn_class if d.mbn_class != mbn_class_of(d.kind) else None
    return {
        "asset_tag": d.asset_tag, "kind": d.kind.value, "holds_storage": _text(d.holds_storage), "serial": d.serial,
        "manufacturer": d.manufacturer, "model": d.model, "warranty_ends_on": _text(d.warranty_ends_on),
        "purchased_on": _text(purchase and purchase.purchased_on), "cost": _text(purchase and purchase.cost),
        "supplier": purchase.supplier if purchase else "", "order_number": purchase.order_number if purchase else "",
        "useful_life_months": _text(amortization and amortization.useful_life_months),
        "salvage_value": _text(amortization and amortization.salvage_value),
        "amortization_method": _text(amortization and amortization.method),
        "declining_rate": _text(amortization and amortization.declining_rate),
        "location": d.location, "department": d.department, "mbn_class_override": _text(override),
        # The state keeps no reason; this one only lets the override validate, and an import never records it.
        "override_reason": "as registered" if override else "",
    }


def _text(value: object) -> str:
    """A value as its cell: empty for none, `true`/`false`, ISO dates, exact decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def cell(value: object) -> str:
    """A value as the export writes it, a would-be formula defused."""
    text = _text(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def read_cell(text: str) -> str:
    """A cell as the import reads it: trimmed, an export's defusing apostrophe taken off."""
    text = text.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text
