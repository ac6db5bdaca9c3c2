"""The OpenAPI document of every service: each operation's problem responses, ETag and If-Match, documented once."""

from typing import Any

from fastapi import FastAPI

PROBLEM_TYPE = "application/problem+json"
PROBLEM = {"$ref": "#/components/schemas/Problem"}
ENTITY_TAG = r'^(W/)?"[0-9]+"$'

# Every operation can meet these; a command (a body, a version) meets all of them.
READ_PROBLEMS = {400: "The request is malformed: its parameters or headers.",
                 401: "No token, or one that does not verify.",
                 403: "The caller's roles do not allow this.",
                 404: "Nothing of that id exists for this caller.",
                 422: "A parameter or field is invalid; `errors` names each.",
                 431: "The request's headers are larger than the service takes.",
                 500: "A fault on our side; `correlation_id` finds its log line."}
COMMAND_PROBLEMS = {**READ_PROBLEMS,
                    400: "The body is not well-formed JSON, or a header is malformed.",
                    409: "The rules refuse this command (`rule` names the rule), or a concurrent change won.",
                    412: "`If-Match` names a version that is no longer current: reload and try again.",
                    413: "The body is larger than the service takes.",
                    415: "The body is not `application/json`."}
ETAG = {"description": "the version this answer shows; send it back as If-Match", "schema": {"type": "string"}}


def problem_schema() -> dict[str, Any]:
    """RFC 9457 problem details, with the suite's extensions `rule` and `errors`."""
    field_error = {"type": "object", "required": ["field", "message"], "properties": {
        "field": {"type": "string"}, "location": {"type": "string"}, "message": {"type": "string"}}}
    return {"type": "object", "required": ["type", "title", "status"], "properties": {
        "type": {"type": "string", "format": "uri-reference"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "rule": {"type": "string", "description": "the rule that refused the command (409)"},
        "errors": {"type": "array", "items": field_error},
        "correlation_id": {"type": "string", "description": "with a 500: the id on the fault's log line"}}}


def install_documented_openapi(app: FastAPI) -> None:
    """Replace the app's OpenAPI builder with FastAPI's own, then add what every operation shares."""
    generate = app.openapi

    def documented() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = problem_schema()
            document["components"]["schemas"].pop("HTTPValidationError", None)
            document["components"]["schemas"].pop("ValidationError", None)
            for path, operations in document.get("paths", {}).items():
                for method, operation in operations.items():
                    _document(operation, command=method in ("post", "put", "patch", "delete"), single="{" in path)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = documented


def _document(operation: dict[str, Any], *, command: bool, single: bool) -> None:
    responses = operation.setdefault("responses", {})
    for status, why in (COMMAND_PROBLEMS if command else READ_PROBLEMS).items():
        responses[str(status)] = {"description": why, "content": {PROBLEM_TYPE: {"schema": PROBLEM}}}
    for status, response in responses.items():
        if status.startswith("2") and (command or single):
            response.setdefault("headers", {})["ETag"] = ETAG
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            parameter["schema"] = {"type": "string", "pattern": ENTITY_TAG, "maxLength": 40}
