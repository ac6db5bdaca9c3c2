"""The service desk over HTTP: the ticket lifecycle, optimistic concurrency, the queue, policy and what-if."""

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from events.contracts.tickets import Level, ResolutionCode
from events.envelope import Context
from events.ids import uuid7
from support.builders import ticket_request
from tickets import service
from tickets.domain import commands as cmd
from tickets.domain.policy import DeskPolicy

ALICE, TECH = cmd.Actor("alice", False), cmd.Actor("tina", True)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("America/Toronto")).astimezone(UTC)


async def open_ticket(desk, tokens, sub="alice", **fields) -> dict:
    response = await desk.tickets.post("/tickets", json=ticket_request(**fields), headers=tokens.headers("staff",
                                                                                                          sub=sub))
    assert response.status_code == 201, response.text
    return response.json()


async def act(desk, headers, ticket_id, action, body=None, version=None):
    if version is not None:
        headers = {**headers, "If-Match": f'"{version}"'}
    return await desk.tickets.post(f"/tickets/{ticket_id}/{action}", json=body or {}, headers=headers)


async def test_a_ticket_goes_from_opened_to_closed_with_every_step_in_its_history(desk, tokens):
    alice, tina = tokens.headers("staff", sub="alice"), tokens.headers("technician", sub="tina")
    ticket = await open_ticket(desk, tokens, impact="high", urgency="high")
    steps = [
        (tina, "acknowledge", None), (tina, "assign", {"assignee_id": "tina", "group": "desk"}),
        (tina, "comments", {"body": "Likely the RADIUS cert", "visibility": "internal"}),
        (tina, "request-information", {"question": "Since when?"}), (alice, "provide-information", {"answer": "9am"}),
        (tina, "resolve", {"resolution_code": "solved", "note": "Renewed the certificate"}),
        (alice, "confirm", None), (alice, "satisfaction", {"score": 5, "comment": "Fast"}),
    ]
    for headers, action, body in steps:
        response = await act(desk, headers, ticket["id"], action, body)
        assert response.status_code == 200, (action, response.text)
    final = response.json()
    assert (final["status"], final["priority"], final["satisfaction"], final["version"]) == ("closed", "P1", 5, 9)
    assert response.headers["ETag"] == '"9"'
    assert final["clocks"]["response"]["state"] == "met"
    seen_by_alice = (await desk.tickets.get(f"/tickets/{ticket['id']}", headers=alice)).json()["history"]
    seen_by_tina = (await desk.tickets.get(f"/tickets/{ticket['id']}", headers=tina)).json()["history"]
    assert len(seen_by_tina) == 9 and len(seen_by_alice) == 8  # the internal comment is the desk's only


async def test_two_technicians_assigning_at_once_one_wins_and_the_other_gets_412(desk, tokens):
    ticket = await open_ticket(desk, tokens)
    tina, tom = tokens.headers("technician", sub="tina"), tokens.headers("technician", sub="tom")
    answers = await asyncio.gather(
        act(desk, tina, ticket["id"], "assign", {"assignee_id": "tina"}, version=1),
        act(desk, tom, ticket["id"], "assign", {"assignee_id": "tom"}, version=1),
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    stale = await act(desk, tom, ticket["id"], "assign", {"assignee_id": "tom"}, version=1)
    assert stale.status_code == 412 and "reload" in stale.json()["detail"]


async def test_a_refused_transition_is_a_409_naming_the_rule_and_records_nothing(desk, tokens):
    tina = tokens.headers("technician", sub="tina")
    ticket = await open_ticket(desk, tokens)
    await act(desk, tina, ticket["id"], "cancel", {"reason": "Duplicate of another"})
    refused = await act(desk, tina, ticket["id"], "assign", {"assignee_id": "tina"})
    assert refused.status_code == 409
    problem = refused.json()
    assert (problem["rule"], problem["detail"]) == ("TicketNotOpen", "a cancelled ticket cannot be assigned")
    assert (await desk.tickets.get(f"/tickets/{ticket['id']}", headers=tina)).json()["version"] == 2


async def test_staff_act_only_on_their_own_tickets_and_other_tenants_not_at_all(desk, tokens):
    ticket = await open_ticket(desk, tokens, sub="alice")
    bob = tokens.headers("staff", sub="bob")
    assert (await act(desk, bob, ticket["id"], "cancel", {"reason": "not mine"})).status_code == 404
    stranger = tokens.headers("technician", sub="tina", tenant="another-city")
    assert (await act(desk, stranger, ticket["id"], "acknowledge")).status_code == 404
    assert (await desk.tickets.get(f"/tickets/{ticket['id']}", headers=stranger)).status_code == 404
    unknown = await act(desk, tokens.headers("technician"), "0191b5c8-0000-7000-8000-000000000000", "acknowledge")
    assert unknown.status_code == 404


async def test_a_technician_opens_a_ticket_on_a_callers_behalf(desk, tokens):
    body = ticket_request(requester_id="carol", channel="phone")
    response = await desk.tickets.post("/tickets", json=body, headers=tokens.headers("technician", sub="tina"))
    assert response.status_code == 201
    assert (response.json()["requester_id"], response.json()["channel"]) == ("carol", "phone")
    mine = await desk.tickets.get("/tickets", headers=tokens.headers("staff", sub="carol"))
    assert [t["id"] for t in mine.json()] == [response.json()["id"]]


async def test_the_queue_filters_and_puts_the_most_urgent_sla_first(desk, tokens):
    tina = tokens.headers("technician", sub="tina")
    low = await open_ticket(desk, tokens, subject="Mouse squeaks", impact="low", urgency="low")
    urgent = await open_ticket(desk, tokens, subject="Council chamber projector", impact="high", urgency="high",
                               category="hardware")
    vpn = await open_ticket(desk, tokens, subject="VPN refuses token", category="network")
    await act(desk, tina, vpn["id"], "assign", {"assignee_id": "tina"})

    async def ids(**params):
        response = await desk.tickets.get("/queue", params=params, headers=tina)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()]

    assert await ids() == [urgent["id"], vpn["id"], low["id"]]
    assert await ids(priority=["P1", "P4"]) == [urgent["id"], low["id"]]
    assert await ids(assignee="tina") == [vpn["id"]]
    assert await ids(assignee="unassigned") == [urgent["id"], low["id"]]
    assert await ids(category="network") == [vpn["id"]]
    assert await ids(q="projector") == [urgent["id"]]
    assert await ids(status="assigned") == [vpn["id"]]
    # P1's first response is due 15 business minutes after opening; P3 and P4 are due hours later.
    due = datetime.fromisoformat(urgent["clocks"]["response"]["due_at"])
    hours = (due - datetime.now(UTC)).total_seconds() / 3600 + 0.05
    assert await ids(breaching_within_hours=hours) == [urgent["id"]]
    assert (await desk.tickets.get("/queue", params={"limit": 0}, headers=tina)).status_code == 422


