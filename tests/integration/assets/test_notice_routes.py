"""Notices over REST against real Postgres and a real local SMTP server: sent, mailed, read and acknowledged by
their addressee alone, in their tenant alone; a mail the server refuses is sent on a later pass."""

from datetime import timedelta
from uuid import uuid4

import pytest

from assets import notice_reactions, notices
from assets.main import create_app
from assets.settings import Settings
from events.contracts.accounts import AccountLocked
from events.contracts.security import AdvisoryExposureAssessed
from events.envelope import Context, utcnow, wrap
from support.apps import eventually, ok, serving
from support.mailbox import running_mailbox


@pytest.fixture
def mailbox():
    with running_mailbox() as box:
        yield box


@pytest.fixture
async def inventory(settings_for, db, mailbox):
    """The assets service alone, its relay off, sending its mail to the test's own SMTP server."""
    settings = settings_for(
        Settings,
        relay_enabled=False,
        smtp_host=mailbox.host,
        smtp_port=mailbox.port,
        mail_scan_seconds=0.1,
        mail_from="desk@city.example",
    )
    app = create_app(settings)
    async with serving(app) as client:
        client.app = app
        yield client


async def account_for(client, tokens, person_id: str, email: str | None, tenant: str | None = None) -> dict:
    body = {"username": f"{person_id}-{uuid4().hex[:6]}", "person_id": person_id, "email": email}
    return await ok(await client.post("/accounts", json=body, headers=tokens.headers("technician", tenant=tenant)), 201)


async def send(client, tokens, people: list[str], subject: str = "Server room closed Friday", **overrides):
    body = {"person_ids": people, "subject": subject, "body": "The server room is closed on Friday.", **overrides}
    return await client.post("/notices", json=body, headers=tokens.headers("manager", sub="mona"))


async def mine(client, tokens, person: str, tenant: str | None = None, **params) -> dict:
    return await ok(
        await client.get("/me/notices", params=params, headers=tokens.headers("staff", sub=person, tenant=tenant))
    )


async def test_a_notice_is_mailed_to_the_persons_address_and_read_from_the_smtp_server(inventory, tokens, mailbox):
    await account_for(inventory, tokens, "alice", "alice@city.example")
    sent = await ok(await send(inventory, tokens, ["alice", "bob"]), 201)
    assert [(n["person_id"], n["mail_status"]) for n in sent["notices"]] == [("alice", "queued"), ("bob", "none")]

    async def alices_mail():
        return mailbox.to("alice@city.example")

    [mail] = await eventually(alices_mail, within=10)
    assert (mail["Subject"], mail["From"]) == ("Server room closed Friday", "desk@city.example")
    assert "The server room is closed on Friday." in mail.get_content()
    assert mail["X-Helpdesk-Reference"] == sent["notices"][0]["id"]

    async def mailed():
        found = await mine(inventory, tokens, "alice")
        return found if found["items"][0]["mail_status"] == "sent" else None

    listed = await eventually(mailed, within=10)
    [notice] = listed["items"]
    assert (listed["total"], listed["unread"], notice["kind"], notice["mailed_at"] is not None) == (
        1,
        1,
        "message",
        True,
    )
    bobs = await mine(inventory, tokens, "bob")
    assert [(n["subject"], n["mail_status"]) for n in bobs["items"]] == [("Server room closed Friday", "none")]
    assert [recipients for recipients, _ in mailbox.received] == [["alice@city.example"]]


async def test_the_addressee_acknowledges_once_and_nobody_else_can_read_or_acknowledge_it(inventory, tokens):
    [notice] = (await ok(await send(inventory, tokens, ["alice"]), 201))["notices"]
    alice, bob = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="bob")
    assert (await mine(inventory, tokens, "bob"))["total"] == 0
    assert (await inventory.get(f"/me/notices/{notice['id']}", headers=bob)).status_code == 404
    assert (await inventory.post(f"/me/notices/{notice['id']}/acknowledge", headers=bob)).status_code == 404

    read = await inventory.get(f"/me/notices/{notice['id']}", headers=alice)
    assert (read.status_code, read.headers["ETag"]) == (200, '"1"')
    done = await ok(await inventory.post(f"/me/notices/{notice['id']}/acknowledge", headers=alice))
    assert done["acknowledged_at"] is not None and done["version"] == 2
    again = await inventory.post(f"/me/notices/{notice['id']}/acknowledge", headers=alice)
    assert (again.status_code, again.json()["rule"]) == (409, "NoticeAlreadyAcknowledged")
    listed = await mine(inventory, tokens, "alice")
    assert (listed["unread"], listed["items"][0]["acknowledged_at"]) == (0, done["acknowledged_at"])


async def test_a_person_of_the_same_id_in_another_tenant_sees_nothing_and_gets_no_mail(inventory, tokens, mailbox):
    await account_for(inventory, tokens, "alice", "alice@city.example")
    [notice] = (await ok(await send(inventory, tokens, ["alice"]), 201))["notices"]
    elsewhere = tokens.headers("staff", sub="alice", tenant="another-city")
    assert (await mine(inventory, tokens, "alice", tenant="another-city"))["total"] == 0
    assert (await inventory.get(f"/me/notices/{notice['id']}", headers=elsewhere)).status_code == 404
    assert (await inventory.post(f"/me/notices/{notice['id']}/acknowledge", headers=elsewhere)).status_code == 404
    other = tokens.headers("manager", tenant="another-city")
    [theirs] = (
        await ok(
            await inventory.post(
                "/notices", json={"person_ids": ["alice"], "subject": "Hello", "body": "Elsewhere."}, headers=other
            ),
            201,
        )
    )["notices"]
    assert theirs["mail_status"] == "none"  # alice's address is on file in the first tenant only


