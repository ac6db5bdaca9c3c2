"""A tenant's MBN submissions through `streams.handle`: inputs recorded, years closed, their rows written beside.

Every append rewrites the year's current figures (the engine over the inputs as they now stand); a close also
writes the frozen ones from its event, which nothing rewrites after.

The seam for figures that come from elsewhere than a manager: `SOURCES`. The city's device counts as at the
fiscal-year close (INTN212/214/216) and its amortization for the year (INTN243T.amortization) come from the assets
events (metrics.device_figures). A source is `async (conn, tenant, fiscal_year) -> {input_id: CountedInput}`; a
recorded input wins over a source's figure. A source's figures change without an event on the submission stream
(a backdated install reaches the projector), so the current figures a read answers are computed at read time,
from the recorded inputs and the sources as they stand then; the stored current rows serve the SQL readers.
"""

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg

from events import streams
from events.contracts.metrics import (
    CountedInput,
    FiscalYearClosed,
    FrozenMeasure,
    InputProvenance,
    ReferenceInputRecorded,
)
from events.envelope import Context
from events.streams import Stream
from metrics import device_figures, spending
from metrics.mbn import engine
from metrics.mbn.definitions import PUBLISHED_ORDER
from metrics.mbn.domain import (
    SUBMISSION,
    CloseFiscalYear,
    RecordedInput,
    RecordReferenceInput,
    Submission,
    figures_of,
    measure_figures,
)

Source = Callable[[asyncpg.Connection, str, int], Awaitable[Mapping[str, CountedInput]]]
SOURCES: tuple[Source, ...] = (device_figures.device_counts, device_figures.amortization, spending.operating_cost)


