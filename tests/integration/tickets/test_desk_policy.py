"""The desk policy over HTTP against real Postgres: what a change does to open tickets, what it refuses, and its
read model, which a tenant's long policy history does not make anyone else pay for."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from events import store, streams
from events.contracts.tickets import Level, Priority, SlaTarget
from events.db import STORE_MIGRATIONS, migrate_pool
from events.envelope import Context, utcnow
from events.ids import uuid7
from support.builders import ticket_request
from tickets import service
from tickets.domain import commands as cmd
from tickets.domain.policy import DEFAULT_TARGETS, DeskPolicy
from tickets.domain.ticket import TICKET
from tickets.main import MIGRATIONS
from tickets.settings import Settings

ALICE = cmd.Actor("alice", False)
ROUND_THE_CLOCK = {"timezone": "UTC", "hours": {d: [["00:00", "24:00"]] for d in
                                                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}


def policy(calendar=None, **targets) -> dict:
    """A policy on `calendar` (round the clock by default) whose targets are `P1=(response, resolution)`, ...;
    the priorities not named keep long targets."""
    chosen = {p: targets.get(p, (6000, 60000)) for p in ("P1", "P2", "P3", "P4")}
    return {"calendar": calendar or ROUND_THE_CLOCK,
            "targets": {p: {"response_minutes": r, "resolution_minutes": s} for p, (r, s) in chosen.items()}}


async def put_policy(desk, tokens, body: dict, **headers):
    return await desk.tickets.put("/desk-policy", json=body, headers={**tokens.headers("manager", sub="manny"),
                                                                      **headers})


async def open_p2_at(desk, tokens, at: datetime):
    """A P2 ticket opened at `at` (in the past), as the route would have opened it then."""
    ticket_id = uuid7()
    pool = desk.apps["tickets"].state.pool
    async with pool.acquire() as conn:
        current = (await service.load_policy(conn, tokens.tenant)).state
        command = cmd.OpenTicket(ticket_id, "alice", "Payroll down", "Error 500", "software", Level.MEDIUM, Level.HIGH,
                                 ALICE, at)
        await service.handle_ticket(conn, ticket_id, command, Context(tokens.tenant, "alice", "c", recorded_at=at),
                                    policy=current)
    return str(ticket_id)


async def recorded(desk, ticket_id: str) -> list:
    async with desk.apps["tickets"].state.pool.acquire() as conn:
        return [r.envelope for r in await store.load(conn, ticket_id)]


async def event_count(desk, db) -> int:
    return await db.fetchval(f'SELECT count(*) FROM "{desk.settings["tickets"].schema}".events')


async def test_shortening_a_target_records_the_marks_it_makes_due_stamped_when_they_were_reached(desk, tokens):
    assert (await put_policy(desk, tokens, policy())).status_code == 200
    opened_at = utcnow().replace(microsecond=0) - timedelta(hours=2)
    ticket_id = await open_p2_at(desk, tokens, opened_at)
    changed = await put_policy(desk, tokens, policy(P2=(60, 240)))
    assert changed.status_code == 200, changed.text
    # Response: 75 % of 60 minutes at +45 min, breached at +60 min; resolution's warning falls at +180 min.
    envelopes = await recorded(desk, ticket_id)
    marks = [(e.type, e.data["clock"], e.time) for e in envelopes if e.type.startswith("tickets.sla_")]
    assert marks == [("tickets.sla_warning_reached", "response", opened_at + timedelta(minutes=45)),
                     ("tickets.sla_breached", "response", opened_at + timedelta(minutes=60))]
    policy_change = (await recorded(desk, f"desk-policy:{tokens.tenant}"))[-1]
    assert {(e.actor, e.causationid) for e in envelopes[1:]} == {("manny", str(policy_change.id))}
    # Every state the clocks show has its event.
    tina = tokens.headers("technician", sub="tina")
    shown = (await desk.tickets.get(f"/tickets/{ticket_id}", headers=tina)).json()
    assert {clock: view["state"] for clock, view in shown["clocks"].items()} == {
        "response": "breached", "resolution": "running"}
    assert [e["data"]["clock"] for e in shown["history"] if e["type"] == "tickets.sla_breached"] == ["response"]
    [row] = (await desk.tickets.get("/queue", headers=tina)).json()
    assert (row["id"], row["sla_state"]) == (ticket_id, "breached")
    again = await put_policy(desk, tokens, policy(P2=(30, 240)))  # shorter still: nothing is recorded twice
    assert again.status_code == 200
    assert len(await recorded(desk, ticket_id)) == len(envelopes)


async def test_a_target_running_out_at_closing_is_due_at_close_and_breaches_at_the_next_opening(desk, tokens):
    now = utcnow().replace(second=0, microsecond=0)
    # A zone in which it is now between 10:00 and 14:00, open 08:00-16:00 every day: the target is exactly the
    # business time left today, so it runs out as the desk closes.
    offset = 12 - now.hour  # hours east of UTC: from -11 to +12, all of them real zones
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"
    local = now.astimezone(ZoneInfo(zone))
    closing = datetime.combine(local.date(), time(16), ZoneInfo(zone))
    minutes = int((closing - local).total_seconds() // 60)
    calendar = {"timezone": zone, "hours": {d: [["08:00", "16:00"]] for d in ROUND_THE_CLOCK["hours"]}}
    assert (await put_policy(desk, tokens, policy(calendar, P2=(minutes, minutes)))).status_code == 200
    ticket_id = await open_p2_at(desk, tokens, now)
    tina = tokens.headers("technician", sub="tina")
    clock = (await desk.tickets.get(f"/tickets/{ticket_id}", headers=tina)).json()["clocks"]["resolution"]
    next_opening = closing + timedelta(hours=16)
    assert (datetime.fromisoformat(clock["due_at"]), datetime.fromisoformat(clock["breaches_at"])) == (
        closing, next_opening)
    [row] = (await desk.tickets.get("/queue", headers=tina)).json()
    assert (datetime.fromisoformat(row["resolution_due_at"]), datetime.fromisoformat(row["resolution_breaches_at"])
            ) == (closing, next_opening)
    # The queue's horizon reads the deadline, not the breach 16 hours later.
    hours_to_close = (closing - datetime.now(UTC)).total_seconds() / 3600

    async def within(hours: float) -> list[str]:
        found = await desk.tickets.get("/queue", params={"breaching_within_hours": hours}, headers=tina)
        return [t["id"] for t in found.json()]

    assert await within(hours_to_close + 0.25) == [ticket_id]
    assert await within(max(hours_to_close - 0.25, 0)) == []


async def test_targets_that_cannot_hold_and_categories_the_desk_lacks_are_refused_by_field(desk, tokens, db):
    before = await event_count(desk, db)
    slow_answer = await put_policy(desk, tokens, policy(P2=(600, 480)))
    assert slow_answer.status_code == 422
    assert [e["field"] for e in slow_answer.json()["errors"]] == ["targets.P2.response_minutes"]
    unknown = {**policy(), "category_targets": {"plumbing": {"P1": {"response_minutes": 5,
                                                                     "resolution_minutes": 60}}}}
    refused = await put_policy(desk, tokens, unknown)
    assert (refused.status_code, [e["field"] for e in refused.json()["errors"]]) == (
        422, ["category_targets.plumbing"])
    upside_down = {**unknown, "categories": ["plumbing"],
                   "category_targets": {"plumbing": {"P1": {"response_minutes": 90, "resolution_minutes": 60}}}}
    refused = await put_policy(desk, tokens, upside_down)
    assert [e["field"] for e in refused.json()["errors"]] == ["category_targets.plumbing.P1.response_minutes"]
    assert await event_count(desk, db) == before
    own = {**unknown, "categories": ["plumbing"]}
    assert (await put_policy(desk, tokens, own)).status_code == 200


async def test_every_list_and_map_of_a_policy_is_bounded_by_field(desk, tokens, db):
    before = await event_count(desk, db)
    every_day_of_3_years = [(datetime(2026, 1, 1) + timedelta(days=n)).date().isoformat() for n in range(1096)]
    too_many = [
        ({"calendar": {**ROUND_THE_CLOCK, "holidays": every_day_of_3_years}}, "calendar.holidays"),
        ({"calendar": {**ROUND_THE_CLOCK, "hours": {"mon": [["08:00", "08:01"]] * 25}}}, "calendar.hours.mon"),
        ({"categories": [f"c{n}" for n in range(51)]}, "categories"),
        ({"category_targets": {f"c{n}": {} for n in range(59)}}, "category_targets"),
    ]
    for change, field in too_many:
        response = await put_policy(desk, tokens, {**policy(), **change})
        assert response.status_code == 422, field
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await event_count(desk, db) == before


async def test_what_if_takes_any_dates_a_partial_proposal_and_refuses_a_bad_calendar_by_field(desk, tokens):
    manager = tokens.headers("manager")
    end_of_time = await desk.tickets.post("/sla/what-if", json={"from": "9999-12-31", "to": "9999-12-31"},
                                          headers=manager)
    assert (end_of_time.status_code, end_of_time.json()["tickets"]) == (200, 0)
    ancient = await desk.tickets.post("/sla/what-if", json={"from": "0001-01-01", "to": "2026-01-01"},
                                      headers=manager)
    assert (ancient.status_code, [e["field"] for e in ancient.json()["errors"]]) == (422, ["from"])
    await open_p2_at(desk, tokens, utcnow() - timedelta(days=1))
    today = utcnow().date()
    one_priority = {"from": (today - timedelta(days=2)).isoformat(), "to": today.isoformat(),
                    "targets": {"P2": {"response_minutes": 1, "resolution_minutes": 2}},
                    "calendar": ROUND_THE_CLOCK}
    answer = await desk.tickets.post("/sla/what-if", json=one_priority, headers=manager)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["tickets"], answer.json()["proposed"]) == (1, {"response": 1, "resolution": 1})
    for calendar in ({**ROUND_THE_CLOCK, "timezone": "Mars/Olympus"}, {**ROUND_THE_CLOCK, "hours": {}},
                     {**ROUND_THE_CLOCK, "hours": {"mon": [["16:30", "08:30"]]}}):
        refused = await desk.tickets.post("/sla/what-if", json={**one_priority, "calendar": calendar},
                                          headers=manager)
        assert (refused.status_code, [e["field"] for e in refused.json()["errors"]]) == (422, ["calendar"])
        rightly = await put_policy(desk, tokens, {**policy(), "calendar": calendar})
        assert (rightly.status_code, [e["field"] for e in rightly.json()["errors"]]) == (422, ["calendar"])
    upside_down = {**one_priority, "targets": {"P2": {"response_minutes": 3, "resolution_minutes": 2}}}
    refused = await desk.tickets.post("/sla/what-if", json=upside_down, headers=manager)
    assert [e["field"] for e in refused.json()["errors"]] == ["targets.P2.response_minutes"]


async def test_staff_naming_another_requester_are_refused_by_field_and_the_desk_is_not(desk, tokens, db):
    alice = tokens.headers("staff", sub="alice")
    refused = await desk.tickets.post("/tickets", json=ticket_request(requester_id="carol"), headers=alice)
    assert refused.status_code == 403 and refused.json()["detail"].startswith("requester_id:")
    assert await event_count(desk, db) == 0
    mine = await desk.tickets.post("/tickets", json=ticket_request(requester_id="alice"), headers=alice)
    assert (mine.status_code, mine.json()["requester_id"]) == (201, "alice")


_ROWS_READ = """
SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
WHERE schemaname = current_schema() AND relname = $1
"""


async def rows_read(conn, tables=("events", "desk_policy")) -> dict[str, int]:
    """Rows this connection's backend has read from each table and not yet reported (a transaction's count only
    grows until it ends)."""
    return {table: await conn.fetchval(_ROWS_READ, table) for table in tables}


def more(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in after}


async def test_a_tenant_with_a_hundred_policy_versions_costs_another_tenant_no_read_of_its_history(desk, tokens):
    for version in range(100):
        body = policy(P3=(60 + version, 6000))
        changed = await put_policy(desk, tokens, body, **{"If-Match": f'"{version}"'})
        assert (changed.status_code, changed.headers["ETag"]) == (200, f'"{version + 1}"'), changed.text
    shown = await desk.tickets.get("/desk-policy", headers=tokens.headers("staff"))
    assert (shown.headers["ETag"], shown.json()["targets"]["P3"]["response_minutes"]) == ('"100"', 159)
    stale = await put_policy(desk, tokens, policy(), **{"If-Match": '"99"'})
    assert stale.status_code == 412
    pool, other = desk.apps["tickets"].state.pool, "another-city"
    async with pool.acquire() as conn, conn.transaction():
        # Opening a ticket for another tenant, as the route does: its policy's one row, and no event read.
        before = await rows_read(conn)
        current = await service.load_policy(conn, other)
        ticket_id = uuid7()
        command = cmd.OpenTicket(ticket_id, "bob", "VPN", "Token refused", "network", Level.LOW, Level.LOW,
                                 cmd.Actor("bob", False), utcnow())
        await service.handle_ticket(conn, ticket_id, command, Context(other, "bob", "c"), policy=current.state,
                                    loaded=streams.fresh(TICKET))
        assert more(await rows_read(conn), before) == {"events": 0, "desk_policy": 0}  # no row: the defaults
        # The tenant with the long history reads its own policy from its one row too.
        before = await rows_read(conn)
        own = await service.load_policy(conn, tokens.tenant)
        assert (own.version, own.state.targets["P3"].response_minutes) == (100, 159)
        assert more(await rows_read(conn), before) == {"events": 0, "desk_policy": 1}


async def test_a_policy_set_before_its_read_model_existed_is_read_from_its_latest_change(pool_for, settings_for):
    pool, schema = await pool_for("tickets"), settings_for(Settings).schema
    ctx = Context("ottawa", "manny", "c")
    async with pool.acquire() as conn:
        for minutes in (30, 45):
            targets = {**DEFAULT_TARGETS, Priority.P1: SlaTarget(response_minutes=minutes, resolution_minutes=240)}
            await service.set_policy(conn, DeskPolicy(targets=targets), ctx, None)
        await conn.execute("DROP TABLE desk_policy; DELETE FROM schema_migrations WHERE name = '011_desk_policy.sql'")
    await migrate_pool(pool, schema, {"events.store": STORE_MIGRATIONS, "tickets": MIGRATIONS})
    async with pool.acquire() as conn:
        current = await service.load_policy(conn, "ottawa")
    assert (current.version, current.state.targets[Priority.P1].response_minutes) == (2, 45)
