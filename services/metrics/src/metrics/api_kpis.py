"""The KPI REST API: the definitions, and a KPI's series per local day, week, month or year, by priority, category,
channel or group, as JSON or CSV (`?format=csv` or `Accept: text/csv`), for the caller's tenant only."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from events import csvfiles
from events.auth import MetricsReader
from events.errors import NotFound, Unprocessable
from events.fields import Day
from events.web import Pool
from metrics.kpis import definitions, queries
from metrics.kpis.definitions import Kpi
from metrics.kpis.models import CSV_COLUMNS, KpiDefinitions, KpiSeries, definition_body, series_csv, series_json
from metrics.kpis.periods import By

router = APIRouter(tags=["kpis"])

MAX_DAYS = 3661  # ten years and a day: a series stays small whatever `by`
CSV_RESPONSE = csvfiles.documented(
    "with `format=csv` or `Accept: text/csv`: one row per period, member and part, in the columns"
    f" {', '.join(CSV_COLUMNS)}"
)
Group = Literal["priority", "category", "channel", "group"]
KpiId = Annotated[str, Path(min_length=1, max_length=100, description="e.g. desk.first-contact-resolution")]


@router.get("/kpis", response_model=KpiDefinitions)
async def list_kpis(principal: MetricsReader) -> KpiDefinitions:
    """Every KPI definition, each version (`id@version`) with its text, unit and how it is computed."""
    return KpiDefinitions(kpis=[definition_body(kpi) for kpi in definitions.DEFINITIONS])


@router.get("/kpis/{kpi_id}", response_model=KpiSeries, responses=CSV_RESPONSE)
async def kpi_series(
    request: Request,
    pool: Pool,
    principal: MetricsReader,
    kpi_id: KpiId,
    start: Annotated[Day, Query(alias="from", description="the first local day")],
    end: Annotated[Day, Query(alias="to", description="the last local day, inclusive")],
    by: By = By.DAY,
    group: Annotated[Group | None, Query(description="break the KPI down by this (the desk KPIs)")] = None,
    version: Annotated[
        int | None, Query(ge=1, le=1000, description="the definition version; the current one if absent")
    ] = None,
    format: csvfiles.Format = None,
) -> Response:
    """The KPI per period, counted in the tenant's local days (its desk time zone): every version keeps its own
    series, named `id@version`."""
    kpi = _definition(kpi_id, version)
    _check(kpi, start, end, group)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        timezone = await queries.timezone_of(conn, principal.tenant)
        points = await queries.series(conn, principal.tenant, kpi, start, end, by, group)
    if csvfiles.wanted(request, format):
        return csvfiles.attachment(series_csv(kpi, group, points), f"{kpi.key.replace('@', '-v')}_{start}_{end}.csv")
    return Response(series_json(kpi, timezone, start, end, by, group, points), media_type="application/json")


def _definition(kpi_id: str, version: int | None) -> Kpi:
    known = definitions.versions(kpi_id)
    if not known:
        raise NotFound(f"no KPI {kpi_id!r}: GET /kpis lists them")
    found = definitions.current(kpi_id) if version is None else next((k for k in known if k.version == version), None)
    if found is None:
        raise NotFound(f"{kpi_id} has no version {version}; it has {', '.join(str(k.version) for k in known)}")
    return found


def _check(kpi: Kpi, start: date, end: date, group: str | None) -> None:
    if end < start:
        raise Unprocessable("to", "must not be before from")
    if (end - start).days >= MAX_DAYS:
        raise Unprocessable("to", f"the range may span at most {MAX_DAYS} days")
    if group is not None and group not in kpi.groups:
        can = f"only by {', '.join(kpi.groups)}" if kpi.groups else "not broken down by any group"
        raise Unprocessable("group", f"{kpi.key} is {can}")
