"""The MBN deciders: a tenant's submission for a fiscal year (inputs, close, restatements) and a public one.

A tenant's fiscal year is one stream: each input recorded, then the close that freezes every measure as
computed from the inputs as they stood. An input recorded after the close is a restatement: it changes the
current figures, never the frozen ones. Fiscal years are MBN's, the calendar year, named by their year.
A public submission is one stream per municipality and fiscal year: loading the same figures again records
nothing, a revision records them anew.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

from events.base import Event
from events.contracts.metrics import (
    BenchmarkSubmissionLoaded,
    CountedInput,
    FiscalYearClosed,
    FrozenMeasure,
    InputProvenance,
    MeasureFlag,
    ReferenceInputRecorded,
    ReportedFigure,
    Tier,
)
from events.decider import Decider
from events.errors import Unprocessable
from metrics.mbn import engine
from metrics.mbn.definitions import INPUTS, used_in
from metrics.mbn.errors import FiscalYearAlreadyClosed, FiscalYearNotOver, SubmissionEmpty

# The tenant the public benchmark set is recorded under; every tenant reads it, none writes to it.
PUBLIC_TENANT = "mbn-public"
_IDS = uuid5(UUID(int=0), "urn:helpdesk:metrics:mbn")


def submission_id(tenant: str, fiscal_year: int) -> UUID:
    """The id of a tenant's fiscal-year submission, the same each time it is asked for."""
    return uuid5(_IDS, f"submission/{tenant}/{fiscal_year}")


def public_submission_id(municipality: str, fiscal_year: int) -> UUID:
    return uuid5(_IDS, f"benchmark/{municipality}/{fiscal_year}")


# --- the tenant's submission ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedInput:
    value: Decimal
    provenance: InputProvenance
    at: datetime
    after_close: bool = False  # a restatement: recorded once the year was closed


@dataclass(frozen=True)
class Submission:
    submission_id: UUID | None = None
    fiscal_year: int | None = None
    inputs: Mapping[str, RecordedInput] = field(default_factory=dict)  # never changed in place
    closed: FiscalYearClosed | None = None


@dataclass(frozen=True)
class RecordReferenceInput:
    submission_id: UUID
    fiscal_year: int
    input_id: str
    value: Decimal
    provenance: InputProvenance
    at: datetime


@dataclass(frozen=True)
class CloseFiscalYear:
    submission_id: UUID
    fiscal_year: int
    at: datetime
    plugged: Mapping[str, CountedInput] = field(default_factory=dict)  # inputs other sources give (see figures_of)


def figures_of(state: Submission, plugged: Mapping[str, CountedInput]) -> dict[str, CountedInput]:
    """The inputs the engine counts: what other sources give, and over it what a manager recorded."""
    recorded = {i: CountedInput(input_id=i, value=r.value, provenance=r.provenance) for i, r in state.inputs.items()}
    return {**plugged, **recorded}


def _record(state: Submission, c: RecordReferenceInput) -> list[Event]:
    _check_input(c)
    return [
        ReferenceInputRecorded(
            at=c.at,
            submission_id=c.submission_id,
            fiscal_year=c.fiscal_year,
            input_id=c.input_id,
            value=c.value,
            provenance=c.provenance,
        )
    ]


def _check_input(c: RecordReferenceInput) -> None:
    known = INPUTS.get(c.input_id)
    if known is None:
        raise Unprocessable("input_id", f"{c.input_id} is not an MBN input; GET /mbn/definitions lists them")
    if not used_in(c.input_id, c.fiscal_year):
        raise Unprocessable("input_id", f"no MBN measure in force for fiscal {c.fiscal_year} counts {c.input_id}")
    if c.value < 0 and not known.may_be_negative:
        raise Unprocessable("value", f"{known.name} is never negative")
    if c.value.normalize().as_tuple().exponent < -known.decimals:
        raise Unprocessable("value", f"{known.name} is given in {known.unit} with at most {known.decimals} decimals")
    if known.needs_reason and not c.provenance.note:
        raise Unprocessable("provenance.note", f"{c.input_id} overrides another figure: the note says why")


