"""The AsyncAPI document as the official parser (npm @asyncapi/parser) reads it: no error, no warning."""

import json
import shutil
import subprocess
from pathlib import Path

from events.schemas import ASYNCAPI_PATH, asyncapi

VALIDATOR = Path(__file__).resolve().parents[2] / "support" / "asyncapi" / "validate.mjs"


def parse(document_path: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "node is needed: the AsyncAPI parser is an npm package (make test installs it)"
    assert (VALIDATOR.parent / "node_modules").is_dir(), "run `make test` (it runs npm ci for the parser)"
    return subprocess.run([node, str(VALIDATOR), str(document_path)], capture_output=True, text=True, timeout=60)


def test_the_published_asyncapi_document_parses_without_errors_or_warnings():
    result = parse(ASYNCAPI_PATH)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_message_is_sent_by_a_relay_and_received_by_the_projector_keyed_by_stream_id():
    document = asyncapi()
    sent = {m["$ref"].rsplit("/", 1)[1] for op in document["operations"].values() if op["action"] == "send"
            for m in op["messages"]}
    received = {m["$ref"].rsplit("/", 1)[1] for op in document["operations"].values() if op["action"] == "receive"
                for m in op["messages"]}
    assert sent == received == set(document["components"]["messages"])
    assert {m["bindings"]["kafka"]["key"]["type"] for m in document["components"]["messages"].values()} == {"string"}


def test_a_document_with_a_dangling_reference_is_rejected(tmp_path):
    document = asyncapi()
    message = next(iter(document["components"]["messages"].values()))
    message["payload"]["allOf"][1]["properties"]["data"]["$ref"] = "#/components/schemas/NoSuchSchema"
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(document))
    result = parse(broken)
    assert result.returncode == 1 and "invalid-ref" in result.stdout