async def test_a_manager_sets_the_desk_policy_and_bad_policies_are_refused_by_field(desk, tokens):
    manager = tokens.headers("manager")
    policy = (await desk.tickets.get("/desk-policy", headers=manager)).json()
    policy["categories"] = ["radio_systems"]
    policy["targets"]["P4"] = {"response_minutes": 600, "resolution_minutes": 6000}
    saved = await desk.tickets.put("/desk-policy", json=policy, headers={**manager, "If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == '"1"'
    await open_ticket(desk, tokens, category="radio_systems")
    offered = (await desk.tickets.get("/categories", headers=tokens.headers("staff"))).json()["categories"]
    assert offered[0] == "hardware" and offered[-1] == "radio_systems"  # what the staff desk page offers
    broken = {**policy, "calendar": {**policy["calendar"], "timezone": "Mars/Olympus"}}
    refused = await desk.tickets.put("/desk-policy", json=broken, headers=manager)
    assert refused.status_code == 422 and "timezone" in refused.text
    incomplete = {**policy, "targets": {"P1": policy["targets"]["P1"]}}
    assert "missing P2" in (await desk.tickets.put("/desk-policy", json=incomplete, headers=manager)).text
    technician = tokens.headers("technician")
    assert (await desk.tickets.put("/desk-policy", json=policy, headers=technician)).status_code == 403


async def test_an_unknown_category_is_refused_by_name(desk, tokens):
    response = await desk.tickets.post("/tickets", json=ticket_request(category="plumbing"),
                                        headers=tokens.headers("staff"))
    assert response.status_code == 422 and "plumbing" in response.json()["detail"]


async def test_what_if_replays_a_period_under_a_proposed_policy(desk, tokens):
    # Recorded last March: a P2 acknowledged after 80 business minutes and resolved after 3 business hours.
    pool, tenant = desk.apps["tickets"].state.pool, tokens.tenant
    ticket_id = uuid7()
    for command in (
        cmd.OpenTicket(ticket_id, "alice", "Scanner", "Jams", "hardware", Level.MEDIUM, Level.HIGH, ALICE,
                       local(6, 15)),
        cmd.AcknowledgeTicket(TECH, local(6, 16, 20)),
        cmd.ResolveTicket(ResolutionCode.SOLVED, "Roller replaced", TECH, local(9, 10)),
    ):
        async with pool.acquire() as conn:
            ctx = Context(tenant, command.by.id, "c", recorded_at=command.at)
            await service.handle_ticket(conn, ticket_id, command, ctx, policy=DeskPolicy())
    proposed = {p: {"response_minutes": 120, "resolution_minutes": 120} for p in ("P1", "P2", "P3", "P4")}
    body = {"from": "2026-03-01", "to": "2026-03-31", "targets": proposed}
    response = await desk.tickets.post("/sla/what-if", json=body, headers=tokens.headers("manager"))
    assert response.status_code == 200, response.text
    assert response.json() == {"tickets": 1, "current": {"response": 1, "resolution": 0},
                               "proposed": {"response": 0, "resolution": 1}}


async def test_a_ticket_links_to_the_tenants_tickets_only(desk, tokens):
    first = await open_ticket(desk, tokens)
    linked = await open_ticket(desk, tokens, linked_ticket_ids=[first["id"]])
    assert linked["linked_ticket_ids"] == [first["id"]]
    stranger = await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff",
                                                                                                  tenant="elsewhere"))
    response = await desk.tickets.post("/tickets", json=ticket_request(linked_ticket_ids=[stranger.json()["id"]]),
                                        headers=tokens.headers("staff"))
    assert response.status_code == 422 and "linked_ticket_ids" in response.json()["detail"]
