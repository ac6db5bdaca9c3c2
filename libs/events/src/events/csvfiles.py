"""CSV answers: a read asked for `?format=csv` or `Accept: text/csv` answers its rows as a file to save."""

from fastapi import Request, Response

CSV = "text/csv"


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
