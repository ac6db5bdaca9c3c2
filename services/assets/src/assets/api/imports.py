"""`POST /devices/import`: a CSV file of devices, registered, corrected and moved in one transaction."""

from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from assets import importing
from events.auth import Agent
from events.errors import Refused
from events.http import PROBLEM_TYPE, instance_of, problem_type
from events.idempotency import Outcome, fingerprint, run_once
from events.web import IdempotencyKey, Pool, context_for

router = APIRouter(tags=["devices"])

CSV = "text/csv"
_CSV_BODY = {"requestBody": {"required": True, "content": {CSV: {"schema": {"type": "string"}}}}}


class NotCsv(Refused):
    status = 415
    kind = "unsupported-media-type"


class ImportRefusal(BaseModel):
    line: int
    field: str
    message: str


class ImportReport(BaseModel):
    created: int
    changed: int
    unchanged: int
    refused: int
    refusals: list[ImportRefusal]


_DESCRIPTION = """Import devices from CSV (`Content-Type: text/csv`, a header row first); the columns are the README's
(asset_tag, kind, holds_storage, serial, manufacturer, model, purchased_on, cost, supplier, order_number,
warranty_ends_on, useful_life_months, salvage_value, amortization_method, declining_rate, location, department,
mbn_class_override, override_reason, on_order, registered_at). A new tag registers a device; a known one records
what changed (DeviceMoved, DeviceDetailsCorrected); the same file twice changes nothing. A file with refused rows
is a 422 naming each line and field, and nothing is imported, unless `good_rows_only=true`. Bodies are bounded
(1 MiB by default, `MAX_BODY_BYTES`): larger files go through `python -m assets.import_devices`."""


@router.post("/devices/import", response_model=ImportReport, openapi_extra=_CSV_BODY, description=_DESCRIPTION)
async def import_devices(
    request: Request, pool: Pool, principal: Agent, idempotency_key: IdempotencyKey = None,
    good_rows_only: Annotated[bool, Query(description="import the good rows of a file with refused ones")] = False,
) -> Response:
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != CSV:
        raise NotCsv("the body must be CSV, sent as Content-Type: text/csv")
    raw = await request.body()
    try:
        rows, unread = importing.parse(importing.decode(raw))
    except importing.UnreadableFile as error:
        return _answer(_refused(request, error.refusals, "the file cannot be read: nothing was imported"))
    ctx = context_for(request, principal)

    async def run(conn) -> Outcome:
        report = await importing.import_rows(conn, rows, unread, ctx, good_rows_only=good_rows_only)
        if not report.imported:
            return _refused(request, report.refusals, f"{report.refused} rows refused: nothing was imported; fix "
                            "them, or import the good rows with good_rows_only=true", report.counts())
        return Outcome(200, {**report.counts(), "refusals": [_refusal(r) for r in report.refusals]})

    request_hash = fingerprint("POST", request.url.path, [raw.decode("utf-8", "replace"), good_rows_only])
    kept_for = timedelta(hours=request.app.state.settings.idempotency_key_hours)
    return _answer(await run_once(pool, principal.tenant, idempotency_key, request_hash, run,
                                  caller=principal.user_id, kept_for=kept_for))


def _refusal(r: importing.Refusal) -> dict[str, Any]:
    return {"line": r.line, "field": r.field, "message": r.message}


def _refused(request: Request, refusals: list[importing.Refusal], detail: str,
             counts: dict[str, int] | None = None) -> Outcome:
    """A 422 problem document: `errors` names each line and field, beside the counts."""
    errors = [{**_refusal(r), "location": "body"} for r in refusals]
    counts = counts or {"created": 0, "changed": 0, "unchanged": 0, "refused": len({r.line for r in refusals})}
    return Outcome(422, {"type": problem_type(422), "title": "Unprocessable Content", "status": 422,
                         "detail": detail, "instance": instance_of(request.scope), **counts, "errors": errors})


def _answer(outcome: Outcome) -> Response:
    media_type = PROBLEM_TYPE if outcome.status_code >= 400 else "application/json"
    return Response(orjson.dumps(outcome.body), status_code=outcome.status_code, headers=outcome.headers,
                    media_type=media_type)
