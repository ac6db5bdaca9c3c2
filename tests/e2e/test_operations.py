"""What operators rely on: health, readiness, Prometheus metrics, and correlation ids from HTTP into consumer logs."""

import json

from events.consumer import process_record
from events.logging import configure_logging
from support.apps import eventually
from support.builders import ticket_request
from support.kafka import read_topic


async def test_every_service_answers_health_readiness_and_metrics_without_a_token(suite):
    for client in (suite.tickets, suite.metrics):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        await client.get("/tickets")
        exposition = (await client.get("/metrics")).text
        assert "http_request_duration_seconds_bucket" in exposition


async def test_the_relay_reports_running_once_it_reaches_the_broker(suite):
    async def relay_running():
        return (await suite.tickets.get("/readyz")).json()["relay"]["running"]

    assert await eventually(relay_running)


async def test_the_correlation_id_of_a_request_reaches_the_consumer_log_lines(suite, tokens, db, capsys):
    headers = {**tokens.headers("staff"), "X-Correlation-ID": "req-7f3a"}
    response = await suite.tickets.post("/tickets", json=ticket_request(), headers=headers)
    assert response.headers["x-correlation-id"] == "req-7f3a"
    [record] = await read_topic(suite.settings["tickets"], suite.settings["tickets"].topic("tickets"), 1)

    async def handler(conn, envelope):
        import structlog

        structlog.get_logger().info("handled_in_test")

    configure_logging("metrics", "info", as_json=True)
    capsys.readouterr()
    await process_record(suite.apps["metrics"].state.pool, "test.correlation", record, handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    [handled] = [line for line in lines if line["event"] == "handled_in_test"]
    assert (handled["correlation_id"], handled["service"]) == ("req-7f3a", "metrics")
