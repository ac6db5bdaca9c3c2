"""Every operation of every service, fuzzed by schemathesis with a token of each role: no server error, no
status, header or body the OpenAPI document does not declare."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack import free_port
from events.contracts import SERVICES
from support.apps import Tokens
from support.suite import app_factory, settings_class

ROLES = ("staff", "technician", "manager", "auditor", "reporting")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Bounded so the whole run stays within the suite's budget; a run before a release may raise it.
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "25"))


def operations_of(service: str) -> list[tuple[str, str, str]]:
    """(service, method, path) of every operation the service's OpenAPI document declares."""
    app = app_factory(service)(settings_class(service)(auth_key="unused"))
    return [(service, method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item]


OPERATIONS = [operation for service in SERVICES for operation in operations_of(service)]
FUZZED = sorted({service for service, _, _ in OPERATIONS})


@pytest.fixture(scope="module")
def servers(stack, signing_key) -> Iterator[dict[str, str]]:
    """Each service served by uvicorn as in production, on the test database, relay off (no broker needed)."""
    namespace = f"c{os.getpid()}"
    started, urls = [], {}
    for service in FUZZED:
        port = free_port(21000 + len(urls) * 10)
        env = {**os.environ, "DATABASE_URL": stack.database_url, "DB_SCHEMA": f"{namespace}_{service}",
               "RELAY_ENABLED": "false", "AUTH_KEY": signing_key[1], "LOG_LEVEL": "error", "SLA_SCAN_SECONDS": "3600"}
        started.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"{service}.main:create_app", "--port", str(port),
             "--log-level", "error"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls[service] = f"http://127.0.0.1:{port}"
    try:
        for url in urls.values():
            _wait_ready(url)
        yield urls
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(10)


def _wait_ready(url: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a server that is starting: the condition is its readiness, with a deadline
    raise AssertionError(f"{url} not ready after {within}s")


@pytest.fixture(scope="module")
def role_headers(signing_key) -> dict[str, dict[str, str]]:
    tokens = Tokens(signing_key[0], tenant="contract-city")
    return {role: tokens.headers(role, sub=f"{role}-1") for role in ROLES}


def fuzz(operation, base_url: str, role_headers: dict[str, dict[str, str]], mode: GenerationMode) -> list[str]:
    """The failures of one operation under `mode` (positive or negative data), each role drawn per example."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case, role):
        try:
            case.call_and_validate(base_url=base_url, headers=role_headers[role], checks=CHECKS)
        except FailureGroup as group:  # every failing check of the call, each with a curl line to reproduce it
            failures.extend(f"{operation.label} as {role} ({mode}): {failure}\n  {case.as_curl_command()}"
                            for failure in group.exceptions)

    run()
    return failures


@pytest.fixture(scope="module")
def schemas(servers) -> dict[str, BaseSchema]:
    """Each service's OpenAPI document as it serves it."""
    return {service: schemathesis.openapi.from_url(f"{url}/openapi.json") for service, url in servers.items()}


@pytest.mark.parametrize(("service", "method", "path"), OPERATIONS, ids=[" ".join(op) for op in OPERATIONS])
def test_every_operation_answers_as_its_openapi_document_says_for_every_role(service, method, path, servers, schemas,
                                                                             role_headers):
    operation = schemas[service][path][method]
    failures = [failure for mode in GenerationMode for failure in fuzz(operation, servers[service], role_headers, mode)]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])
