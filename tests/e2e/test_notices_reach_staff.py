"""A change of a person's account reaches them over Kafka: the assets worker issues their notice, and its mail
arrives at a real SMTP server."""

import pytest

from assets import worker
from assets.main import create_app
from assets.settings import Settings
from support.apps import eventually, ok, running, serving
from support.mailbox import running_mailbox


@pytest.fixture
def mailbox():
    with running_mailbox() as box:
        yield box


@pytest.fixture
async def inventory(settings_for, db, mailbox):
    """Assets with its relay, its mail sent to the test's SMTP server, and the assets worker consuming its topic."""
    settings = settings_for(Settings, smtp_host=mailbox.host, smtp_port=mailbox.port, mail_scan_seconds=0.1)
    async with serving(create_app(settings)) as client, running(worker.run(settings)):
        yield client


@pytest.mark.timeout(90)
async def test_a_locked_account_and_a_forced_password_change_reach_the_person_as_notices_and_mail(
    inventory, tokens, mailbox
):
    tom, alice = tokens.headers("technician", sub="tom"), tokens.headers("staff", sub="alice")
    account = await ok(
        await inventory.post(
            "/accounts",
            json={"username": "alice.martin", "person_id": "alice", "email": "alice.martin@city.example"},
            headers=tom,
        ),
        201,
    )
    await ok(
        await inventory.post(f"/accounts/{account['id']}/lock", json={"reason": "five failed logons"}, headers=tom)
    )
    reset = await ok(await inventory.post(f"/accounts/{account['id']}/password-resets", headers=alice), 201)
    await ok(
        await inventory.post(f"/password-resets/{reset['id']}/verify", json={"method": "in_person_id"}, headers=tom)
    )
    await ok(await inventory.post(f"/password-resets/{reset['id']}/complete", headers=tom))

    async def two_notices():
        found = await ok(await inventory.get("/me/notices", headers=alice))
        return found if found["total"] == 2 else None

    listed = await eventually(two_notices, within=45, interval=0.2)
    kinds = {n["kind"]: n for n in listed["items"]}
    assert set(kinds) == {"account_status", "password_change"}
    assert (kinds["account_status"]["cause_type"], kinds["password_change"]["cause_type"]) == (
        "assets.account_locked",
        "assets.password_reset_completed",
    )
    assert "five failed logons" in kinds["account_status"]["body"]

    async def two_mails():
        mails = mailbox.to("alice.martin@city.example")
        return mails if len(mails) == 2 else None

    mails = await eventually(two_mails, within=30, interval=0.2)
    assert sorted(m["Subject"] for m in mails) == [
        "Choose a new password at your next sign-in",
        "Your network account was locked",
    ]
    assert (await ok(await inventory.get("/me/notices", headers=tokens.headers("staff", sub="bob"))))["total"] == 0


@pytest.mark.timeout(90)
async def test_an_advisory_naming_a_breached_account_tells_its_holder_by_notice_and_mail(inventory, tokens, mailbox):
    tom = tokens.headers("technician", sub="tom")
    body = {"username": "carl.ng", "person_id": "carl", "email": "carl.ng@city.example"}
    account = await ok(await inventory.post("/accounts", json=body, headers=tom), 201)
    advisory = {
        "title": "Webmail credential leak",
        "kind": "breach",
        "severity": "critical",
        "accounts": [{"account_id": account["id"], "person_id": "carl"}],
        "window_start": "2026-01-05T00:00:00Z",
        "window_end": "2026-01-20T00:00:00Z",
    }
    await ok(await inventory.post("/advisories", json=advisory, headers=tom), 201)

    async def carls_mail():
        return mailbox.to("carl.ng@city.example")

    [mail] = await eventually(carls_mail, within=45, interval=0.2)
    assert mail["Subject"] == "Security advisory: Webmail credential leak"
    [notice] = (await ok(await inventory.get("/me/notices", headers=tokens.headers("staff", sub="carl"))))["items"]
    assert (notice["kind"], notice["cause_type"]) == ("advisory", "assets.advisory_exposure_assessed")
    assert "critical severity" in notice["body"] and "2026-01-05" in notice["body"]
