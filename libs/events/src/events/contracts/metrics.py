"""Events the metrics service records on `metrics.events`: MBN reference inputs, fiscal-year closes, the public set."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event

Name = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
FiscalYear = Annotated[int, Field(ge=1990, le=2100, description="named by the calendar year it ends in")]
# An MBN measure or input: INTN205, or a part of a numerator such as INTN243.materials.
MeasureId = Annotated[str, Field(pattern=r"^INTN[0-9]{3}[A-Z]?(\.[a-z_]{1,40})?$", max_length=60)]
DefinitionId = Annotated[str, Field(pattern=r"^INTN[0-9]{3}[A-Z]?@[0-9]{4}$", max_length=60)]
# Exact decimals, as submitted: money to the cent, FTE to the hundredth, counts whole; never a float.
Figure = Annotated[Decimal, Field(max_digits=40, decimal_places=12, allow_inf_nan=False)]

# A closed year freezes at most this many measures; a loaded submission carries at most this many figures.
MAX_MEASURES = 100


class Tier(StrEnum):
    SINGLE = "single"  # a single-tier municipality: a city that delivers every municipal service
    UPPER = "upper"  # an upper-tier (regional) municipality


class InputProvenance(BaseModel):
    """Where a reference figure comes from: the source (a department, a system), the document, a note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Name
    document: Label = ""
    note: Note = ""


class ReferenceInputRecorded(Event):
    """A manager recorded a figure from outside IT for the tenant's fiscal year: a population, an FTE count,
    a part of IT's operating cost. A later figure for the same input replaces it; after the year is closed,
    it is a restatement, shown beside the frozen figure."""

    event_type: ClassVar[str] = "metrics.reference_input_recorded"

    at: datetime
    submission_id: UUID
    fiscal_year: FiscalYear
    input_id: MeasureId
    value: Figure
    provenance: InputProvenance


class MeasureFlag(BaseModel):
    """Something a reader of a figure should know: a reported figure used over the inputs' rule, a gap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, Field(max_length=60)]
    detail: Note


class CountedInput(BaseModel):
    """An input as it stood when the year was closed: the figure counted and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_id: MeasureId
    value: Figure
    provenance: InputProvenance


class FrozenMeasure(BaseModel):
    """One measure as submitted: its figures, the definition version that produced them, what it counted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure: MeasureId
    definition: DefinitionId
    value: Figure | None
    ratio: Figure | None = Field(default=None, description="the quotient before rounding, to 12 decimals")
    numerator: Figure | None = None
    denominator: Figure | None = None
    numerator_from: Annotated[list[MeasureId], Field(max_length=MAX_MEASURES)] = []
    denominator_from: Annotated[list[MeasureId], Field(max_length=MAX_MEASURES)] = []
    flags: Annotated[list[MeasureFlag], Field(max_length=MAX_MEASURES)] = []


class FiscalYearClosed(Event):
    """The tenant's submission for the fiscal year, frozen as it stood: each measure and the inputs it counted."""

    event_type: ClassVar[str] = "metrics.fiscal_year_closed"

    at: datetime
    submission_id: UUID
    fiscal_year: FiscalYear
    measures: Annotated[list[FrozenMeasure], Field(max_length=MAX_MEASURES)]
    inputs: Annotated[list[CountedInput], Field(max_length=MAX_MEASURES)]


class ReportedFigure(BaseModel):
    """A computed measure's row as published: the numerator and denominator reported with it, never its result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure: MeasureId
    numerator: Figure | None = None
    denominator: Figure | None = None


class BenchmarkSubmissionLoaded(Event):
    """A municipality's published MBN submission for a fiscal year, recorded in the public benchmark set.

    `inputs` are its input statistics and counts as submitted (INTN001, INTN010, INTN800...), `figures` each
    computed measure's reported numerator and denominator. A revised file loads a new one that replaces it.
    """

    event_type: ClassVar[str] = "metrics.benchmark_submission_loaded"

    at: datetime
    submission_id: UUID
    municipality: Name
    tier: Tier
    fiscal_year: FiscalYear
    inputs: Annotated[dict[MeasureId, Figure], Field(max_length=MAX_MEASURES)]
    figures: Annotated[list[ReportedFigure], Field(max_length=MAX_MEASURES)]
    provenance: InputProvenance
