"""Vendor contracts over REST against real Postgres: recording, renewals due, renewal as a new term, the owner's
notice once per term, tenants."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from assets.vendor_contracts import raise_renewal_notices
from support.builders import device_request
from support.suite import suite_of


@pytest.fixture
async def inventory(settings_for, db):
    async with suite_of(settings_for, "assets", broker=False) as running_suite:
        yield running_suite


def today() -> date:
    return datetime.now(UTC).date()


async def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def contract_request(**overrides) -> dict:
    start = today() - timedelta(days=200)
    body = {
        "contract_type": "hardware_maintenance",
        "vendor": "Dell Canada",
        "reference": "C-14",
        "starts_on": str(start),
        "ends_on": str(start + timedelta(days=364)),
        "value": "12000.00",
        "payments": [
            {"due_on": str(start), "amount": "6000.00"},
            {"due_on": str(start + timedelta(days=180)), "amount": "6000.00"},
        ],
        "renewal_notice_days": 90,
        "owner_id": "maria",
    }
    return {**body, **overrides}


async def record(client, headers, **overrides) -> dict:
    return await created(await client.post("/contracts", json=contract_request(**overrides), headers=headers))


async def test_a_contract_records_its_term_payments_and_what_it_covers(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager", sub="maria")
    device = await created(await client.post("/devices", json=device_request(), headers=boss))
    contract = await record(client, boss, device_ids=[device["id"]])
    assert (contract["term"], contract["status"], contract["value"], contract["device_ids"]) == (
        1,
        "active",
        "12000.00",
        [device["id"]],
    )
    assert contract["notice_on"] == str(date.fromisoformat(contract["ends_on"]) - timedelta(days=90))
    read = await client.get(f"/contracts/{contract['id']}", headers=tokens.headers("auditor"))
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert [p["amount"] for p in read.json()["payments"]] == ["6000.00", "6000.00"]


async def test_unknown_covered_devices_and_payments_off_the_value_are_refused_by_field(inventory, tokens, db):
    client, boss = inventory.assets, tokens.headers("manager")
    unknown = await client.post("/contracts", json=contract_request(device_ids=[str(uuid4())]), headers=boss)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "device_ids"
    unknown = await client.post("/contracts", json=contract_request(licence_ids=[str(uuid4())]), headers=boss)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "licence_ids"
    off = await client.post("/contracts", json=contract_request(value="12000.01"), headers=boss)
    assert off.status_code == 422 and off.json()["errors"][0]["field"] == "payments"
    schema = inventory.settings["assets"].schema
    assert await db.fetchval(f'SELECT count(*) FROM "{schema}".events') == 0


async def test_renewals_due_within_n_days_are_listed_soonest_notice_first(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager")

    async def ending_in(days: int, **overrides) -> dict:
        end = today() + timedelta(days=days)
        return await record(
            client, boss, starts_on=str(end - timedelta(days=364)), ends_on=str(end), payments=[], **overrides
        )

    in_window = await ending_in(60)  # its notice date passed 30 days ago: still due
    soon = await ending_in(100, contract_type="saas", vendor="Microsoft")  # notice in 10 days
    await ending_in(200)  # notice in 110 days
    await ending_in(-5)  # ended
    terminated = await ending_in(70)
    stopped = await client.post(f"/contracts/{terminated['id']}/terminate", json={"reason": "merged"}, headers=boss)
    assert stopped.status_code == 200 and stopped.json()["status"] == "terminated"

    async def due(**params) -> list[str]:
        response = await client.get("/contracts", params=params, headers=tokens.headers("technician"))
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await due(renewal_within_days=0) == [in_window["id"]]
    assert await due(renewal_within_days=30) == [in_window["id"], soon["id"]]
    assert await due(renewal_within_days=30, type="saas") == [soon["id"]]
    assert await due(vendor="microsoft") == [soon["id"]]
    assert len(await due()) == 5


async def test_a_renewal_is_a_new_term_and_refused_when_not_later_ended_or_terminated(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager")
    contract = await record(client, boss)
    new_end = date.fromisoformat(contract["ends_on"]) + timedelta(days=365)
    stale = await client.post(
        f"/contracts/{contract['id']}/renew",
        json={"ends_on": str(new_end), "value": "1"},
        headers={**boss, "If-Match": '"7"'},
    )
    assert stale.status_code == 412
    renewed = await client.post(
        f"/contracts/{contract['id']}/renew",
        json={"ends_on": str(new_end), "value": "12600"},
        headers={**boss, "If-Match": '"1"'},
    )
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert (body["term"], body["ends_on"], body["value"], renewed.headers["ETag"]) == (
        2,
        str(new_end),
        "12600.00",
        '"2"',
    )
    assert [t["value"] for t in body["terms"]] == ["12000.00", "12600.00"]
    again = await client.post(
        f"/contracts/{contract['id']}/renew", json={"ends_on": str(new_end), "value": "1"}, headers=boss
    )
    assert (again.status_code, again.json()["rule"]) == (409, "ContractRenewalNotLater")
    lapsed = await record(client, boss, starts_on="2020-01-01", ends_on="2020-12-31", payments=[])
    refused = await client.post(
        f"/contracts/{lapsed['id']}/renew", json={"ends_on": "2030-01-01", "value": "1"}, headers=boss
    )
    assert (refused.status_code, refused.json()["rule"]) == (409, "ContractEnded")
    await client.post(f"/contracts/{contract['id']}/terminate", json={"reason": "budget cut"}, headers=boss)
    refused = await client.post(
        f"/contracts/{contract['id']}/renew",
        json={"ends_on": str(new_end + timedelta(days=9)), "value": "1"},
        headers=boss,
    )
    assert (refused.status_code, refused.json()["rule"]) == (409, "ContractTerminated")


async def test_the_owner_is_told_once_per_term_when_its_renewal_notice_period_begins(inventory, tokens):
    client, boss = inventory.assets, tokens.headers("manager", sub="boss")
    pool = inventory.apps["assets"].state.pool
    end = today() + timedelta(days=60)
    contract = await record(
        client, boss, starts_on=str(end - timedelta(days=364)), ends_on=str(end), payments=[], owner_id="maria"
    )
    await record(client, boss, ends_on=str(today() + timedelta(days=900)), payments=[], owner_id="maria")

    async def maria_notices() -> list[dict]:
        response = await client.get("/me/notices", headers=tokens.headers("staff", sub="maria"))
        return response.json()["items"]

    assert await raise_renewal_notices(pool) == 1
    assert await raise_renewal_notices(pool) == 0
    [notice] = await maria_notices()
    assert "Dell Canada" in notice["subject"] and contract["id"] in notice["body"]
    new_end = end + timedelta(days=365)
    await client.post(f"/contracts/{contract['id']}/renew", json={"ends_on": str(new_end), "value": "9"}, headers=boss)
    assert await raise_renewal_notices(pool) == 0  # the new term's notice period has not begun
    assert await raise_renewal_notices(pool, today=new_end - timedelta(days=30)) == 1
    assert len(await maria_notices()) == 2


async def test_another_tenants_contracts_are_not_seen(inventory, tokens):
    client = inventory.assets
    contract = await record(client, tokens.headers("manager"))
    other = tokens.headers("manager", tenant="elsewhere")
    assert (await client.get(f"/contracts/{contract['id']}", headers=other)).status_code == 404
    assert (await client.get("/contracts", headers=other)).json()["total"] == 0
    renew = await client.post(
        f"/contracts/{contract['id']}/renew", json={"ends_on": "2099-01-01", "value": "1"}, headers=other
    )
    assert renew.status_code == 404
