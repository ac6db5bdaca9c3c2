"""The MBN long-form CSV shape, both ways: a file read into submissions, rows written in the same columns.

Each row is one measure of one municipality in one fiscal year. An input statistic or a count (INTN001,
INTN010, INTN800...) is submitted in its `result` cell; a computed measure's row carries the numerator and
denominator reported with it, and its `result` cell is never read here (only `published_results`, which the
`compare` command uses, reads it). Rows of measures without a definition are skipped and counted.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from events import csvfiles
from events.contracts.metrics import Tier
from metrics.mbn.definitions import COMPUTED, MEASURES
from metrics.mbn.engine import Reported

COLUMNS = (
    "fiscal_year",
    "municipality",
    "tier",
    "measure_number",
    "measure_name",
    "numerator",
    "denominator",
    "result",
)
# Bounds a cell meets (the events' own): anything else is a misreading, not a figure.
LARGEST, MOST_DECIMALS, MAX_NAME, YEARS = Decimal("1e13"), 6, 200, range(1990, 2101)
MAX_LISTED_PROBLEMS = 50
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Submission:
    """One municipality's figures for one fiscal year, as the file gives them."""

    fiscal_year: int
    municipality: str
    tier: Tier
    inputs: dict[str, Decimal] = field(default_factory=dict)
    reported: dict[str, Reported] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # the line of each measure's row


@dataclass
class Reading:
    submissions: list[Submission]
    skipped: dict[str, int]  # rows of measures without a definition, by measure number


class UnreadableFile(Exception):
    """The file is not in the long-form shape, or rows of it cannot be read; `problems` says where."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:MAX_LISTED_PROBLEMS]))
        self.problems = problems


def decode(raw: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252: how spreadsheets save 'Montréal'."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read(text: str) -> Reading:
    """Every submission in the file, or UnreadableFile listing each line that cannot be read."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise UnreadableFile([f"line 1: the header lacks {', '.join(missing)} (expected {', '.join(COLUMNS)})"])
    found: dict[tuple[int, str], Submission] = {}
    skipped: dict[str, int] = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        try:
            _take(row, line, found, skipped)
        except ValueError as problem:
            problems.append(f"line {line}: {problem}")
    if problems:
        raise UnreadableFile(problems)
    return Reading(sorted(found.values(), key=lambda s: (s.fiscal_year, s.municipality)), skipped)


def _take(row: dict, line: int, found: dict[tuple[int, str], Submission], skipped: dict[str, int]) -> None:
    measure = _cell(row, "measure_number")
    if measure not in MEASURES:
        skipped[measure] = skipped.get(measure, 0) + 1
        return
    year, municipality, tier = _year(row), _municipality(row), _tier(row)
    submission = found.setdefault((year, municipality), Submission(year, municipality, tier))
    if submission.tier is not tier:
        raise ValueError(f"{municipality} is {submission.tier} on line {min(submission.lines.values())}, {tier} here")
    if measure in submission.lines:
        raise ValueError(f"{measure} of {municipality} for {year} is also on line {submission.lines[measure]}")
    submission.lines[measure] = line
    if measure in COMPUTED:
        submission.reported[measure] = Reported(_number(row, "numerator"), _number(row, "denominator"))
    elif (value := _number(row, "result")) is not None:
        submission.inputs[measure] = value


def _cell(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def _year(row: dict) -> int:
    text = _cell(row, "fiscal_year")
    if not text.isdigit() or int(text) not in YEARS:
        raise ValueError(f"fiscal_year: {text!r} is not a year from {YEARS.start} to {YEARS.stop - 1}")
    return int(text)


def _municipality(row: dict) -> str:
    name = " ".join(_cell(row, "municipality").split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"municipality: a name of 1 to {MAX_NAME} characters is needed")
    return name


def _tier(row: dict) -> Tier:
    text = _cell(row, "tier").lower()
    try:
        return Tier(text)
    except ValueError:
        raise ValueError(f"tier: {text!r} is neither {' nor '.join(Tier)}") from None


def _number(row: dict, column: str) -> Decimal | None:
    text = _cell(row, column).replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{column}: {text!r} is not a number") from None
    if not value.is_finite() or abs(value) >= LARGEST or value.as_tuple().exponent < -MOST_DECIMALS:
        raise ValueError(
            f"{column}: {text!r} is not a figure (finite, below {LARGEST:,}, at most {MOST_DECIMALS} decimals)"
        )
    return value


def published_results(text: str) -> dict[tuple[int, str, str], str]:
    """Each row's published `result` cell, as printed, by (fiscal year, municipality, measure): for comparing."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {
        (_year(row), _municipality(row), _cell(row, "measure_number")): _cell(row, "result")
        for row in rows
        if _cell(row, "result") and _cell(row, "measure_number") in MEASURES
    }


def written(rows: Iterable[Sequence[object]]) -> str:
    """The rows under the long-form header."""
    return table(COLUMNS, rows)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The rows under `columns`, text that would be a formula defused."""
    return csvfiles.table(columns, rows, _written)


def _written(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
