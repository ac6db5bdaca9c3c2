"""Request and response bodies of the MBN API: reference inputs, results, definitions, the public benchmark set."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from events.contracts.metrics import InputProvenance, Tier
from events.fields import Body, Short
from metrics.mbn.definitions import DEFINITIONS, INPUTS, MEASURES, RULE_INPUTS, Definition, Input, Kind

FiscalYear = Annotated[int, Field(ge=1990, le=2100, description="the fiscal (calendar) year, e.g. 2024")]
InputId = Literal[tuple(INPUTS)]  # type: ignore[valid-type]
MeasureId = Literal[tuple(MEASURES)]  # type: ignore[valid-type]
Label = Annotated[str, Field(max_length=200)]


class ProvenanceRequest(Body):
    source: Short = Field(description="who or what the figure comes from, e.g. 'Finance: 2024 FIR schedule 40'")
    document: Label = Field(default="", description="the document or link it is in")
    note: Annotated[str, Field(max_length=5_000)] = Field(
        default="", description="why an override differs, or anything a reader of the figure should know"
    )


class RecordReferenceInputRequest(Body):
    fiscal_year: FiscalYear
    input_id: InputId = Field(description="an MBN input: GET /mbn/definitions lists them with their units")
    value: Annotated[Decimal, Field(max_digits=20, decimal_places=6, allow_inf_nan=False)]
    provenance: ProvenanceRequest

    def provenance_of(self) -> InputProvenance:
        return InputProvenance(**self.provenance.model_dump())


class InputResponse(BaseModel):
    input_id: str
    name: str
    unit: str
    value: Decimal
    provenance: InputProvenance
    recorded_at: datetime
    recorded_by: str
    restatement: bool = Field(description="recorded after the fiscal year was closed")


class InputsResponse(BaseModel):
    fiscal_year: int
    status: Literal["open", "closed"]
    closed_at: datetime | None
    inputs: list[InputResponse]


class SourceResponse(BaseModel):
    """An input a figure counted: its part (numerator or denominator), its value and where it came from."""

    input_id: str
    role: Literal["numerator", "denominator"]
    value: Decimal
    source: str
    document: str
    note: str


class FlagResponse(BaseModel):
    code: str
    detail: str


class Figures(BaseModel):
    definition: str = Field(description="the definition version that produced the figures, e.g. INTN205@2018")
    value: Decimal | None = Field(description="at the definition's published precision, rounded half up")
    ratio: Decimal | None = Field(description="the quotient before rounding, to 12 decimals")
    numerator: Decimal | None
    denominator: Decimal | None
    sources: list[SourceResponse]
    flags: list[FlagResponse]
    computed_at: datetime


class MeasureResult(Figures):
    """A measure as submitted: frozen at the close, or as the inputs stand while the year is open."""

    measure: str
    name: str
    unit: str
    frozen: bool
    restatement: Figures | None = Field(
        description="after a close: the figures as the inputs stand now, where they differ from the frozen ones"
    )


class ResultsResponse(BaseModel):
    fiscal_year: int
    status: Literal["open", "closed"]
    closed_at: datetime | None
    closed_by: str | None
    measures: list[MeasureResult]


class NumeratorResponse(BaseModel):
    text: str
    inputs: list[str] = Field(description="the inputs it adds up")
    measures: list[str] = Field(description="the measures whose numerators it adds up")


class DenominatorResponse(BaseModel):
    text: str
    rule: str | None = Field(
        description="population: INTN002 when given, else INTN001; supported_fte: INTN011 when given, else INTN010"
    )
    inputs: list[str]
    whole: bool = Field(description="truncated to a whole number before dividing")


class DefinitionResponse(BaseModel):
    id: str
    measure: str
    version: str
    name: str
    category: str
    kind: Kind
    unit: str
    precision: int | None = Field(description="decimals of the result; null: as submitted")
    first_year: int
    last_year: int | None
    numerator: NumeratorResponse
    denominator: DenominatorResponse | None


class InputDefinitionResponse(BaseModel):
    id: str
    name: str
    unit: str
    decimals: int
    may_be_negative: bool
    needs_reason: bool = Field(description="an override: the provenance's note says why")


class DefinitionsResponse(BaseModel):
    measures: list[DefinitionResponse]
    inputs: list[InputDefinitionResponse]


class MeasureDetail(BaseModel):
    """What a measure counted for the fiscal year: its definition, and the figures frozen and as they stand."""

    measure: str
    fiscal_year: int
    definition: DefinitionResponse
    frozen: Figures | None
    current: Figures | None


class BenchmarkRow(BaseModel):
    fiscal_year: int
    municipality: str
    tier: Tier
    measure: str
    measure_name: str
    definition: str
    numerator: Decimal | None
    denominator: Decimal | None
    result: Decimal | None
    ratio: Decimal | None
    reported_numerator: Decimal | None
    reported_denominator: Decimal | None
    flags: list[FlagResponse]


class TierResponse(BaseModel):
    fiscal_year: int
    measure: str
    tier: Tier
    count: int
    median: Decimal
    minimum: Decimal
    maximum: Decimal


class PlaceResponse(BaseModel):
    fiscal_year: int
    measure: str
    tier: Tier
    value: Decimal
    rank: int = Field(description="1 is the highest value in the tier")
    of: int = Field(description="the tier's municipalities with a result, the tenant included")


class BenchmarkResponse(BaseModel):
    results: list[BenchmarkRow]
    tiers: list[TierResponse]
    place: list[PlaceResponse] = Field(description="the tenant's results among its tier's, where it has any")


def definition_body(d: Definition) -> dict:
    denominator = None
    if d.denominator:
        denominator = {
            "text": d.text.denominator,
            "rule": d.denominator,
            "inputs": list(RULE_INPUTS[d.denominator]),
            "whole": d.whole_denominator,
        }
    return {
        "id": d.id,
        "measure": d.measure,
        "version": d.version,
        "name": d.text.name,
        "category": d.text.category,
        "kind": d.kind,
        "unit": d.unit,
        "precision": d.precision,
        "first_year": d.first_year,
        "last_year": d.last_year,
        "denominator": denominator,
        "numerator": {"text": d.text.numerator, "inputs": list(d.inputs), "measures": list(d.measures)},
    }


def input_definition_body(i: Input) -> dict:
    return {
        "id": i.id,
        "name": i.name,
        "unit": i.unit,
        "decimals": i.decimals,
        "may_be_negative": i.may_be_negative,
        "needs_reason": i.needs_reason,
    }


def definitions_body(fiscal_year: int | None) -> dict:
    found = [d for d in DEFINITIONS if fiscal_year is None or d.applies_to(fiscal_year)]
    return {
        "measures": [definition_body(d) for d in found],
        "inputs": [input_definition_body(i) for i in INPUTS.values()],
    }
