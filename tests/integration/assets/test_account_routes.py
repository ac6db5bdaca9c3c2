"""Network accounts and password resets over REST against real Postgres: lifecycle, usernames, resets that need a
verification, staff reaching only their own, tenants, departures and accounts reset too often."""

import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest

from support.suite import suite_of

SECRET_LIKE = re.compile(r"pass(word|code|phrase)?|secret|token|credential|private_?key|pin$|hash|phone", re.I)
# A phone number standing on its own, as a note would hold one: not ten digits inside an id (a UUID, a user name).
PHONE_LIKE = re.compile(r"(?<![\w-])\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")


@pytest.fixture
async def inventory(settings_for, db):
    """The assets service alone, its relay off: everything a request changes is in its own schema."""
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


async def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def refused(response, rule: str) -> None:
    assert (response.status_code, response.json().get("rule")) == (409, rule), response.text


def invalid_field(response) -> str:
    assert response.status_code == 422, response.text
    return response.json()["errors"][0]["field"]


async def provision(client, headers, **overrides) -> dict:
    person = overrides.pop("person_id", f"p{uuid4().hex[:8]}")
    body = {"username": f"u{uuid4().hex[:10]}", "person_id": person, "groups": ["clerks", "vpn"], **overrides}
    return await created(await client.post("/accounts", json=body, headers=headers))


async def request_reset(client, headers, account_id: str, **body):
    return await client.post(f"/accounts/{account_id}/password-resets", json=body, headers=headers)


async def stored_events(inventory, db) -> list[dict]:
    schema = inventory.settings["assets"].schema
    rows = await db.fetch(f'SELECT event_type, envelope FROM "{schema}".events ORDER BY global_position')
    return [{"type": row["event_type"], **orjson.loads(row["envelope"])["data"]} for row in rows]


