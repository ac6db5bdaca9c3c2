"""The edge of every service against real Postgres: request limits, NUL, malformed bodies, tokens, 5xx answers."""

import base64
import json
from uuid import uuid4

import pytest

from support.apps import serving
from support.builders import ticket_request
from support.suite import app_factory, settings_class, suite_of

PROBLEM = "application/problem+json"
NUL = "\u0000"


async def event_count(db, suite) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{suite.settings["tickets"].schema}".events')


def forged(header: dict) -> str:
    """A token with any header and payload, and a signature of nothing: it must be refused, whatever it names."""
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"sub": "mallory", "tenant": "t", "roles": ["manager"], "iss": "helpdesk-dev", "aud": "helpdesk",
              "exp": 9999999999}
    return f"{part(header)}.{part(claims)}.{base64.urlsafe_b64encode(b'x' * 64).rstrip(b'=').decode()}"


@pytest.fixture
async def both(settings_for, db):
    async with suite_of(settings_for, "tickets", "metrics", broker=False) as running_suite:
        yield running_suite


async def test_a_body_over_the_bound_is_refused_413_and_nothing_is_stored(desk, tokens, db):
    body = ticket_request(description="x" * (2 * 1024 * 1024))
    response = await desk.tickets.post("/tickets", json=body, headers=tokens.headers("staff"))
    assert (response.status_code, response.headers["content-type"]) == (413, PROBLEM)
    assert response.json()["type"].endswith("/content-too-large")
    assert await event_count(db, desk) == 0


async def test_a_streamed_body_over_the_bound_is_refused_413_before_authentication(desk, db):
    async def chunks():
        for _ in range(40):
            yield b"x" * 65536  # no Content-Length: the bytes are counted as they arrive

    response = await desk.tickets.post("/tickets", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert await event_count(db, desk) == 0


async def test_a_body_within_a_smaller_configured_bound_passes_and_one_over_it_does_not(settings_for, db, tokens):
    settings = settings_for(settings_class("tickets"), relay_enabled=False, max_body_bytes=600)
    async with serving(app_factory("tickets")(settings)) as client:
        small = await client.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))
        large = await client.post("/tickets", json=ticket_request(description="y" * 600),
                                  headers=tokens.headers("staff"))
    assert (small.status_code, large.status_code) == (201, 413)


async def test_headers_over_the_bound_are_refused_431_on_every_service(both, tokens):
    huge = {"Authorization": f"Bearer {'a' * 100 * 1024}"}
    for client, path in ((both.tickets, "/tickets"), (both.metrics, "/audit?entity_id=x")):
        response = await client.get(path, headers=huge)
        assert (response.status_code, response.headers["content-type"]) == (431, PROBLEM)
        assert response.json()["type"].endswith("/headers-too-large")


@pytest.mark.parametrize("field", ["subject", "description", "category"])
async def test_a_nul_in_a_body_string_is_a_422_naming_the_field_and_stores_nothing(desk, tokens, db, field):
    body = ticket_request(**{field: f"Printer{NUL}jam"})
    response = await desk.tickets.post("/tickets", json=body, headers=tokens.headers("staff"))
    assert response.status_code == 422
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [(field, "body")]
    assert await event_count(db, desk) == 0


async def test_a_nul_deep_in_a_body_or_in_a_key_is_named_by_its_path(desk, tokens):
    manager = tokens.headers("manager")
    policy = (await desk.tickets.get("/desk-policy", headers=manager)).json()
    policy["calendar"]["holidays"] = [{"date": "2026-12-25", "name": f"Christmas{NUL}"}]
    policy["category_targets"] = {f"hard{NUL}ware": {}}
    response = await desk.tickets.put("/desk-policy", json=policy, headers=manager)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"calendar.holidays.0.name",
                                                               "category_targets.hard\\u0000ware"}


async def test_nul_in_comments_assignees_and_requesters_is_refused_by_name(desk, tokens, db):
    tina = tokens.headers("technician", sub="tina")
    ticket = (await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff"))).json()
    tries = [
        (f"/tickets/{ticket['id']}/comments", {"body": f"a{NUL}b", "visibility": "public"}, "body"),
        (f"/tickets/{ticket['id']}/assign", {"assignee_id": f"t{NUL}", "group": "desk"}, "assignee_id"),
        ("/tickets", ticket_request(requester_id=f"bob{NUL}"), "requester_id"),
    ]
    for path, body, field in tries:
        response = await desk.tickets.post(path, json=body, headers=tina)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field), path
    assert await event_count(db, desk) == 1


