"""The schema registry: golden JSON Schema files per event version, and the AsyncAPI document built from them.

`python -m events.schemas write` records new versions, and optional fields added to the current one
(an incompatible change is refused: it needs a new version and an upcaster);
`python -m events.schemas check` fails when a class no longer matches its golden file.
"""

import argparse
import json
import sys
from pathlib import Path

from events.asyncapi import asyncapi_document
from events.base import Event, registered_events
from events.contracts import SERVICES
from events.envelope import schema_uri

SCHEMA_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.json"


def published_events() -> dict[str, type[Event]]:
    """The registered events of the suite's services (tests may register others)."""
    return {t: c for t, c in registered_events().items() if t.split(".", 1)[0] in SERVICES}


def schema_of(cls: type[Event]) -> dict:
    schema = cls.model_json_schema()
    schema["$id"] = schema_uri(cls.event_type, cls.schema_version)
    schema["x-event-type"] = cls.event_type
    schema["x-schema-version"] = cls.schema_version
    return schema


def golden_path(event_type: str, version: int) -> Path:
    return SCHEMA_DIR / event_type / f"v{version}.json"


def dump(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def compatible(golden: dict, current: dict) -> bool:
    """Only optional fields were added: readers of the golden version read the current one unchanged."""
    old, new = golden.get("properties", {}), current.get("properties", {})
    old_defs, new_defs = golden.get("$defs", {}), current.get("$defs", {})
    return (
        set(golden.get("required", [])) == set(current.get("required", []))
        and all(new.get(name) == spec for name, spec in old.items())
        and all(new_defs.get(name) == spec for name, spec in old_defs.items())
    )


def problems() -> list[str]:
    """Every way the golden files and the classes disagree; empty when the registry is sound."""
    found = []
    for event_type, cls in published_events().items():
        for version in range(1, cls.schema_version + 1):
            if not golden_path(event_type, version).exists():
                found.append(f"{event_type} v{version}: no golden schema file")
        current = golden_path(event_type, cls.schema_version)
        if current.exists() and current.read_text() != dump(schema_of(cls)):
            found.append(_difference(event_type, cls, json.loads(current.read_text())))
    if ASYNCAPI_PATH.exists() and ASYNCAPI_PATH.read_text() != dump(asyncapi()):
        found.append("asyncapi.json is out of date: run `make schemas`")
    return found


def _difference(event_type: str, cls: type[Event], golden: dict) -> str:
    if compatible(golden, schema_of(cls)):
        return f"{event_type} v{cls.schema_version}: optional fields added; run `make schemas` to record them"
    return (f"{event_type} v{cls.schema_version}: changed incompatibly with its golden schema; "
            "bump schema_version and add an upcaster (a change of meaning is a new event type)")


def asyncapi() -> dict:
    return asyncapi_document(published_events(), schema_of)


def write() -> list[Path]:
    written = []
    for event_type, cls in published_events().items():
        path = golden_path(event_type, cls.schema_version)
        if not path.exists() or compatible(json.loads(path.read_text()), schema_of(cls)):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text() != dump(schema_of(cls)):
                path.write_text(dump(schema_of(cls)))
                written.append(path)
    ASYNCAPI_PATH.write_text(dump(asyncapi()))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.schemas", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("check", "write"), default="check",
                        help="check (the default): fail when a class no longer matches its golden file;"
                             " write: record new versions and regenerate asyncapi.json")
    command = parser.parse_args(argv).command
    if command == "write":
        for path in write():
            print(f"wrote {path}")
    found = problems()
    print("\n".join(found) or "schemas: golden files match the event classes")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
