"""What operators see of each request: one JSON line per request, faults as problems and one line, uvicorn's as JSON."""

import asyncio
import contextlib
import json
import logging

import httpx
import pytest
import structlog
import uvicorn

from devstack import free_port
from support.apps import serving
from support.builders import ticket_request
from support.suite import app_factory, settings_class

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _logging_left_as_found():
    """These tests log into capsys's stream, which closes after them: later tests must not write to it."""
    yield
    structlog.reset_defaults()
    root = logging.getLogger()
    root.handlers = [handler for handler in root.handlers if not getattr(handler, "kit_handler", False)]


def json_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def logging_settings(settings_for, **overrides):
    return settings_for(settings_class("tickets"), relay_enabled=False, log_json=True, log_level="info", **overrides)


async def test_each_request_is_one_json_line_with_route_status_duration_tenant_actor_and_correlation_id(
        settings_for, db, tokens, capsys):
    alice = tokens.headers("staff", sub="alice")
    async with serving(app_factory("tickets")(logging_settings(settings_for))) as client:
        capsys.readouterr()
        opened = await client.post("/tickets", json=ticket_request(), headers={**alice, "X-Correlation-ID": "req-42"})
        await client.get("/tickets/not-a-uuid", headers=alice)
        await client.get("/healthz")
    lines = [line for line in json_lines(capsys.readouterr().err) if line["event"] == "http_request"]
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/tickets", 201), ("GET", "/tickets/{ticket_id}", 422), ("GET", "/healthz", 200)]
    first = lines[0]
    assert (first["tenant"], first["actor"], first["correlation_id"]) == (tokens.tenant, "alice", "req-42")
    assert first["correlation_id"] == opened.headers["x-correlation-id"] and first["duration_ms"] > 0
    assert (lines[2]["tenant"], lines[2]["actor"]) == (None, None)
    assert len({line["correlation_id"] for line in lines}) == 3


async def test_a_fault_is_a_500_problem_with_the_correlation_id_and_one_json_line_with_the_traceback(
        settings_for, db, tokens, capsys):
    settings = logging_settings(settings_for)
    async with serving(app_factory("tickets")(settings)) as client:
        await db.execute(f'DROP TABLE "{settings.schema}".ticket_list CASCADE')  # the read model is gone
        capsys.readouterr()
        failed = await client.get("/tickets", headers={**tokens.headers("staff"), "X-Correlation-ID": "req-500"})
        after = await client.get("/healthz")
    assert (failed.status_code, failed.headers["content-type"]) == (500, PROBLEM)
    problem = failed.json()
    assert (problem["correlation_id"], problem["instance"]) == ("req-500", "/tickets")
    assert problem["type"] == "https://helpdesk.example/problems/internal-error"
    assert "ticket_list" not in failed.text  # the cause is for the log, not for the caller
    lines = [line for line in json_lines(capsys.readouterr().err) if line.get("correlation_id") == "req-500"]
    [line] = lines
    assert (line["event"], line["status"], line["route"], line["level"]) == ("http_request", 500, "/tickets", "error")
    assert "Traceback" in line["exception"] and "UndefinedTableError" in line["exception"]
    assert after.status_code == 200


@contextlib.asynccontextmanager
async def under_uvicorn(app_settings):
    """The app served by uvicorn on httptools, as `make run` and compose serve it, logging at warning."""
    port = free_port()
    config = uvicorn.Config(lambda: app_factory("tickets")(app_settings), factory=True, host="127.0.0.1", port=port,
                            http="httptools", log_level="warning", access_log=True)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        server.should_exit = True
        await task


async def test_under_uvicorn_big_headers_are_431_and_every_line_uvicorns_too_is_json(settings_for, db, tokens, capsys):
    async with under_uvicorn(logging_settings(settings_for)) as (url, port):
        async with httpx.AsyncClient(base_url=url) as client:
            huge = await client.get("/tickets", headers={"Authorization": f"Bearer {'a' * 100 * 1024}"})
            fine = await client.get("/tickets", headers={**tokens.headers("staff"), "X-Correlation-ID": "req-uv"})
        reader, writer = await asyncio.open_connection("127.0.0.1", port)  # uvicorn itself warns about this one
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await reader.read()
        writer.close()
    assert (huge.status_code, huge.headers["content-type"], fine.status_code) == (431, PROBLEM, 200)
    lines = json_lines(capsys.readouterr().err)  # json.loads fails the test on any line that is not JSON
    assert any(line.get("logger", "").startswith("uvicorn") and line["level"] == "warning" for line in lines)
    requests = [line for line in lines if line["event"] == "http_request"]
    assert [(line["status"], line["correlation_id"] == "req-uv") for line in requests] == [(431, False), (200, True)]