async def test_unread_notices_are_listed_newest_first_and_paged_with_their_total(inventory, tokens):
    for subject in ("First", "Second", "Third"):
        await ok(await send(inventory, tokens, ["alice"], subject=subject), 201)
    listed = await mine(inventory, tokens, "alice", limit=2)
    assert ([n["subject"] for n in listed["items"]], listed["total"]) == (["Third", "Second"], 3)
    third = listed["items"][0]["id"]
    await ok(await inventory.post(f"/me/notices/{third}/acknowledge", headers=tokens.headers("staff", sub="alice")))
    unread = await mine(inventory, tokens, "alice", unread="true")
    assert ([n["subject"] for n in unread["items"]], unread["total"], unread["unread"]) == (["Second", "First"], 2, 2)


async def test_a_mail_the_server_refuses_stays_queued_and_is_sent_on_a_later_pass(inventory, tokens, mailbox, db):
    await account_for(inventory, tokens, "alice", "alice@city.example")
    mailbox.refusing = True
    [notice] = (await ok(await send(inventory, tokens, ["alice"]), 201))["notices"]
    outbox = f'"{inventory.app.state.settings.schema}".mail_outbox'

    async def failed_once():
        return await db.fetchrow(
            f"SELECT attempts, last_error, next_attempt_at FROM {outbox} WHERE notice_id = $1 AND attempts > 0",
            notice["id"],
        )

    failure = await eventually(failed_once, within=10)
    assert (
        "451" in failure["last_error"]
        and (await mine(inventory, tokens, "alice"))["items"][0]["mail_status"] == "queued"
    )
    mailbox.refusing = False
    later = failure["next_attempt_at"] + timedelta(seconds=1)
    pool, settings = inventory.app.state.pool, inventory.app.state.settings
    assert later > utcnow() and await notices.send_due_mail(pool, settings, later) == 1
    assert len(mailbox.to("alice@city.example")) == 1
    assert (await mine(inventory, tokens, "alice"))["items"][0]["mail_status"] == "sent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person_ids": ["alice", "alice"], "subject": "Hi", "body": "Twice"}, "person_ids"),
        ({"person_ids": [], "subject": "Hi", "body": "Nobody"}, "person_ids"),
        ({"person_ids": ["alice"], "subject": "", "body": "No subject"}, "subject"),
        ({"person_ids": ["alice"], "subject": "Hi\nBcc: all@city.example", "body": "A header in it"}, "subject"),
        ({"person_ids": ["alice"], "subject": "Hi", "body": "x" * 5_001}, "body"),
        ({"person_ids": ["not a user id"], "subject": "Hi", "body": "Bad id"}, "person_ids.0"),
    ],
)
async def test_a_notice_with_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    inventory, tokens, body, field
):
    refused = await inventory.post("/notices", json=body, headers=tokens.headers("manager"))
    assert refused.status_code == 422 and field in [e["field"] for e in refused.json()["errors"]], refused.text
    assert (await mine(inventory, tokens, "alice"))["total"] == 0


def delivered(event, tenant: str):
    """The event as the worker gets it from Kafka: in its envelope, from a technician's command."""
    return wrap(event, stream_id=str(uuid4()), stream_version=1, ctx=Context(tenant, "tom", "corr-1"))


async def apply_twice(pool, envelope) -> None:
    """A redelivery that gets past the consumer's dedupe (a republished store into a rebuilt group, say)."""
    async with pool.acquire() as conn:
        for _ in range(2):
            async with conn.transaction():
                await notice_reactions.projection.apply(conn, envelope)


async def test_a_redelivered_cause_gives_no_second_notice_nor_mail(inventory, tokens, mailbox):
    account = await account_for(inventory, tokens, "alice", "alice@city.example")
    locked = AccountLocked(at=utcnow(), account_id=account["id"], person_id="alice", reason="suspected phishing")
    await apply_twice(inventory.app.state.pool, delivered(locked, tokens.tenant))
    [notice] = (await mine(inventory, tokens, "alice"))["items"]
    assert (notice["kind"], notice["subject"]) == ("account_status", "Your network account was locked")

    async def mailed():
        return mailbox.to("alice@city.example")

    await eventually(mailed, within=10)
    assert len(mailbox.to("alice@city.example")) == 1


async def test_an_advisory_tells_each_exposed_person_once_however_often_its_exposure_is_assessed(inventory, tokens):
    advisory, now = uuid4(), utcnow()
    assessed = dict(
        advisory_id=advisory,
        at=now,
        device_ids=[],
        window_start=now - timedelta(days=30),
        severity="high",
        title="VPN gateway credential leak",
    )
    first = AdvisoryExposureAssessed(**assessed, people=["alice", "bob", "alice"])
    again = AdvisoryExposureAssessed(**assessed, people=["alice", "carol"])
    await apply_twice(inventory.app.state.pool, delivered(first, tokens.tenant))
    await apply_twice(inventory.app.state.pool, delivered(again, tokens.tenant))
    told = {person: (await mine(inventory, tokens, person))["items"] for person in ("alice", "bob", "carol", "dave")}
    assert {person: len(items) for person, items in told.items()} == {"alice": 1, "bob": 1, "carol": 1, "dave": 0}
    assert told["carol"][0]["subject"] == "Security advisory: VPN gateway credential leak"
    assert told["alice"][0]["kind"] == "advisory" and "high severity" in told["alice"][0]["body"]
