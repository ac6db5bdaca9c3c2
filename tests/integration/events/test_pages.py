"""What the kit serves a browser page: the HTML under a strict content policy, the vendored libraries, the page's
configuration, and the API open to the suite's other pages (CORS) but to no other origin."""

import pytest

from support.apps import serving
from tickets.main import create_app
from tickets.settings import Settings

ASSETS = "http://127.0.0.1:8102"
STRANGER = "https://elsewhere.example"


@pytest.fixture
async def tickets(settings_for, db):
    settings = settings_for(Settings, relay_enabled=False, service_urls={"tickets": "", "assets": ASSETS})
    async with serving(create_app(settings)) as client:
        yield client


async def test_the_page_comes_with_its_libraries_and_may_call_only_the_suites_apis(tickets):
    page = await tickets.get("/desk")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and f"connect-src 'self' {ASSETS};" in policy
    assert "script-src" not in policy  # scripts from the service itself only: default-src 'self'
    for path in ("/static/vendor/chart.umd.min.js", "/static/vendor/pico.min.css", "/static/kit/session.js",
                 "/static/desk/desk.js"):
        assert (await tickets.get(path)).status_code == 200, path
    assert (await tickets.get("/desk/config.json")).json() == {
        "issuer": "helpdesk-dev", "client_id": "", "scope": "openid profile",
        "services": {"tickets": "", "assets": ASSETS},
    }


async def test_another_page_of_the_suite_may_call_the_api_with_a_token_and_read_the_version(tickets, tokens):
    preflight = await tickets.options("/tickets", headers={
        "Origin": ASSETS, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, if-match"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ASSETS
    listed = await tickets.get("/desk-policy", headers={"Origin": ASSETS, **tokens.headers("staff")})
    assert listed.headers["access-control-allow-origin"] == ASSETS
    assert "etag" in listed.headers["access-control-expose-headers"].lower()


async def test_a_page_elsewhere_is_refused_by_the_browser(tickets, tokens):
    preflight = await tickets.options("/tickets", headers={"Origin": STRANGER, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 400
    answered = await tickets.get("/desk-policy", headers={"Origin": STRANGER, **tokens.headers("staff")})
    assert "access-control-allow-origin" not in answered.headers  # the browser withholds the answer


async def test_with_an_oidc_client_the_page_signs_in_at_the_issuer(settings_for, db):
    settings = settings_for(Settings, relay_enabled=False, auth_issuer="https://login.city.example/realms/city",
                            oidc_client_id="helpdesk-pages")  # fmt: skip
    async with serving(create_app(settings)) as client:
        config = (await client.get("/desk/config.json")).json()
        policy = (await client.get("/desk")).headers["content-security-policy"]
    assert (config["issuer"], config["client_id"]) == ("https://login.city.example/realms/city", "helpdesk-pages")
    assert "connect-src 'self' https://login.city.example;" in policy


async def test_origins_named_in_cors_origins_stand_instead_of_the_suites(settings_for, db, tokens):
    portal = "https://portal.city.example"
    settings = settings_for(Settings, relay_enabled=False, service_urls={"assets": ASSETS}, cors_origins=[portal])
    async with serving(create_app(settings)) as client:
        allowed = await client.get("/desk-policy", headers={"Origin": portal, **tokens.headers("staff")})
        suite = await client.get("/desk-policy", headers={"Origin": ASSETS, **tokens.headers("staff")})
    assert allowed.headers["access-control-allow-origin"] == portal
    assert "access-control-allow-origin" not in suite.headers