def _close(state: Submission, c: CloseFiscalYear) -> list[Event]:
    if state.closed is not None:
        raise FiscalYearAlreadyClosed(
            f"fiscal {c.fiscal_year} was closed at {state.closed.at:%Y-%m-%d %H:%M}: record"
            " a correction as an input, shown as a restatement beside the frozen figure"
        )
    if c.at.date() <= date(c.fiscal_year, 12, 31):
        raise FiscalYearNotOver(f"fiscal {c.fiscal_year} ends on {c.fiscal_year}-12-31: close it after that day")
    counted = figures_of(state, c.plugged)
    if not counted:
        raise SubmissionEmpty(f"fiscal {c.fiscal_year} has no inputs recorded: there is nothing to freeze")
    results = engine.compute(c.fiscal_year, {i: f.value for i, f in counted.items()})
    return [
        FiscalYearClosed(
            at=c.at,
            submission_id=c.submission_id,
            fiscal_year=c.fiscal_year,
            measures=[measure_figures(r) for r in results],
            inputs=list(counted.values()),
        )
    ]


def measure_figures(r: engine.Result) -> FrozenMeasure:
    """A result as a close freezes it; the current figures are written in the same shape."""
    return FrozenMeasure(
        measure=r.measure,
        definition=r.definition.id,
        value=r.value,
        ratio=r.ratio,
        numerator=r.numerator,
        denominator=r.denominator,
        numerator_from=list(r.numerator_from),
        denominator_from=list(r.denominator_from),
        flags=[MeasureFlag(code=f.code, detail=f.detail) for f in r.flags],
    )


def _input_recorded(s: Submission, e: ReferenceInputRecorded) -> Submission:
    recorded = RecordedInput(e.value, e.provenance, e.at, after_close=s.closed is not None)
    return replace(
        s, submission_id=e.submission_id, fiscal_year=e.fiscal_year, inputs={**s.inputs, e.input_id: recorded}
    )


def _year_closed(s: Submission, e: FiscalYearClosed) -> Submission:
    return replace(s, submission_id=e.submission_id, fiscal_year=e.fiscal_year, closed=e)


SUBMISSION = Decider(
    initial=Submission(),
    evolvers={ReferenceInputRecorded: _input_recorded, FiscalYearClosed: _year_closed},
    deciders={RecordReferenceInput: _record, CloseFiscalYear: _close},
)

# --- a public submission --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicSubmission:
    loaded: BenchmarkSubmissionLoaded | None = None


@dataclass(frozen=True)
class LoadBenchmarkSubmission:
    submission_id: UUID
    municipality: str
    tier: Tier
    fiscal_year: int
    inputs: Mapping[str, Decimal]
    figures: tuple[ReportedFigure, ...]
    provenance: InputProvenance
    at: datetime


def _load(state: PublicSubmission, c: LoadBenchmarkSubmission) -> list[Event]:
    before = state.loaded
    if before and (before.tier, before.inputs, before.figures) == (c.tier, dict(c.inputs), list(c.figures)):
        return []  # the same figures again, whatever file they came from
    return [
        BenchmarkSubmissionLoaded(
            at=c.at,
            submission_id=c.submission_id,
            municipality=c.municipality,
            tier=c.tier,
            fiscal_year=c.fiscal_year,
            inputs=dict(c.inputs),
            figures=list(c.figures),
            provenance=c.provenance,
        )
    ]


def _loaded(s: PublicSubmission, e: BenchmarkSubmissionLoaded) -> PublicSubmission:
    return PublicSubmission(e)


BENCHMARK = Decider(
    initial=PublicSubmission(), evolvers={BenchmarkSubmissionLoaded: _loaded}, deciders={LoadBenchmarkSubmission: _load}
)


def computed(loaded: BenchmarkSubmissionLoaded) -> list[engine.Result]:
    """What the engine makes of a public submission's figures."""
    reported = {f.measure: engine.Reported(f.numerator, f.denominator) for f in loaded.figures}
    return engine.compute(loaded.fiscal_year, loaded.inputs, reported)
