"""The knowledge base over REST against real Postgres: French and English full-text search, drafts, versions,
retirement, helpful marks, tenants, staff searches and the deflections they count, an article named by a resolution."""

from datetime import timedelta
from itertools import count
from uuid import uuid4

import pytest

from events.consumer import Outcome
from events.db import migrate_pool
from events.envelope import Context, Envelope, utcnow, wrap
from support import records
from support.apps import ok
from support.builders import opened, ticket_request
from support.suite import suite_of
from training import knowledge, ticket_reactions, worker
from training.settings import Settings

OFFSETS = count()

FRENCH = {
    "kind": "how_to",
    "title": "Ajouter une imprimante réseau",
    "body": "Les imprimantes du 3e étage s'ajoutent depuis Paramètres, puis Bluetooth et appareils.",
    "language": "fr",
    "tags": ["Impression"],
    "technology": "Windows 11",
}
ENGLISH = {
    "kind": "how_to",
    "title": "Add a network printer",
    "body": "Printers on the third floor are added from Settings, then Bluetooth and devices.",
    "language": "en",
    "tags": ["printing"],
    "technology": "Windows 11",
}


@pytest.fixture
async def training(settings_for, db):
    """The training service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "training", broker=False) as running_suite:
        yield running_suite


async def draft(client, headers, **overrides) -> dict:
    return await ok(await client.post("/articles", json={**ENGLISH, **overrides}, headers=headers), 201)


async def published(client, headers, **overrides) -> dict:
    article = await draft(client, headers, **overrides)
    return await ok(await client.post(f"/articles/{article['id']}/publish", headers=headers))


async def found(client, headers, **params) -> list[dict]:
    return (await ok(await client.get("/articles", params=params, headers=headers)))["items"]


def titles(items: list[dict]) -> list[str]:
    return [item["title"] for item in items]


async def test_french_words_find_french_articles_and_english_words_english_ones(training, tokens):
    client, tom, staff = training.training, tokens.headers("technician"), tokens.headers("staff")
    french, english = await published(client, tom, **FRENCH), await published(client, tom)

    [hit] = await found(client, staff, q="imprimante")  # the French stem: "imprimantes" in the body
    assert (hit["id"], hit["language"], hit["rank"] > 0) == (french["id"], "fr", True)
    assert "**imprimantes**" in hit["headline"]
    assert titles(await found(client, staff, q="reseau")) == [french["title"]]  # accents aside
    assert titles(await found(client, staff, q="étages")) == [french["title"]]
    [hit] = await found(client, staff, q="printer")  # "Printers", by the English stemmer
    assert hit["id"] == english["id"] and "**Printers**" in hit["headline"]
    assert titles(await found(client, staff, q="adding printers")) == [english["title"]]
    assert await found(client, staff, q="printer", language="fr") == []
    assert await found(client, staff, q="imprimante", language="en") == []
    assert titles(await found(client, staff, q="windows", language="fr")) == [french["title"]]


async def test_the_best_match_comes_first_a_word_in_the_title_before_one_in_the_text(training, tokens):
    client, tom = training.training, tokens.headers("technician")
    in_body = await published(client, tom, title="Laptop docking", body="Plug the dock, then the VPN starts.")
    in_title = await published(client, tom, title="VPN does not connect", body="Restart the client.", tags=["vpn"])
    assert [a["id"] for a in await found(client, tokens.headers("staff"), q="vpn")] == [in_title["id"], in_body["id"]]
    assert await found(client, tokens.headers("staff"), q="printer") == []


async def test_staff_read_published_articles_and_technicians_also_drafts(training, tokens):
    client, tom, staff = training.training, tokens.headers("technician"), tokens.headers("staff")
    drafted = await draft(client, tom, title="Printer driver for the plotter")
    live = await published(client, tom)
    assert titles(await found(client, staff, q="printer")) == [live["title"]]
    assert {(a["id"], a["status"]) for a in await found(client, tom, q="printer")} == {
        (drafted["id"], "draft"),
        (live["id"], "published"),
    }
    assert (await client.get(f"/articles/{drafted['id']}", headers=staff)).status_code == 404
    assert (await client.get(f"/articles/{drafted['id']}", headers=tokens.headers("auditor"))).status_code == 200
    listed = await ok(await client.get("/articles", headers=staff))
    assert (listed["total"], titles(listed["items"])) == (1, [live["title"]])
    drafts = await client.get("/articles", params={"status": "draft"}, headers=staff)
    assert (drafts.status_code, drafts.json()["rule"]) == (403, "Forbidden")


async def test_each_publication_is_a_new_version_staff_read_and_every_version_is_kept(training, tokens):
    client, tom, ann, staff = (
        training.training,
        tokens.headers("technician", sub="tom"),
        tokens.headers("manager", sub="ann"),
        tokens.headers("staff"),
    )
    article = await published(client, tom)
    etag = (await client.get(f"/articles/{article['id']}", headers=tom)).headers["ETag"]
    revision = {**ENGLISH, "body": "Printers now install by themselves from the print portal."}
    revised = await ok(await client.put(f"/articles/{article['id']}", json=revision, headers={**ann, "If-Match": etag}))
    assert (revised["revision"], revised["published_version"], revised["unpublished_changes"]) == (2, 1, True)
    stale = await client.put(f"/articles/{article['id']}", json=ENGLISH, headers={**tom, "If-Match": etag})
    assert stale.status_code == 412
    read = await ok(await client.get(f"/articles/{article['id']}", headers=staff))
    assert (read["published_version"], read["body"]) == (1, ENGLISH["body"])  # staff still read version 1
    again = await client.put(f"/articles/{article['id']}", json=revision, headers=tom)
    assert (again.status_code, again.json()["rule"]) == (409, "RevisionChangesNothing")

    republished = await ok(await client.post(f"/articles/{article['id']}/publish", headers=ann))
    assert (republished["published_version"], republished["unpublished_changes"]) == (2, False)
    assert (await ok(await client.get(f"/articles/{article['id']}", headers=staff)))["body"] == revision["body"]
    nothing_new = await client.post(f"/articles/{article['id']}/publish", headers=ann)
    assert (nothing_new.status_code, nothing_new.json()["rule"]) == (409, "NothingNewToPublish")
    versions = await ok(await client.get(f"/articles/{article['id']}/versions", headers=tokens.headers("auditor")))
    assert [(v["version"], v["revision"], v["published_by"], v["body"]) for v in versions] == [
        (1, 1, "tom", ENGLISH["body"]),
        (2, 2, "ann", revision["body"]),
    ]


async def test_a_retired_article_is_no_longer_found_by_staff_but_its_history_stays(training, tokens):
    client, tom, staff = training.training, tokens.headers("technician"), tokens.headers("staff")
    article = await published(client, tom)
    retired = await ok(
        await client.post(f"/articles/{article['id']}/retire", json={"reason": "New printers"}, headers=tom)
    )
    assert retired["status"] == "retired" and retired["retired_at"]
    assert await found(client, staff, q="printer") == []
    assert (await client.get(f"/articles/{article['id']}", headers=staff)).status_code == 404
    assert await found(client, tom, q="printer") == []  # the desk's list leaves retired ones out, unless asked
    assert titles(await found(client, tom, q="printer", status="retired")) == [ENGLISH["title"]]
    assert len(await ok(await client.get(f"/articles/{article['id']}/versions", headers=tom))) == 1
    refused = await client.post(f"/articles/{article['id']}/publish", headers=tom)
    assert (refused.status_code, refused.json()["rule"]) == (409, "ArticleIsRetired")


async def test_a_person_marks_an_article_helpful_once(training, tokens):
    client, tom = training.training, tokens.headers("technician")
    article, drafted = await published(client, tom), await draft(client, tom)
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("staff", sub="bob")
    assert (await ok(await client.post(f"/articles/{article['id']}/helpful", headers=alice)))["helpful"] == 1
    twice = await client.post(f"/articles/{article['id']}/helpful", headers=alice)
    assert (twice.status_code, twice.json()["rule"]) == (409, "AlreadyMarkedHelpful")
    assert (await ok(await client.post(f"/articles/{article['id']}/helpful", headers=bob)))["helpful"] == 2
    assert (await client.post(f"/articles/{drafted['id']}/helpful", headers=bob)).status_code == 404
    assert (await client.post(f"/articles/{article['id']}/helpful", headers=tom)).status_code == 403
    [hit] = await found(client, alice, q="printer")
    assert hit["helpful"] == 2
    assert (await ok(await client.get(f"/articles/{article['id']}", headers=tom)))["helpful"] == 2


async def test_bad_articles_are_refused_by_field_and_nothing_is_written(training, tokens, db):
    client, tom = training.training, tokens.headers("technician")

    async def field_of(body: dict) -> str:
        response = await client.post("/articles", json=body, headers=tom)
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]["field"]

    assert await field_of({**ENGLISH, "kind": "known_problem"}) == "workaround"
    assert await field_of({**ENGLISH, "workaround": "Reboot"}) == "workaround"
    assert await field_of({**ENGLISH, "language": "de"}) == "language"
    assert await field_of({**ENGLISH, "tags": ["vpn", "VPN"]}) == "tags"
    assert await field_of({**ENGLISH, "title": ""}) == "title"
    schema = training.settings["training"].schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 0
    problem = await draft(client, tom, kind="known_problem", workaround="Print to PDF, then print the PDF.")
    assert (problem["kind"], problem["workaround"]) == ("known_problem", "Print to PDF, then print the PDF.")
    assert (await client.post("/articles", json=ENGLISH, headers=tokens.headers("staff"))).status_code == 403


async def test_another_tenant_finds_nothing_and_changes_nothing(training, tokens):
    client, tom = training.training, tokens.headers("technician")
    article = await published(client, tom)
    stranger = tokens.headers("manager", tenant="another-city")
    assert await found(client, stranger, q="printer") == []
    assert await found(client, tokens.headers("staff", tenant="another-city"), q="printer") == []
    assert (await client.get(f"/articles/{article['id']}", headers=stranger)).status_code == 404
    assert (await client.put(f"/articles/{article['id']}", json=FRENCH, headers=stranger)).status_code == 404
    assert (
        await client.post(f"/articles/{article['id']}/retire", json={"reason": "x"}, headers=stranger)
    ).status_code == 404
    assert (await client.get(f"/articles/{article['id']}/versions", headers=stranger)).status_code == 404
    assert titles(await found(client, tokens.headers("staff"), q="printer")) == [ENGLISH["title"]]


# ---------------------------------------------------------------------------------------------- deflections


@pytest.fixture
async def consumer(pool_for, settings_for, training):
    """The worker's pool: the service's schema with the consumer's tables, as `python -m training.worker` has it."""
    pool = await pool_for("training")
    await migrate_pool(pool, settings_for(Settings).schema, worker.MIGRATIONS)
    return pool


