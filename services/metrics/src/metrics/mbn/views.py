"""How the MBN read models are answered: JSON bodies, and rows in the long-form CSV's columns."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Annotated

import asyncpg
from fastapi import Query, Response

from events import csvfiles
from metrics.mbn import longform
from metrics.mbn.benchmark import Place, TierFigures
from metrics.mbn.definitions import INPUTS, by_id
from metrics.mbn.models import definition_body

# The query parameters the MBN reads share.
Year = Annotated[int, Query(ge=1990, le=2100, description="the fiscal (calendar) year, e.g. 2024")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

CSV_RESPONSE = csvfiles.documented(
    "with `format=csv` or `Accept: text/csv`: the rows in the columns of the MBN long-form file (fiscal_year,"
    " municipality, tier, measure_number, measure_name, numerator, denominator, result)"
)
FIGURES = ("definition", "value", "ratio", "numerator", "denominator", "sources", "flags", "computed_at")


def csv_response(rows: Iterable[tuple], filename: str, columns: tuple[str, ...] = longform.COLUMNS) -> Response:
    """The rows as a CSV file, in the long-form columns unless told others."""
    return csvfiles.attachment(longform.table(columns, rows), filename)


def status_of(submission: asyncpg.Record | None) -> str:
    return "closed" if submission and submission["closed_at"] else "open"


def _figures(row: asyncpg.Record) -> dict:
    return {name: row[name] for name in FIGURES}


def _differs(frozen: asyncpg.Record, current: asyncpg.Record) -> bool:
    return any(frozen[n] != current[n] for n in ("definition", "value", "numerator", "denominator"))


def by_measure(rows: Iterable[asyncpg.Record]) -> dict[str, dict[str, asyncpg.Record]]:
    """Each measure's rows by which figures they are ('frozen', 'current'), in the rows' order."""
    found: dict[str, dict[str, asyncpg.Record]] = defaultdict(dict)
    for row in rows:
        found[row["measure"]][row["figures"]] = row
    return found


def measure_body(measure: str, figures: dict[str, asyncpg.Record]) -> dict:
    """The frozen figures once the year is closed, with the current ones beside as a restatement where they
    differ; the current ones while it is open."""
    frozen, current = figures.get("frozen"), figures.get("current")
    shown = frozen or current
    restated = frozen is not None and current is not None and _differs(frozen, current)
    definition = by_id(shown["definition"])
    return {
        "measure": measure,
        "name": definition.text.name,
        "unit": definition.unit,
        **_figures(shown),
        "frozen": frozen is not None,
        "restatement": _figures(current) if restated else None,
    }


def results_body(fiscal_year: int, submission: asyncpg.Record | None, rows: Iterable[asyncpg.Record]) -> dict:
    return {
        "fiscal_year": fiscal_year,
        "status": status_of(submission),
        "closed_at": submission["closed_at"] if submission else None,
        "closed_by": submission["closed_by"] if submission else None,
        "measures": [measure_body(m, figures) for m, figures in by_measure(rows).items()],
    }


def measure_detail(fiscal_year: int, measure: str, rows: list[asyncpg.Record]) -> dict | None:
    figures = by_measure(rows).get(measure)
    if not figures:
        return None
    frozen, current = figures.get("frozen"), figures.get("current")
    return {
        "measure": measure,
        "fiscal_year": fiscal_year,
        "definition": definition_body(by_id((frozen or current)["definition"])),
        "frozen": _figures(frozen) if frozen else None,
        "current": _figures(current) if current else None,
    }


def results_rows(
    fiscal_year: int, tenant: str, tier: str, rows: Iterable[asyncpg.Record], restated: bool
) -> list[tuple]:
    """The tenant's submission in the long-form columns: as frozen (or, with `restated`, as it stands now)."""
    out = []
    for measure, figures in by_measure(rows).items():
        row = figures.get("current") if restated or "frozen" not in figures else figures["frozen"]
        if row is not None:
            name = by_id(row["definition"]).text.name
            out.append((fiscal_year, tenant, tier, measure, name, row["numerator"], row["denominator"], row["value"]))
    return out


def inputs_body(fiscal_year: int, submission: asyncpg.Record | None, rows: Iterable[asyncpg.Record]) -> dict:
    return {
        "fiscal_year": fiscal_year,
        "status": status_of(submission),
        "closed_at": submission["closed_at"] if submission else None,
        "inputs": [input_body(row) for row in rows],
    }


def input_body(row: asyncpg.Record) -> dict:
    known = INPUTS[row["input_id"]]
    return {
        "input_id": row["input_id"],
        "name": known.name,
        "unit": known.unit,
        "value": row["value"],
        "provenance": {"source": row["source"], "document": row["document"], "note": row["note"]},
        "recorded_at": row["recorded_at"],
        "recorded_by": row["recorded_by"],
        "restatement": row["after_close"],
    }


def benchmark_body(rows: Iterable[asyncpg.Record], tiers: list[TierFigures], places: list[Place]) -> dict:
    return {
        "results": [
            {
                **{
                    k: row[k]
                    for k in (
                        "fiscal_year",
                        "municipality",
                        "tier",
                        "measure",
                        "definition",
                        "numerator",
                        "denominator",
                        "ratio",
                        "reported_numerator",
                        "reported_denominator",
                        "flags",
                    )
                },
                "measure_name": by_id(row["definition"]).text.name,
                "result": row["value"],
            }
            for row in rows
        ],
        "tiers": [asdict(t) for t in tiers],
        "place": [asdict(p) for p in places],
    }


def benchmark_rows(rows: Iterable[asyncpg.Record]) -> list[tuple]:
    return [
        (
            row["fiscal_year"],
            row["municipality"],
            row["tier"],
            row["measure"],
            by_id(row["definition"]).text.name,
            row["numerator"],
            row["denominator"],
            row["value"],
        )
        for row in rows
    ]
