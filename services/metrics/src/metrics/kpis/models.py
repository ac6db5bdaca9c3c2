"""Response bodies of the KPI API, and the CSV form of a series."""

import csv
import io
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel, Field

from metrics.kpis.definitions import Kpi, Measure
from metrics.kpis.periods import By
from metrics.kpis.queries import Point

CSV_COLUMNS = (
    "definition",
    "period_start",
    "period_end",
    "group",
    "member",
    "part",
    "value",
    "numerator",
    "denominator",
)


class KpiDefinition(BaseModel):
    id: str
    version: int
    definition: str = Field(description="id@version: what every value computed by this version is named by")
    name: str
    text: str
    computed: str = Field(description="how it is computed from the events")
    unit: str
    measure: Measure
    groups: list[str] = Field(description="what `group=` may break it down by")
    parts: str = Field(description="what each value is split into, if anything (age, clock, class, model)")
    params: dict[str, Any]
    derived_from: list[str]
    current: bool = Field(description="the version answered when none is asked for")


class KpiDefinitions(BaseModel):
    kpis: list[KpiDefinition]


class KpiPoint(BaseModel):
    period_start: date
    period_end: date
    member: str = Field(description="the group's member (a priority, a category...); empty without `group`")
    part: str = Field(description="the part of the KPI (an age bucket, an SLA clock, a class, a model), if any")
    value: float | None = Field(description="in the KPI's unit; null where nothing was counted to divide by")
    numerator: float | None
    denominator: float | None


class KpiSeries(BaseModel):
    kpi: str
    version: int
    definition: str
    name: str
    unit: str
    current: bool
    timezone: str = Field(description="the tenant's desk time zone: the local days counted in")
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    by: By
    group: str | None
    points: list[KpiPoint]


def definition_body(kpi: Kpi) -> KpiDefinition:
    return KpiDefinition(
        id=kpi.id,
        version=kpi.version,
        definition=kpi.key,
        name=kpi.name,
        text=kpi.text,
        computed=kpi.computed,
        unit=kpi.unit,
        measure=kpi.measure,
        groups=list(kpi.groups),
        parts=kpi.parts,
        params=kpi.params,
        derived_from=list(kpi.derived_from),
        current=kpi.current,
    )


def series_json(
    kpi: Kpi, timezone: str, start: date, end: date, by: By, group: str | None, points: list[Point]
) -> bytes:
    """The `KpiSeries` body, written straight to JSON: a year by day is thousands of points, each checked already."""
    return orjson.dumps({
        "kpi": kpi.id, "version": kpi.version, "definition": kpi.key, "name": kpi.name, "unit": kpi.unit,
        "current": kpi.current, "timezone": timezone, "from": start, "to": end, "by": by, "group": group,
        "points": [{"period_start": p.period.start, "period_end": p.period.end, "member": p.member, "part": p.part,
                    "value": p.value, "numerator": p.numerator, "denominator": p.denominator} for p in points],
    })  # fmt: skip


def series_csv(kpi: Kpi, group: str | None, points: list[Point]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in points:
        writer.writerow(
            (
                kpi.key,
                p.period.start,
                p.period.end,
                group or "",
                p.member,
                p.part,
                _cell(p.value),
                _cell(p.numerator),
                _cell(p.denominator),
            )
        )
    return out.getvalue()


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))