async def ticket_opened(pool, tenant: str, **fields) -> None:
    """A ticket as `tickets.ticket_opened` brings it, through the consumer's dedupe and the training.requests group."""
    envelope: Envelope = wrap(
        opened(**fields),
        stream_id=str(uuid4()),
        stream_version=1,
        ctx=Context(tenant=tenant, actor="desk", correlation_id="req-1"),
    )
    outcome = await records.deliver(pool, ticket_reactions.GROUP, ticket_reactions.projection, envelope,
                                    "tickets.events")
    assert outcome is Outcome.APPLIED


async def test_a_staff_search_no_ticket_of_theirs_follows_within_the_hour_is_a_deflection(training, consumer, tokens):
    client, tom = training.training, tokens.headers("technician")
    await published(client, tom, **FRENCH)
    await ticket_opened(consumer, tokens.tenant, requester_id="alice", at=utcnow() - timedelta(minutes=5))  # before
    for person, q in (("alice", "imprimante"), ("bob", "vpn"), ("carol", "imprimante")):
        await found(client, tokens.headers("staff", sub=person), q=q)
    await found(client, tom, q="imprimante")  # the desk's searches deflect nothing: not recorded
    await found(client, tokens.headers("staff", sub="dave"))  # a list without words is no search
    searched_at = utcnow()
    await ticket_opened(consumer, tokens.tenant, requester_id="bob", at=searched_at + timedelta(minutes=10))
    await ticket_opened(consumer, tokens.tenant, requester_id="carol", at=searched_at + timedelta(minutes=61))
    await ticket_opened(consumer, "another-city", requester_id="alice", at=searched_at + timedelta(minutes=10))

    just_now = await ok(await client.get("/knowledge/deflections", headers=tokens.headers("manager")))
    assert (just_now["searches"], just_now["deflections"], just_now["pending"], just_now["rate"]) == (0, 0, 3, None)
    async with consumer.acquire() as conn:
        later = await knowledge.deflections(
            conn, tokens.tenant, searched_at.date(), searched_at.date(), searched_at + timedelta(hours=2)
        )
    assert (later["searches"], later["deflections"], later["without_results"], later["pending"]) == (3, 2, 1, 0)
    assert later["rate"] == 0.6667  # alice and carol were helped; bob opened a ticket ten minutes after
    elsewhere = await ok(
        await client.get("/knowledge/deflections", headers=tokens.headers("auditor", tenant="another-city"))
    )
    assert elsewhere["pending"] == 0
    backwards = await client.get(
        "/knowledge/deflections", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=tokens.headers("manager")
    )
    assert (backwards.status_code, backwards.json()["errors"][0]["field"]) == (422, "from")


async def test_a_ticket_resolution_names_the_article_that_answers_it(settings_for, db, tokens):
    async with suite_of(settings_for, "tickets", "training", broker=False) as suite:
        tom = tokens.headers("technician")
        article = await published(suite.training, tom)
        ticket = await ok(
            await suite.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff")), 201
        )
        resolution = {"resolution_code": "user_guidance", "note": "See the article", "article_id": article["id"]}
        resolved = await ok(await suite.tickets.post(f"/tickets/{ticket['id']}/resolve", json=resolution, headers=tom))
        [entry] = [e for e in resolved["history"] if e["type"] == "tickets.ticket_resolved"]
        assert (resolved["status"], entry["data"]["article_id"]) == ("resolved", article["id"])