async def plugged(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> dict[str, CountedInput]:
    """The inputs the sources give for the tenant's fiscal year."""
    found: dict[str, CountedInput] = {}
    for source in SOURCES:
        found |= await source(conn, tenant, fiscal_year)
    return found


async def record(
    conn: asyncpg.Connection, command: RecordReferenceInput, ctx: Context, if_match: int | None = None
) -> Stream[Submission]:
    return await streams.handle(
        conn, SUBMISSION, str(command.submission_id), command, ctx, if_match=if_match, inline=_write
    )


async def close(
    conn: asyncpg.Connection, command: CloseFiscalYear, ctx: Context, if_match: int | None = None
) -> Stream[Submission]:
    return await streams.handle(
        conn, SUBMISSION, str(command.submission_id), command, ctx, if_match=if_match, inline=_write
    )


_UPSERT_SUBMISSION = """
INSERT INTO mbn_submissions (tenant, fiscal_year, submission_id, closed_at, closed_by, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant, fiscal_year) DO UPDATE SET closed_at = $4,
    closed_by = coalesce($5, mbn_submissions.closed_by), updated_at = $6, version = $7"""

_UPSERT_INPUT = """
INSERT INTO mbn_inputs (tenant, fiscal_year, input_id, value, source, document, note, recorded_at, recorded_by,
    after_close)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (tenant, fiscal_year, input_id) DO UPDATE SET value = $4, source = $5, document = $6, note = $7,
    recorded_at = $8, recorded_by = $9, after_close = $10"""

_INSERT_RESULT = """
INSERT INTO mbn_results (tenant, fiscal_year, measure, figures, definition, value, ratio, numerator, denominator,
    sources, flags, computed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"""


async def _write(conn: asyncpg.Connection, stream: Stream[Submission], ctx: Context) -> None:
    """The submission's row, what its new events record (inputs, frozen figures), and its current figures anew."""
    state = stream.state
    closer = next((e.actor for e in stream.appended if e.type == FiscalYearClosed.event_type), None)
    closed_at = state.closed.at if state.closed else None
    await conn.execute(_UPSERT_SUBMISSION, ctx.tenant, state.fiscal_year, state.submission_id, closed_at, closer,
                       ctx.recorded_at, stream.version)  # fmt: skip
    for envelope in stream.appended:
        event = envelope.event()
        if isinstance(event, ReferenceInputRecorded):
            await _write_input(conn, event, envelope.actor, state.inputs[event.input_id].after_close, ctx)
        elif isinstance(event, FiscalYearClosed):
            await _write_measures(conn, ctx, state.fiscal_year, "frozen", event.measures, event.inputs)
    await _write_current(conn, state, ctx)


async def _write_input(conn: asyncpg.Connection, event: ReferenceInputRecorded, actor: str, after_close: bool,
                       ctx: Context) -> None:  # fmt: skip
    p = event.provenance
    await conn.execute(_UPSERT_INPUT, ctx.tenant, event.fiscal_year, event.input_id, event.value, p.source,
                       p.document, p.note, event.at, actor, after_close)  # fmt: skip


async def _write_current(conn: asyncpg.Connection, state: Submission, ctx: Context) -> None:
    """The engine over the inputs as they now stand (and the sources' figures), replacing the last figures."""
    counted = figures_of(state, await plugged(conn, ctx.tenant, state.fiscal_year))
    current = _computed(state.fiscal_year, counted)
    await conn.execute("DELETE FROM mbn_results WHERE tenant = $1 AND fiscal_year = $2 AND figures = 'current'",
                       ctx.tenant, state.fiscal_year)  # fmt: skip
    await _write_measures(conn, ctx, state.fiscal_year, "current", current, list(counted.values()))


def _computed(fiscal_year: int, counted: Mapping[str, CountedInput]) -> list[FrozenMeasure]:
    return [measure_figures(r) for r in engine.compute(fiscal_year, {i: f.value for i, f in counted.items()})]


async def _write_measures(
    conn: asyncpg.Connection,
    ctx: Context,
    year: int,
    figures: str,
    measures: list[FrozenMeasure],
    inputs: list[CountedInput],
) -> None:
    by_id = {i.input_id: i for i in inputs}
    rows = [
        (
            ctx.tenant,
            year,
            m.measure,
            figures,
            m.definition,
            m.value,
            m.ratio,
            m.numerator,
            m.denominator,
            _sources(m, by_id),
            [f.model_dump() for f in m.flags],
            ctx.recorded_at,
        )
        for m in measures
    ]
    await conn.executemany(_INSERT_RESULT, rows)


def _sources(m: FrozenMeasure, inputs: Mapping[str, CountedInput]) -> list[dict]:
    """Each input the measure counted, what part it played, its figure and where the figure came from."""
    roles = [(i, "numerator") for i in m.numerator_from] + [(i, "denominator") for i in m.denominator_from]
    return [
        {"input_id": i, "role": role, "value": str(inputs[i].value), **inputs[i].provenance.model_dump()}
        for i, role in roles
        if i in inputs
    ]


# --- reads ----------------------------------------------------------------------------------------------------

_SUBMISSION = """
SELECT submission_id, closed_at, closed_by, updated_at, version FROM mbn_submissions
WHERE tenant = $1 AND fiscal_year = $2"""

_FROZEN = """
SELECT measure, figures, definition, value, ratio, numerator, denominator, sources, flags, computed_at
FROM mbn_results WHERE tenant = $1 AND fiscal_year = $2 AND ($3::text IS NULL OR measure = $3) AND figures = 'frozen'"""
_ORDER = {measure: place for place, measure in enumerate(PUBLISHED_ORDER)}

_INPUTS = """
SELECT input_id, value, source, document, note, recorded_at, recorded_by, after_close FROM mbn_inputs
WHERE tenant = $1 AND fiscal_year = $2 ORDER BY input_id"""


async def submission_row(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> asyncpg.Record | None:
    return await conn.fetchrow(_SUBMISSION, tenant, fiscal_year)


async def result_rows(conn: asyncpg.Connection, tenant: str, fiscal_year: int, measure: str | None = None) -> list:
    """Each measure's frozen figures as the close stored them, and its current ones computed now (see above)."""
    frozen = await conn.fetch(_FROZEN, tenant, fiscal_year, measure)
    current = [row for row in await current_rows(conn, tenant, fiscal_year) if measure in (None, row["measure"])]
    return sorted([*frozen, *current], key=lambda row: (_ORDER.get(row["measure"], len(_ORDER)), row["figures"]))


async def current_rows(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> list[dict]:
    """The engine over the recorded inputs and the sources' figures as they stand, in the stored rows' shape."""
    recorded = {row["input_id"]: _recorded(row) for row in await input_rows(conn, tenant, fiscal_year)}
    counted = figures_of(Submission(inputs=recorded), await plugged(conn, tenant, fiscal_year))
    now = datetime.now(UTC)
    return [
        {"measure": m.measure, "figures": "current", "definition": m.definition, "value": m.value, "ratio": m.ratio,
         "numerator": m.numerator, "denominator": m.denominator, "sources": _sources(m, counted),
         "flags": [f.model_dump() for f in m.flags], "computed_at": now}
        for m in (_computed(fiscal_year, counted) if counted else [])
    ]  # fmt: skip


def _recorded(row: asyncpg.Record) -> RecordedInput:
    provenance = InputProvenance(source=row["source"], document=row["document"], note=row["note"])
    return RecordedInput(row["value"], provenance, row["recorded_at"], row["after_close"])


async def input_rows(conn: asyncpg.Connection, tenant: str, fiscal_year: int) -> list:
    return await conn.fetch(_INPUTS, tenant, fiscal_year)


# The figure a tenant stands by: frozen once the year is closed ('frozen' sorts after 'current'), else current.
_OWN = """
SELECT DISTINCT ON (fiscal_year, measure) fiscal_year, measure, value FROM mbn_results
WHERE tenant = $1 AND ($2::int IS NULL OR fiscal_year = $2) AND ($3::text IS NULL OR measure = $3)
ORDER BY fiscal_year, measure, figures DESC"""


async def own_values(
    conn: asyncpg.Connection, tenant: str, fiscal_year: int | None, measure: str | None
) -> dict[tuple[int, str], Decimal]:
    """The tenant's result per fiscal year and measure, where it has one: to place it among a tier's."""
    rows = await conn.fetch(_OWN, tenant, fiscal_year, measure)
    return {(row["fiscal_year"], row["measure"]): row["value"] for row in rows if row["value"] is not None}
