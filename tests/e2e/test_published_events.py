"""What leaves a service on Kafka: CloudEvents with tenant, actor and correlation, and never a secret."""

import re

import orjson

from support.builders import ticket_request
from support.kafka import read_topic
from support.suite import suite_of

SECRET_LIKE = re.compile(r"pass(word|code|phrase)?|secret|token|credential|private_?key|^pin$", re.IGNORECASE)
BEARER_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.")  # a JWT pasted into a field


def keys_of(document) -> list[str]:
    if isinstance(document, dict):
        return [*document, *(k for v in document.values() for k in keys_of(v))]
    if isinstance(document, list):
        return [k for v in document for k in keys_of(v)]
    return []


async def test_published_payloads_carry_no_secret_like_field_or_token(suite, tokens):
    staff = tokens.headers("staff")
    for n in range(3):
        assert (await suite.tickets.post("/tickets", json=ticket_request(subject=f"S{n}"), headers=staff)).is_success
    settings = suite.settings["tickets"]
    records = await read_topic(settings, settings.topic("tickets"), 3)
    assert len(records) == 3
    assert_no_secret(records, tokens.tenant)
    assert {orjson.loads(r.value)["actor"] for r in records} == {"alice"}


def assert_no_secret(records: list, tenant: str) -> None:
    for record in records:
        assert not BEARER_LIKE.search(record.value.decode())
        document = orjson.loads(record.value)
        assert not [k for k in keys_of(document) if SECRET_LIKE.search(k)], document
        assert document["tenant"] == tenant and document["actor"] and document["correlationid"]


async def test_an_account_and_its_password_reset_publish_who_for_whom_and_how_verified_never_a_secret(
        settings_for, db, tokens):
    tom, ann = tokens.headers("technician", sub="tom"), tokens.headers("technician", sub="ann")
    async with suite_of(settings_for, "assets") as suite:
        account = (await suite.assets.post("/accounts", json={"username": "jdoe", "person_id": "jdoe",
                                                               "email": "jdoe@city.example"}, headers=tom)).json()
        await suite.assets.post(f"/accounts/{account['id']}/lock", json={"reason": "failed logons"}, headers=tom)
        reset = (await suite.assets.post(f"/accounts/{account['id']}/password-resets", json={"channel": "phone"},
                                         headers=tom)).json()
        verify = {"method": "call_back", "note": "called back the number on file"}
        assert (await suite.assets.post(f"/password-resets/{reset['id']}/verify", json=verify, headers=tom)).is_success
        assert (await suite.assets.post(f"/password-resets/{reset['id']}/complete", headers=ann)).is_success
        settings = suite.settings["assets"]
        records = await read_topic(settings, settings.topic("assets"), 5)
    published = {orjson.loads(r.value)["type"]: orjson.loads(r.value)["data"] for r in records}  # streams interleave
    assert sorted(published) == ["assets.account_locked", "assets.account_provisioned",
                                 "assets.password_reset_completed", "assets.password_reset_requested",
                                 "assets.password_reset_verified"]
    assert_no_secret(records, tokens.tenant)
    completed = published["assets.password_reset_completed"]
    assert (completed["person_id"], completed["verified_by"], completed["completed_by"], completed["method"]) == (
        "jdoe", "tom", "ann", "call_back")
