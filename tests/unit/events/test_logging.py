"""JSON logs: the kit's lines, uvicorn's and other libraries' are one JSON object per line, with the context."""

import json
import logging

import pytest
import structlog

from events.logging import configure_logging


@pytest.fixture(autouse=True)
def _logging_left_as_found():
    """These tests log into capsys's stream, which closes after them: later tests must not write to it."""
    yield
    structlog.reset_defaults()
    root = logging.getLogger()
    root.handlers = [handler for handler in root.handlers if not getattr(handler, "kit_handler", False)]


def lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_uvicorns_lines_are_json_and_carry_the_correlation_id_of_the_request(capsys):
    configure_logging("tickets", "info", as_json=True)
    with structlog.contextvars.bound_contextvars(correlation_id="req-9"):
        logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
        structlog.get_logger().info("handled")
    [uvicorn_line, kit_line] = lines(capsys.readouterr().err)
    assert (uvicorn_line["logger"], uvicorn_line["level"], uvicorn_line["correlation_id"]) == (
        "uvicorn.error", "warning", "req-9")
    assert (kit_line["event"], kit_line["service"], kit_line["correlation_id"]) == ("handled", "tickets", "req-9")


def test_a_traceback_from_a_library_is_one_json_line(capsys):
    configure_logging("metrics", "info", as_json=True)
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("aiokafka").exception("fetch failed")
    [line] = lines(capsys.readouterr().err)
    assert line["service"] == "metrics" and "KeyError" in line["exception"]


def test_configuring_twice_installs_one_handler_and_uvicorns_access_log_is_left_to_the_request_line(capsys):
    configure_logging("tickets", "info", as_json=True)
    configure_logging("tickets", "info", as_json=True)
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /tickets HTTP/1.1" 200')
    logging.getLogger("uvicorn.error").error("once")
    assert [line["event"] for line in lines(capsys.readouterr().err)] == ["once"]
