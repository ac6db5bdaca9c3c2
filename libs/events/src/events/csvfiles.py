"""CSV answers: a read asked for `?format=csv` or `Accept: text/csv` answers its rows as a file to save."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Literal

from fastapi import Query, Request, Response

CSV = "text/csv"
# The query parameter a read that answers CSV takes; without it, the Accept header decides (`wanted`).
Format = Annotated[
    Literal["json", "csv"] | None, Query(description="csv, or JSON (the default, unless `Accept: text/csv`)")
]


def documented(description: str) -> dict:
    """The OpenAPI `responses` entry of a read that also answers CSV."""
    return {200: {"description": description, "content": {CSV: {"schema": {"type": "string"}}}}}


def wanted(request: Request, format: str | None) -> bool:
    """`format` says; without it, the Accept header does (a browser's or a spreadsheet's)."""
    if format is not None:
        return format == "csv"
    return CSV in request.headers.get("accept", "")


def attachment(text: str, filename: str) -> Response:
    return Response(text, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], cell: Callable[[object], str]) -> str:
    """A header row, then each row's values as `cell` writes them, with RFC 4180's line breaks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
