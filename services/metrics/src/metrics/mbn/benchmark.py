"""The public MBN benchmark set: submissions loaded through `streams.handle`, their measures as the engine computes
them written beside, and the set read back with each tier's median, minimum and maximum and a tenant's place."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from events import streams
from events.contracts.metrics import BenchmarkSubmissionLoaded, InputProvenance, ReportedFigure, Tier
from events.envelope import Context
from events.streams import Stream
from metrics.mbn import longform
from metrics.mbn.definitions import PUBLISHED_ORDER, by_id
from metrics.mbn.domain import (
    BENCHMARK,
    PUBLIC_TENANT,
    LoadBenchmarkSubmission,
    PublicSubmission,
    computed,
    public_submission_id,
)
from metrics.mbn.engine import at_precision


def command_for(submission: longform.Submission, provenance: InputProvenance, ctx: Context) -> LoadBenchmarkSubmission:
    figures = tuple(
        ReportedFigure(measure=m, numerator=r.numerator, denominator=r.denominator)
        for m, r in sorted(submission.reported.items())
    )
    return LoadBenchmarkSubmission(
        submission_id=public_submission_id(submission.municipality, submission.fiscal_year),
        municipality=submission.municipality,
        tier=submission.tier,
        fiscal_year=submission.fiscal_year,
        inputs=dict(sorted(submission.inputs.items())),
        figures=figures,
        provenance=provenance,
        at=ctx.recorded_at,
    )


async def load(conn: asyncpg.Connection, command: LoadBenchmarkSubmission, ctx: Context) -> bool:
    """Record the submission in the public set; False when the set already holds the same figures."""
    public = Context(PUBLIC_TENANT, ctx.actor, ctx.correlation_id, ctx.causation_id, ctx.recorded_at)
    stream = await streams.handle(conn, BENCHMARK, str(command.submission_id), command, public, inline=_write)
    return bool(stream.appended)


_INSERT = """
INSERT INTO mbn_benchmark (tenant, fiscal_year, municipality, tier, measure, definition, value, ratio, numerator,
    denominator, reported_numerator, reported_denominator, flags, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"""


async def _write(conn: asyncpg.Connection, stream: Stream[PublicSubmission], ctx: Context) -> None:
    """The submission's measures, replacing those of the figures it revises."""
    loaded = stream.state.loaded
    if not stream.appended or loaded is None:
        return
    await conn.execute(
        "DELETE FROM mbn_benchmark WHERE tenant = $1 AND fiscal_year = $2 AND municipality = $3",
        ctx.tenant,
        loaded.fiscal_year,
        loaded.municipality,
    )
    await conn.executemany(_INSERT, _rows(loaded, ctx))


def _rows(loaded: BenchmarkSubmissionLoaded, ctx: Context) -> list[tuple]:
    reported = {f.measure: f for f in loaded.figures}
    rows = []
    for r in computed(loaded):
        figure = reported.get(r.measure)
        rows.append(
            (
                ctx.tenant,
                loaded.fiscal_year,
                loaded.municipality,
                loaded.tier,
                r.measure,
                r.definition.id,
                r.value,
                r.ratio,
                r.numerator,
                r.denominator,
                figure and figure.numerator,
                figure and figure.denominator,
                [{"code": f.code, "detail": f.detail} for f in r.flags],
                ctx.recorded_at,
            )
        )
    return rows


# --- reads ----------------------------------------------------------------------------------------------------

_SET = """
SELECT fiscal_year, municipality, tier, measure, definition, value, ratio, numerator, denominator,
       reported_numerator, reported_denominator, flags
FROM mbn_benchmark
WHERE tenant = $1 AND ($2::int IS NULL OR fiscal_year = $2) AND ($3::text IS NULL OR measure = $3)
ORDER BY fiscal_year, array_position($4::text[], measure), municipality"""


async def rows_of(conn: asyncpg.Connection, fiscal_year: int | None, measure: str | None) -> list[asyncpg.Record]:
    """The public set's measures, every municipality's, for the fiscal year and measure if named."""
    return await conn.fetch(_SET, PUBLIC_TENANT, fiscal_year, measure, list(PUBLISHED_ORDER))


def of_municipality(rows: Iterable[asyncpg.Record], municipality: str | None) -> list[asyncpg.Record]:
    """The rows of the municipality named, whatever its case; 'Montréal' is not 'Montreal'."""
    wanted = municipality.casefold() if municipality else None
    return [row for row in rows if wanted is None or row["municipality"].casefold() == wanted]


@dataclass(frozen=True)
class TierFigures:
    fiscal_year: int
    measure: str
    tier: Tier
    count: int
    median: Decimal
    minimum: Decimal
    maximum: Decimal


def tiers(rows: Iterable[asyncpg.Record]) -> list[TierFigures]:
    """Median, minimum and maximum of each tier's results per fiscal year and measure; no result, no figure."""
    groups: dict[tuple, list[Decimal]] = defaultdict(list)
    for row in rows:
        if row["value"] is not None:
            groups[(row["fiscal_year"], row["measure"], row["tier"], row["definition"])].append(row["value"])
    return [
        TierFigures(
            year,
            measure,
            Tier(tier),
            len(values),
            median(values, by_id(definition).precision),
            min(values),
            max(values),
        )
        for (year, measure, tier, definition), values in groups.items()
    ]


def median(values: list[Decimal], precision: int | None) -> Decimal:
    """The middle value; between two, their mean at the measure's precision (half up), as MBN reports medians."""
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return ordered[middle]
    mean = (ordered[middle - 1] + ordered[middle]) / 2
    return at_precision(mean, precision)


@dataclass(frozen=True)
class Place:
    fiscal_year: int
    measure: str
    tier: Tier
    value: Decimal
    rank: int  # 1: the highest value in the tier
    of: int  # the tier's municipalities with a result, the tenant included


def places(rows: Iterable[asyncpg.Record], own: dict[tuple[int, str], Decimal], tier: Tier) -> list[Place]:
    """Where each of the tenant's results stands among the tier's for the same fiscal year and measure."""
    peers: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for row in rows:
        if row["value"] is not None and row["tier"] == tier:
            peers[(row["fiscal_year"], row["measure"])].append(row["value"])
    return [
        Place(
            year,
            measure,
            tier,
            value,
            1 + sum(v > value for v in peers[(year, measure)]),
            1 + len(peers[(year, measure)]),
        )
        for (year, measure), value in sorted(own.items())
        if (year, measure) in peers
    ]
