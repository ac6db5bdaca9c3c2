"""The MBN REST API: a tenant's reference inputs, fiscal-year closes and results, the definitions, the public set.

Managers record inputs and close years; managers, auditors and reporting tools read. Results and the public
set also answer as CSV in the MBN long-form columns (`?format=csv` or `Accept: text/csv`).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from events import csvfiles
from events.auth import Manager, MetricsReader
from events.contracts.metrics import Tier
from events.envelope import Context
from events.errors import NotFound
from events.web import Answer, CommandCall, Pool, answered
from metrics.mbn import benchmark, submissions, views
from metrics.mbn.domain import CloseFiscalYear, RecordReferenceInput, submission_id
from metrics.mbn.models import (
    BenchmarkResponse,
    DefinitionsResponse,
    InputResponse,
    InputsResponse,
    MeasureDetail,
    MeasureId,
    RecordReferenceInputRequest,
    ResultsResponse,
    definitions_body,
)
from metrics.mbn.views import Year

router = APIRouter(tags=["mbn"])

TierQuery = Annotated[Tier, Query(description="the tenant's tier, for its place and its CSV rows")]


@router.post("/mbn/inputs", status_code=201, response_model=InputResponse)
async def record_reference_input(body: RecordReferenceInputRequest, principal: Manager, call: CommandCall) -> Response:
    """Record a figure from outside IT for a fiscal year (population, FTE, a part of IT's cost...), with where it
    comes from. A later figure replaces it; once the year is closed, it is a restatement beside the frozen one."""

    async def run(conn, ctx: Context) -> Answer:
        command = RecordReferenceInput(
            submission_id(ctx.tenant, body.fiscal_year),
            body.fiscal_year,
            body.input_id,
            body.value,
            body.provenance_of(),
            ctx.recorded_at,
        )
        stream = await submissions.record(conn, command, ctx, call.if_match)
        [row] = [
            r
            for r in await submissions.input_rows(conn, ctx.tenant, body.fiscal_year)
            if r["input_id"] == body.input_id
        ]
        body_out = InputResponse(**views.input_body(row)).model_dump(mode="json")
        return Answer(body_out, stream.version, location=f"/mbn/inputs?fiscal_year={body.fiscal_year}")

    return await call.run(principal, run)


@router.get("/mbn/inputs", response_model=InputsResponse)
async def list_reference_inputs(pool: Pool, principal: MetricsReader, fiscal_year: Year) -> Response:
    """The fiscal year's inputs as they stand, each with its provenance; `ETag` is the submission's version."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        submission = await submissions.submission_row(conn, principal.tenant, fiscal_year)
        rows = await submissions.input_rows(conn, principal.tenant, fiscal_year)
    body = InputsResponse(**views.inputs_body(fiscal_year, submission, rows)).model_dump(mode="json")
    return answered(body, submission["version"] if submission else 0)


@router.post("/mbn/fiscal-years/{year}/close", response_model=ResultsResponse)
async def close_fiscal_year(
    year: Annotated[int, Path(ge=1990, le=2100)], principal: Manager, call: CommandCall
) -> Response:
    """Freeze the fiscal year's submission as it stands: each measure, its definition version and the inputs it
    counted. Refused before the year is over, and once it is closed."""

    async def run(conn, ctx: Context) -> Answer:
        plugged = await submissions.plugged(conn, ctx.tenant, year)
        command = CloseFiscalYear(submission_id(ctx.tenant, year), year, ctx.recorded_at, plugged)
        stream = await submissions.close(conn, command, ctx, call.if_match)
        return Answer(await _results(conn, ctx.tenant, year), stream.version)

    return await call.run(principal, run)


async def _results(conn, tenant: str, year: int) -> dict:
    submission = await submissions.submission_row(conn, tenant, year)
    rows = await submissions.result_rows(conn, tenant, year)
    return ResultsResponse(**views.results_body(year, submission, rows)).model_dump(mode="json")


@router.get("/mbn/results", response_model=ResultsResponse, responses=views.CSV_RESPONSE)
async def mbn_results(
    request: Request,
    pool: Pool,
    principal: MetricsReader,
    fiscal_year: Year,
    format: csvfiles.Format = None,
    tier: TierQuery = Tier.SINGLE,
    restated: Annotated[
        bool, Query(description="CSV of a closed year: the figures as they stand now, not as frozen")
    ] = False,
) -> Response:
    """The tenant's MBN measures for the fiscal year: value, numerator, denominator, definition version, the inputs
    counted with their provenance, flags; after a close, the frozen figures with any restatement beside them."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if csvfiles.wanted(request, format):
            rows = await submissions.result_rows(conn, principal.tenant, fiscal_year)
            return views.csv_response(
                views.results_rows(fiscal_year, principal.tenant, tier, rows, restated), f"mbn-{fiscal_year}.csv"
            )
        submission = await submissions.submission_row(conn, principal.tenant, fiscal_year)
        body = await _results(conn, principal.tenant, fiscal_year)
    return answered(body, submission["version"] if submission else 0)


@router.get("/mbn/results/{measure}", response_model=MeasureDetail)
async def mbn_measure(measure: MeasureId, pool: Pool, principal: MetricsReader, fiscal_year: Year) -> MeasureDetail:
    """What the measure counted for the fiscal year: its definition, and each input with its value and provenance,
    as frozen at the close and as the inputs stand now."""
    async with pool.acquire() as conn:
        rows = await submissions.result_rows(conn, principal.tenant, fiscal_year, measure)
    detail = views.measure_detail(fiscal_year, measure, rows)
    if detail is None:
        raise NotFound(f"no {measure} for fiscal {fiscal_year}: record its inputs first")
    return MeasureDetail(**detail)


@router.get("/mbn/definitions", response_model=DefinitionsResponse)
async def mbn_definitions(principal: MetricsReader, fiscal_year: Year | None = None) -> DefinitionsResponse:
    """Every version of every measure (or those in force in a fiscal year) and the inputs a manager records."""
    return DefinitionsResponse(**definitions_body(fiscal_year))


@router.get("/mbn/benchmark", response_model=BenchmarkResponse, responses=views.CSV_RESPONSE)
async def mbn_benchmark(
    request: Request,
    pool: Pool,
    principal: MetricsReader,
    fiscal_year: Year | None = None,
    measure: MeasureId | None = None,
    municipality: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    tier: TierQuery = Tier.SINGLE,
    format: csvfiles.Format = None,
) -> Response | BenchmarkResponse:
    """The public benchmark set: each municipality's numerator, denominator and result as the engine computes them
    from its submitted figures; each tier's median, minimum and maximum; and the tenant's place in its tier."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        every = await benchmark.rows_of(conn, fiscal_year, measure)
        own = await submissions.own_values(conn, principal.tenant, fiscal_year, measure)
    rows = benchmark.of_municipality(every, municipality)
    if csvfiles.wanted(request, format):
        return views.csv_response(views.benchmark_rows(rows), "mbn-benchmark.csv")
    places = benchmark.places(every, own, tier)
    return BenchmarkResponse(**views.benchmark_body(rows, benchmark.tiers(every), places))