@pytest.mark.parametrize(("service", "path", "field"), [
    ("tickets", "/queue?q=printer%00jam", "q"),
    ("tickets", "/queue?group=desk%00", "group"),
    ("tickets", "/work-orders?assignee=%00", "assignee"),
    ("metrics", "/audit?entity_id=ticket%00", "entity_id"),
])
async def test_a_nul_in_a_query_parameter_is_a_422_naming_it(both, tokens, service, path, field):
    response = await both.clients[service].get(path, headers=tokens.headers("manager"))
    assert response.status_code == 422
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [(field, "query")]


async def test_a_nul_in_a_path_parameter_is_a_422_naming_it(desk, tokens):
    response = await desk.tickets.get("/tickets/abc%00def", headers=tokens.headers("manager"))
    assert response.status_code == 422
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [("ticket_id", "path")]


async def test_malformed_json_is_a_400_naming_the_position(desk, tokens):
    response = await desk.tickets.post("/tickets", content=b'{"subject": "x",\n "description" "y"}',
                                       headers={**tokens.headers("staff"), "Content-Type": "application/json"})
    problem = response.json()
    assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM)
    assert problem["type"].endswith("/malformed-json")
    [where] = problem["errors"]
    assert (where["field"], where["line"], where["column"], where["position"]) == ("body", 2, 16, 32)
    assert "line 2, column 16" in problem["detail"]


async def test_a_body_that_is_not_json_is_a_415_and_a_missing_body_still_a_422(desk, tokens, db):
    staff = tokens.headers("staff")
    text = await desk.tickets.post("/tickets", content=b"subject=x", headers={**staff, "Content-Type": "text/plain"})
    form = await desk.tickets.post("/tickets", data={"subject": "x"}, headers=staff)
    missing = await desk.tickets.post("/tickets", headers=staff)
    assert (text.status_code, form.status_code, missing.status_code) == (415, 415, 422)
    assert text.json()["type"].endswith("/unsupported-media-type")
    assert await event_count(db, desk) == 0


@pytest.mark.parametrize("header", [{"alg": "RS256"}, {"alg": "RS256", "typ": "JWT"}, {"alg": "HS256"},
                                    {"alg": "ES256", "kid": ["x"]}, {"alg": "none"}])
async def test_a_token_that_does_not_verify_is_a_401_on_every_service(both, header):
    token = {"Authorization": f"Bearer {forged(header)}"}
    for client, path in ((both.tickets, "/tickets"), (both.metrics, "/audit?entity_id=x")):
        response = await client.get(path, headers=token)
        assert (response.status_code, response.headers["content-type"]) == (401, PROBLEM), (path, response.text)


async def test_a_token_living_longer_than_the_cap_is_a_401(desk, tokens):
    century = {"Authorization": f"Bearer {tokens('staff', ttl_seconds=100 * 365 * 86400)}"}
    assert (await desk.tickets.get("/tickets", headers=century)).status_code == 401
    assert (await desk.tickets.get("/tickets", headers=tokens.headers("staff"))).status_code == 200


async def test_every_problem_names_its_kind_as_a_uri_and_the_request_as_its_instance(desk, tokens):
    ticket_id = str(uuid4())
    answers = {
        401: await desk.tickets.get("/tickets"),
        403: await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("reporting")),
        404: await desk.tickets.get(f"/tickets/{ticket_id}", headers=tokens.headers("manager")),
        405: await desk.tickets.delete("/tickets", headers=tokens.headers("manager")),
        422: await desk.tickets.post("/tickets", json={}, headers=tokens.headers("staff")),
    }
    kinds = {status: answer.json()["type"].removeprefix("https://helpdesk.example/problems/")
             for status, answer in answers.items()}
    assert kinds == {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
                     422: "invalid-input"}
    assert answers[404].json()["instance"] == f"/tickets/{ticket_id}"
    assert {answer.json()["instance"] for status, answer in answers.items() if status != 404} == {"/tickets"}
    assert all(answer.json()["title"] and answer.json()["status"] == status for status, answer in answers.items())