async def test_an_account_moves_between_active_disabled_and_locked_and_deprovisioned_is_final(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    account = await provision(client, tom, email="jdoe@city.example", expires_on="2099-12-31")
    assert (account["status"], account["groups"], account["expired"], account["version"]) == (
        "active",
        ["clerks", "vpn"],
        False,
        1,
    )
    url = f"/accounts/{account['id']}"

    async def step(action: str, headers=tom, **body):
        return await client.post(f"{url}/{action}", json=body or None, headers=headers)

    assert (await step("disable", reason="on leave")).json()["status"] == "disabled"
    refused(await step("lock", reason="locked while disabled"), "AccountNotInThatState")
    assert (await step("enable")).json()["status"] == "active"
    refused(await step("unlock"), "AccountNotInThatState")
    locked = (await step("lock", reason="five failed logons")).json()
    assert (locked["status"], locked["status_reason"]) == ("locked", "five failed logons")
    stale = await step("unlock", headers={**tom, "If-Match": '"2"'})
    assert stale.status_code == 412
    unlocked = await step("unlock", headers={**tom, "If-Match": f'"{locked["version"]}"'})
    assert (unlocked.status_code, unlocked.json()["status"], unlocked.headers["ETag"]) == (200, "active", '"5"')
    assert (await step("deprovision", reason="departure")).json()["status"] == "deprovisioned"
    for action, body in (("enable", {}), ("lock", {"reason": "x"}), ("deprovision", {"reason": "again"})):
        refused(await step(action, **body), "AccountGone")
    fetched = await client.get(url, headers=tom)
    assert (fetched.json()["status"], fetched.headers["ETag"]) == ("deprovisioned", '"6"')
    assert invalid_field(await client.post(f"{url}/disable", json={}, headers=tom)) == "reason"
    assert (await client.post(f"/accounts/{uuid4()}/disable", json={"reason": "x"}, headers=tom)).status_code == 404


async def test_a_username_is_taken_whatever_the_case_even_after_deprovisioning(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    first = await provision(client, tom, username="JDoe")
    before = len(await stored_events(inventory, db))
    refused(
        await client.post("/accounts", json={"username": "jdoe", "person_id": "other"}, headers=tom), "UsernameTaken"
    )
    await client.post(f"/accounts/{first['id']}/deprovision", json={"reason": "departure"}, headers=tom)
    again = await client.post("/accounts", json={"username": "jdoe", "person_id": "jdoe"}, headers=tom)
    refused(again, "UsernameTaken")
    assert len(await stored_events(inventory, db)) == before + 1  # the deprovisioning, nothing of the refusals
    assert invalid_field(await client.post("/accounts", json={"username": "j doe", "person_id": "x"}, headers=tom)) == (
        "username"
    )
    bad_mail = {"username": "jdoe2", "person_id": "x", "email": "not-a-mail"}
    assert invalid_field(await client.post("/accounts", json=bad_mail, headers=tom)) == "email"
    past = {"username": "jdoe2", "person_id": "x", "expires_on": "2020-01-01"}
    assert invalid_field(await client.post("/accounts", json=past, headers=tom)) == "expires_on"


async def test_a_replayed_idempotency_key_provisions_one_account(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    body, headers = {"username": "once", "person_id": "p1"}, {**tom, "Idempotency-Key": "provision-once"}
    first = await client.post("/accounts", json=body, headers=headers)
    replay = await client.post("/accounts", json=body, headers=headers)
    assert (first.status_code, replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert replay.json() == first.json()
    assert (await client.get("/accounts", params={"username": "once"}, headers=tom)).json()["total"] == 1


async def test_accounts_are_searched_by_username_person_state_and_group_with_the_total(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("manager")
    ann = await provision(client, tom, username="ann.lee", person_id="ann", groups=["finance"])
    await provision(client, tom, username="ann.test", person_id="ann", groups=["finance", "vpn"])
    bob = await provision(client, tom, username="bob", person_id="bob", groups=["vpn"])
    await client.post(f"/accounts/{bob['id']}/lock", json={"reason": "failed logons"}, headers=tom)

    async def found(**params) -> tuple[int, list[str]]:
        answer = (await client.get("/accounts", params={"limit": 1, **params}, headers=tom)).json()
        return answer["total"], [a["username"] for a in answer["items"]]

    assert await found(username="ANN") == (2, ["ann.lee"])
    assert await found(person="ann", group="vpn") == (1, ["ann.test"])
    assert await found(state="locked") == (1, ["bob"])
    assert await found(group="finance", offset=1) == (2, ["ann.test"])
    assert (await client.get(f"/accounts/{ann['id']}", headers=tokens.headers("auditor"))).status_code == 200
    assert (await client.get("/accounts", params={"state": "gone"}, headers=tom)).status_code == 422


async def test_a_reset_is_refused_without_verification_and_completed_once_verified(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician", sub="tom")
    account = await provision(client, tom, person_id="jdoe")
    ticket = str(uuid4())
    reset = await created(await request_reset(client, tom, account["id"], channel="phone", ticket_id=ticket))
    assert (reset["status"], reset["person_id"], reset["requested_by"], reset["ticket_id"]) == (
        "requested",
        "jdoe",
        "tom",
        ticket,
    )
    url = f"/password-resets/{reset['id']}"
    refused(await client.post(f"{url}/complete", headers=tom), "ResetNotVerified")
    manager_approval = {"method": "manager_approval"}
    refused(await client.post(f"{url}/verify", json=manager_approval, headers=tom), "VerificationNeedsManager")
    own = tokens.headers("technician", sub="jdoe")
    refused(await client.post(f"{url}/verify", json={"method": "mfa"}, headers=own), "VerifierIsAccountHolder")
    with_number = {"method": "call_back", "note": "called back on (613) 555-0100"}
    assert invalid_field(await client.post(f"{url}/verify", json=with_number, headers=tom)) == "note"
    with_secret = {"method": "call_back", "note": "temporary password is Summer2026!"}
    assert invalid_field(await client.post(f"{url}/verify", json=with_secret, headers=tom)) == "note"
    ok = {"method": "call_back", "note": "called back the number on file"}
    verified = (await client.post(f"{url}/verify", json=ok, headers=tom)).json()
    assert (verified["status"], verified["method"], verified["verified_by"]) == ("verified", "call_back", "tom")
    refused(await client.post(f"{url}/verify", json=ok, headers=tom), "ResetAlreadyVerified")
    done = await client.post(f"{url}/complete", headers=tokens.headers("technician", sub="ann"))
    assert (done.status_code, done.json()["status"], done.json()["force_change"]) == (200, "completed", True)
    refused(await client.post(f"{url}/complete", headers=tom), "ResetAlreadyCompleted")
    fetched = await client.get(url, headers=tokens.headers("auditor"))
    assert (fetched.json()["completed_by"], fetched.headers["ETag"]) == ("ann", '"3"')
    [completed] = [e for e in await stored_events(inventory, db) if e["type"] == "assets.password_reset_completed"]
    assert (completed["verified_by"], completed["completed_by"], completed["method"]) == ("tom", "ann", "call_back")
    for event in await stored_events(inventory, db):
        assert not [name for name in event if SECRET_LIKE.search(name)], event
        assert not PHONE_LIKE.search(str(event)), event


async def test_a_managers_approval_verifies_a_reset_and_a_cancelled_reset_goes_no_further(inventory, tokens):
    client, tom, maria = inventory.assets, tokens.headers("technician"), tokens.headers("manager", sub="maria")
    account = await provision(client, tom)
    first = await created(await request_reset(client, tom, account["id"], channel="in_person"))
    approved = await client.post(
        f"/password-resets/{first['id']}/verify", json={"method": "manager_approval"}, headers=maria
    )
    assert (approved.status_code, approved.json()["verified_by"]) == (200, "maria")
    second = await created(await request_reset(client, tom, account["id"], channel="email"))
    cancelled = await client.post(
        f"/password-resets/{second['id']}/cancel", json={"reason": "asked by mistake"}, headers=tom
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    refused(
        await client.post(f"/password-resets/{second['id']}/verify", json={"method": "mfa"}, headers=tom),
        "ResetCancelled",
    )
    assert invalid_field(await request_reset(client, tom, account["id"])) == "channel"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert invalid_field(await request_reset(client, tom, account["id"], channel="phone", requested_at=future)) == (
        "requested_at"
    )
    assert (await client.post(f"/password-resets/{uuid4()}/complete", headers=tom)).status_code == 404


async def test_staff_see_only_their_own_accounts_and_ask_for_their_resets_through_the_portal(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    mine = await provision(client, tom, person_id="jdoe")
    theirs = await provision(client, tom, person_id="asmith")
    jdoe = tokens.headers("staff", sub="jdoe")
    listed = (await client.get("/accounts", params={"person": "asmith"}, headers=jdoe)).json()
    assert (listed["total"], [a["id"] for a in listed["items"]]) == (1, [mine["id"]])
    assert (await client.get(f"/accounts/{mine['id']}", headers=jdoe)).status_code == 200
    assert (await client.get(f"/accounts/{theirs['id']}", headers=jdoe)).status_code == 404
    reset = await created(await request_reset(client, jdoe, mine["id"]))
    assert (reset["channel"], reset["requested_by"]) == ("portal", "jdoe")
    assert (await client.get(f"/password-resets/{reset['id']}", headers=jdoe)).status_code == 200
    assert (await request_reset(client, jdoe, theirs["id"])).status_code == 404
    assert invalid_field(await request_reset(client, jdoe, mine["id"], channel="phone")) == "channel"
    verify = await client.post(f"/password-resets/{reset['id']}/verify", json={"method": "mfa"}, headers=jdoe)
    assert verify.status_code == 403
    assert (await client.post(f"/password-resets/{reset['id']}/complete", headers=jdoe)).status_code == 403
    assert (await client.post(f"/accounts/{mine['id']}/unlock", headers=jdoe)).status_code == 403
    other_reset = await created(await request_reset(client, tom, theirs["id"], channel="phone"))
    assert (await client.get(f"/password-resets/{other_reset['id']}", headers=jdoe)).status_code == 404


async def test_another_tenant_sees_nothing_and_changes_nothing(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    account = await provision(client, tom, username="shared.name", person_id="jdoe")
    reset = await created(await request_reset(client, tom, account["id"], channel="phone"))
    stranger = tokens.headers("manager", tenant="another-city")
    assert (await client.get("/accounts", headers=stranger)).json()["total"] == 0
    assert (await client.get(f"/accounts/{account['id']}", headers=stranger)).status_code == 404
    locking = await client.post(f"/accounts/{account['id']}/lock", json={"reason": "x"}, headers=stranger)
    assert locking.status_code == 404
    assert (await request_reset(client, stranger, account["id"], channel="phone")).status_code == 404
    assert (await client.get(f"/password-resets/{reset['id']}", headers=stranger)).status_code == 404
    verify = await client.post(f"/password-resets/{reset['id']}/verify", json={"method": "mfa"}, headers=stranger)
    assert verify.status_code == 404
    departure = await client.post("/people/jdoe/departure", headers=stranger)
    assert (departure.status_code, departure.json()["deprovisioned"]) == (200, [])
    assert (await client.get("/accounts/flagged", headers=stranger)).json()["total"] == 0
    await provision(client, stranger, username="shared.name")  # a username is unique within a tenant only
    after = (await client.get(f"/accounts/{account['id']}", headers=tom)).json()
    assert (after["status"], after["version"]) == ("active", 1)


async def test_a_departure_deprovisions_every_account_the_person_holds(inventory, tokens, db):
    client, tom = inventory.assets, tokens.headers("technician")
    held = [await provision(client, tom, person_id="leaver") for _ in range(3)]
    await client.post(f"/accounts/{held[1]['id']}/disable", json={"reason": "on leave"}, headers=tom)
    await client.post(f"/accounts/{held[2]['id']}/lock", json={"reason": "failed logons"}, headers=tom)
    stayer = await provision(client, tom, person_id="stayer")
    gone = await client.post("/people/leaver/departure", headers=tom)
    assert gone.status_code == 200, gone.text
    assert sorted(a["id"] for a in gone.json()["deprovisioned"]) == sorted(a["id"] for a in held)
    listed = (await client.get("/accounts", params={"person": "leaver"}, headers=tom)).json()["items"]
    assert {(a["status"], a["status_reason"]) for a in listed} == {("deprovisioned", "departure")}
    assert (await client.get(f"/accounts/{stayer['id']}", headers=tom)).json()["status"] == "active"
    deprovisioned = [e for e in await stored_events(inventory, db) if e["type"] == "assets.account_deprovisioned"]
    assert {(e["person_id"], e["reason"]) for e in deprovisioned} == {("leaver", "departure")}
    assert len(deprovisioned) == 3
    again = await client.post("/people/leaver/departure", json={"reason": "departure"}, headers=tom)
    assert again.json()["deprovisioned"] == []
    refused(await request_reset(client, tom, held[0]["id"], channel="phone"), "AccountGone")
    auditor = tokens.headers("auditor")
    assert (await client.post("/people/stayer/departure", headers=auditor)).status_code == 403


async def test_a_pending_reset_of_an_account_deprovisioned_since_is_not_completed(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    account = await provision(client, tom, person_id="leaver")
    reset = await created(await request_reset(client, tom, account["id"], channel="phone"))
    await client.post("/people/leaver/departure", headers=tom)
    verify = await client.post(f"/password-resets/{reset['id']}/verify", json={"method": "mfa"}, headers=tom)
    refused(verify, "AccountGone")


async def test_an_account_reset_three_times_within_a_day_is_flagged(inventory, tokens):
    client, tom = inventory.assets, tokens.headers("technician")
    now = datetime.now(UTC)
    spread, burst, twice = [await provision(client, tom) for _ in range(3)]

    async def reset_at(account: dict, hours_ago: float) -> dict:
        at = (now - timedelta(hours=hours_ago)).isoformat()
        return await created(await request_reset(client, tom, account["id"], channel="phone", requested_at=at))

    for hours_ago in (30, 20, 1):  # never three within 24 hours
        await reset_at(spread, hours_ago)
    for hours_ago in (23, 10):
        await reset_at(burst, hours_ago)
        await reset_at(twice, hours_ago)
    third = await reset_at(burst, 0)
    assert (third["resets_within_window"], third["flagged"]) == (3, True)
    flagged = (await client.get("/accounts/flagged", headers=tokens.headers("auditor"))).json()
    assert (flagged["threshold"], flagged["window_hours"], flagged["total"]) == (3, 24, 1)
    [item] = flagged["items"]
    assert (item["id"], item["resets"]) == (burst["id"], 3)
    since_two_days = {"since": (now - timedelta(days=2)).isoformat()}
    assert (await client.get("/accounts/flagged", params=since_two_days, headers=tom)).json()["total"] == 1
    later = {"since": (now + timedelta(minutes=1)).isoformat()}
    assert (await client.get("/accounts/flagged", params=later, headers=tom)).json()["total"] == 0
    assert (await client.get("/accounts/flagged", headers=tokens.headers("staff"))).status_code == 403
