"""The service-desk, asset and training KPIs over REST, from events applied as the projector applies them: local
days across midnight and a DST change, breakdowns, CSV, tenants apart, redelivery, and a definition change replayed."""

import asyncio
import dataclasses
import itertools
import os
import statistics
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from events.contracts import assets as dv
from events.contracts import tickets as ev
from events.contracts import training as tr
from events.contracts import work_orders as wo
from events.contracts.metrics import InputProvenance, ReferenceInputRecorded
from events.contracts.tickets import CalendarDocument
from events.envelope import Context, wrap
from metrics.kpis import definitions, store
from metrics.kpis.definitions import Measure
from metrics.kpis.handlers import SAMPLED_KPIS
from metrics.kpis.periods import By
from metrics.kpis.replay import replay
from metrics.projections import projection
from support.builders import opened
from support.records import deliver_batch
from tickets.domain.policy import DEFAULT_TARGETS

READER = ("manager",)
MONDAY = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 09:00 in Vancouver
VANCOUVER = CalendarDocument(timezone="America/Vancouver", hours={d: [("08:30", "16:30")] for d in
                                                                  ("mon", "tue", "wed", "thu", "fri")})  # fmt: skip


@pytest.fixture
def metrics(metrics, projection_pool):
    """The metrics service, holding the projection's pool the desk below applies its events through."""
    metrics.pool = projection_pool
    return metrics


class Desk:
    """Events of one tenant, applied as the projector applies a batch it fetched (deduplicated, in order)."""

    def __init__(self, suite, tenant: str):
        self.suite, self.tenant, self.versions = suite, tenant, {}

    def wrapped(self, stream: str, event):
        self.versions[stream] = self.versions.get(stream, 0) + 1
        ctx = Context(tenant=self.tenant, actor="tom", correlation_id="c", recorded_at=event.at)
        return wrap(event, stream_id=stream, stream_version=self.versions[stream], ctx=ctx)

    async def apply(self, *envelopes):
        await deliver_batch(self.suite.pool, "metrics.projector", projection, envelopes, "t")

    async def ticket(self, *events, at: datetime = MONDAY, **fields) -> str:
        tid = uuid4()
        await self.apply(*(self.wrapped(str(tid), e) for e in (opened(ticket_id=tid, at=at, **fields), *events)))
        return str(tid)

    async def policy(self, calendar: CalendarDocument, at: datetime) -> None:
        changed = ev.DeskPolicyChanged(calendar=calendar, targets=DEFAULT_TARGETS, auto_close_business_days=3,
                                       reopen_window_days=10, at=at)  # fmt: skip
        await self.apply(self.wrapped(f"desk-policy:{self.tenant}", changed))


async def series(client, headers, kpi: str, **params) -> dict:
    answer = await client.get(f"/kpis/{kpi}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def values(body: dict, member: str = "", part: str = "") -> list:
    return [p["value"] for p in body["points"] if p["member"] == member and p["part"] == part]


def resolved(at: datetime) -> ev.TicketResolved:
    return ev.TicketResolved(resolution_code="solved", note="done", technician_id="tom", at=at)


async def test_tickets_are_counted_in_the_tenants_local_days_across_midnight_and_a_dst_change(metrics, tokens):
    desk, headers = Desk(metrics, tokens.tenant), tokens.headers(*READER)
    await desk.policy(VANCOUVER, datetime(2026, 1, 5, tzinfo=UTC))
    # Vancouver springs forward on March 8 (UTC-8, then UTC-7) and falls back on November 1.
    moments = [
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 23:30 on the 7th
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # 23:30 on the 8th, the 9th in UTC
        datetime(2026, 3, 9, 7, 30, tzinfo=UTC),  # 00:30 on the 9th: the 8th at the winter offset
        datetime(2026, 11, 2, 7, 30, tzinfo=UTC),  # 23:30 on November 1st, a 25-hour day
    ]
    for at in moments:
        await desk.ticket(at=at)
    client, opened_kpi = metrics.metrics, "desk.tickets-opened"
    days = await series(client, headers, opened_kpi, **{"from": "2026-03-06", "to": "2026-03-09"})
    assert days["timezone"] == "America/Vancouver"
    assert [(p["period_start"], p["value"]) for p in days["points"]] == [
        ("2026-03-06", 0), ("2026-03-07", 1), ("2026-03-08", 1), ("2026-03-09", 1)]  # fmt: skip
    november = await series(client, headers, opened_kpi, **{"from": "2026-11-01", "to": "2026-11-02"})
    assert values(november) == [1, 0]
    weeks = await series(client, headers, opened_kpi, by="week", **{"from": "2026-03-01", "to": "2026-03-15"})
    assert [(p["period_start"], p["period_end"], p["value"]) for p in weeks["points"]] == [
        ("2026-03-01", "2026-03-01", 0), ("2026-03-02", "2026-03-08", 2), ("2026-03-09", "2026-03-15", 1)]  # fmt: skip


async def test_a_definition_change_is_recomputed_by_replay_and_both_series_are_kept(metrics, tokens, monkeypatch):
    desk, headers, kpi = Desk(metrics, tokens.tenant), tokens.headers(*READER), "desk.first-contact-resolution"
    old = dataclasses.replace(definitions.by_key(f"{kpi}@1"), current=True)
    monkeypatch.setattr(definitions, "DEFINITIONS", (*(k for k in definitions.DEFINITIONS if k.id != kpi), old))
    # Reopened 5 days after its resolution: a new problem under a 3-day window, not under "any reopening".
    await desk.ticket(resolved(MONDAY + timedelta(hours=1)), ev.TicketReopened(reason="again", at=MONDAY + timedelta(
        days=5)), resolved(MONDAY + timedelta(days=5, hours=2)))  # fmt: skip
    await desk.ticket(resolved(MONDAY + timedelta(days=5, hours=1)))
    week = {"from": "2026-03-02", "to": "2026-03-08", "by": "week"}
    client = metrics.metrics
    assert values(await series(client, headers, kpi, **week)) == [100.0]
    assert (await client.get(f"/kpis/{kpi}", params={**week, "version": 2}, headers=headers)).status_code == 404

    monkeypatch.undo()  # the new version deployed: its series is computed from the facts kept so far
    settings = metrics.settings["metrics"]
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DB_SCHEMA": settings.schema,
           "PROJECTION_SCHEMA": settings.projection}  # fmt: skip
    replay = await asyncio.create_subprocess_exec(sys.executable, "-m", "metrics.kpis", "replay", f"{kpi}@2", env=env,
                                                  stdout=PIPE, stderr=PIPE)  # fmt: skip
    out, err = await asyncio.wait_for(replay.communicate(), 60)
    assert replay.returncode == 0, err.decode()
    assert f"replayed {kpi}@2 from 2 ticket facts" in out.decode()

    current = await series(client, headers, kpi, **week)
    assert (current["definition"], values(current)) == (f"{kpi}@2", [50.0])
    assert values(await series(client, headers, kpi, version=1, **week)) == [100.0]
    await desk.ticket(ev.TicketEscalated(group="network", level=2, reason="x", at=MONDAY + timedelta(days=5)),
                      resolved(MONDAY + timedelta(days=5, hours=3)))  # fmt: skip
    assert values(await series(client, headers, kpi, **week)) == [33.33]
    assert values(await series(client, headers, kpi, version=1, **week)) == [66.67]


async def test_desk_kpis_answer_by_group_and_as_csv_for_the_callers_tenant_only(metrics, tokens):
    desk, other, headers = Desk(metrics, tokens.tenant), Desk(metrics, "another-city"), tokens.headers(*READER)
    fast = [
        ev.TicketAcknowledged(technician_id="tom", at=MONDAY + timedelta(minutes=10)),
        resolved(MONDAY + timedelta(hours=2)),
        ev.SatisfactionRecorded(score=5, at=MONDAY + timedelta(hours=3)),
    ]
    await desk.ticket(*fast, priority="P1", impact="high", urgency="high")
    handed = [ev.TicketAssigned(assignee_id=who, group="network", at=MONDAY + timedelta(hours=1)) for who in "ab"]
    await desk.ticket(*handed, resolved(MONDAY + timedelta(days=1)))
    await desk.ticket()  # still open
    await other.ticket(resolved(MONDAY + timedelta(hours=1)))
    march = {"from": "2026-03-01", "to": "2026-03-31", "by": "month"}
    client = metrics.metrics
    by_priority = await series(client, headers, "desk.tickets-opened", group="priority", **march)
    assert {(p["member"], p["value"]) for p in by_priority["points"]} == {("P1", 1), ("P3", 2)}
    # Business hours on the default desk calendar (Toronto, 08:30-16:30): 2 h, and noon Monday to noon Tuesday, 8 h.
    assert values(await series(client, headers, "desk.time-to-resolve", **march)) == [5.0]
    assert values(await series(client, headers, "desk.time-to-resolve-median", **march)) == [5.0]
    assert values(await series(client, headers, "desk.satisfaction", **march)) == [5.0]
    # The P1 answered in 10 minutes of its 15; the P3's first response was its resolution, 8 h for 4 h allowed.
    sla = await series(client, headers, "desk.sla-compliance", **march)
    assert (values(sla, part="response"), values(sla, part="resolution")) == ([50.0], [100.0])
    backlog = await series(client, headers, "desk.backlog", **march)  # as at March 31
    assert {p["part"]: p["value"] for p in backlog["points"]} == {"0d": 0, "1-2d": 0, "3-6d": 0, "7-29d": 1}
    april = await series(client, headers, "desk.backlog", **{**march, "from": "2026-04-01", "to": "2026-04-30"})
    assert {p["part"]: p["value"] for p in april["points"]} == {"0d": 0, "1-2d": 0, "3-6d": 0, "7-29d": 0, "30d+": 1}
    grouped = await series(client, headers, "desk.reassignments-per-ticket", group="group", **march)
    assert {(p["member"], p["value"]) for p in grouped["points"]} == {("", 0.0), ("network", 1.0)}

    csv = await client.get("/kpis/desk.tickets-opened", params=march, headers={**headers, "Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["definition,period_start,period_end,group,member,part,value,numerator,denominator",
                                     "desk.tickets-opened@1,2026-03-01,2026-03-31,,,,3,3,3"]  # fmt: skip
    refused = await client.get("/kpis/work.hours-logged", params={**march, "group": "priority"}, headers=headers)
    assert refused.status_code == 422 and "group" in refused.json()["detail"]
    assert (await client.get("/kpis/no.such-kpi", params=march, headers=headers)).status_code == 404
    listed = (await client.get("/kpis", headers=headers)).json()["kpis"]
    assert {k["definition"] for k in listed} >= {"desk.first-contact-resolution@1", "desk.first-contact-resolution@2"}


async def test_work_asset_and_training_kpis_and_a_redelivered_batch_counting_once(metrics, tokens):
    desk, headers, client = Desk(metrics, tokens.tenant), tokens.headers(*READER), metrics.metrics
    order = uuid4()
    logged = [wo.WorkTimeLogged(work_order_id=order, technician_id="tom", minutes=m, at=MONDAY) for m in (30, 60)]
    done = wo.WorkOrderCompleted(work_order_id=order, summary="fuser replaced", at=MONDAY + timedelta(hours=2))
    work = [desk.wrapped(str(order), e) for e in (*logged, done)]
    await desk.apply(*work)
    await desk.apply(*work)  # delivered again: the dedupe rows say so, nothing is counted twice
    hours = {"delivery_id": uuid4(), "hours": Decimal("1.5"), "kind": "session", "topic": "Teams", "at": MONDAY}
    people = [tr.TrainingDelivered(person_id=p, **{**hours, "delivery_id": uuid4()}) for p in ("ann", "bob", "ann")]
    owed = tr.OrientationOwed(orientation_id=uuid4(), person_id="cy", due_on=date(2026, 3, 5), at=MONDAY)
    fte = ReferenceInputRecorded(submission_id=uuid4(), fiscal_year=2026, input_id="INTN010", value=Decimal(90),
                                 provenance=InputProvenance(source="HR"), at=MONDAY)  # fmt: skip
    device = uuid4()
    laptop = dv.DeviceRegistered(device_id=device, asset_tag="CITY-1", kind="laptop", holds_storage=True,
                                 mbn_class="laptops_tablets", model="T14", at=MONDAY)  # fmt: skip
    repair = {"repair_id": uuid4(), "work_order_id": order, "technician_id": "tom", "fault": "fan", "action": "new fan"}
    repaired = dv.DeviceRepairRecorded(device_id=device, **repair, minutes=30, at=MONDAY + timedelta(days=8))
    await desk.apply(*(desk.wrapped(str(e.delivery_id), e) for e in people), desk.wrapped("o-1", owed),
                     desk.wrapped("fy-2026", fte), desk.wrapped(str(device), laptop),
                     desk.wrapped(str(device), repaired))  # fmt: skip
    march = {"from": "2026-03-01", "to": "2026-03-31", "by": "month"}
    assert values(await series(client, headers, "work.hours-logged", **march)) == [1.5]
    assert values(await series(client, headers, "work.orders-completed", **march)) == [1]
    assert values(await series(client, headers, "training.people-trained", **march)) == [2]
    assert values(await series(client, headers, "training.hours", **march)) == [4.5]
    assert values(await series(client, headers, "training.hours-per-fte", **march)) == [0.05]
    assert values(await series(client, headers, "training.orientation-within-due", **march)) == [0.0]  # not held
    assert values(await series(client, headers, "assets.devices", **march), part="laptops_tablets") == [1]
    mtbf = await series(client, headers, "assets.mtbf", **march)  # operating March 2 to 31, one repair
    assert [(p["part"], p["value"], p["numerator"]) for p in mtbf["points"]] == [("T14", 30.0, 30.0)]
    april = await series(client, headers, "assets.mtbf", **{**march, "from": "2026-04-01", "to": "2026-04-30"})
    assert [(p["value"], p["numerator"], p["denominator"]) for p in april["points"]] == [(None, 30.0, 0.0)]


async def test_every_kpi_version_answers_for_each_period_length_and_breakdown_it_allows(metrics, tokens):
    desk, headers = Desk(metrics, tokens.tenant), tokens.headers("reporting")
    await desk.ticket(resolved(MONDAY + timedelta(days=40)))
    ranges = [("2026-01-01", "2026-12-31"), ("9999-12-01", "9999-12-31"), ("1900-01-01", "1900-01-03")]
    for kpi, by, (start, end) in itertools.product(definitions.DEFINITIONS, By, ranges):
        for group in (None, *(kpi.groups if start == ranges[0][0] else ())):
            params = {"from": start, "to": end, "by": by, "version": kpi.version, **({"group": group} if group else {})}
            answer = await metrics.metrics.get(f"/kpis/{kpi.id}", params=params, headers=headers)
            assert answer.status_code == 200, (kpi.key, by, start, group, answer.text)
            # MTBF has one series per model, none before a device has a model
            assert answer.json()["points"] or kpi.measure is Measure.PER_REPAIR, (kpi.key, by, start, group)


async def test_a_stock_by_week_month_and_year_is_its_value_on_each_periods_last_day(metrics, tokens):
    """Whole weeks and months are read from their sums, the days around them from their rows: both agree with the
    per-day series, for ranges starting and ending inside a week and a month."""
    desk, headers, client = Desk(metrics, tokens.tenant), tokens.headers(*READER), metrics.metrics
    for n in range(8):  # opened every 5 days from March 2, open for 3 to 38 days, some by group
        at = MONDAY + timedelta(days=5 * n)
        assigned = [ev.TicketAssigned(assignee_id="tom", group=("desk", "field")[n % 2], at=at)] if n % 3 else []
        await desk.ticket(*assigned, resolved(at + timedelta(days=3 + 5 * n)), at=at)
    for start, end, group in [("2026-03-04", "2026-05-13", None), ("2026-02-27", "2026-06-02", "group"),
                              ("2026-03-09", "2026-03-22", None), ("2026-03-10", "2026-03-12", None)]:  # fmt: skip
        asked = {"from": start, "to": end, **({"group": group} if group else {})}
        days = await series(client, headers, "desk.backlog", **asked)
        on_day = {(p["period_end"], p["member"], p["part"]): p["value"] for p in days["points"]}
        for by in ("week", "month", "year"):
            read = await series(client, headers, "desk.backlog", by=by, **asked)
            assert read["points"], (by, start, end)
            for p in read["points"]:
                assert p["value"] == on_day[(p["period_end"], p["member"], p["part"])], (by, start, end, p)


async def test_medians_and_people_by_week_and_month_are_those_of_the_periods_samples_as_they_change(
    metrics, projection_pool, tokens
):
    """Closed weeks and months are read from figures the projector keeps, open ones and the days around whole ones
    from the samples: all are what the period's samples give, after a ticket moves to another group and another is
    reopened, still once the open periods have closed, and after a replay."""
    desk, headers, client = Desk(metrics, tokens.tenant), tokens.headers(*READER), metrics.metrics
    now = datetime.now(UTC).replace(microsecond=0)
    tickets = []
    for n in range(16):  # resolved after 1 to 16 hours: two or three a week from March 2, and four in the last days
        at = MONDAY + timedelta(days=3 * n) if n < 12 else now - timedelta(days=n - 11, hours=n)
        assigned = [ev.TicketAssigned(assignee_id="tom", group=("desk", "field")[n % 2], at=at)]
        tickets.append(await desk.ticket(*assigned, resolved(at + timedelta(hours=n + 1)), at=at))
        person = tr.TrainingDelivered(delivery_id=uuid4(), person_id=f"p{n % 4}", hours=Decimal(1), kind="session",
                                      topic="Teams", at=at)  # fmt: skip
        await desk.apply(desk.wrapped(str(person.delivery_id), person))
    later = MONDAY + timedelta(days=40)
    await desk.apply(desk.wrapped(tickets[2], ev.TicketEscalated(group="network", level=2, reason="x", at=later)),
                     desk.wrapped(tickets[5], ev.TicketReopened(reason="again", at=later)))  # fmt: skip
    async with projection_pool.acquire() as conn:
        samples = await conn.fetch("SELECT kpi, day, value, who, grp FROM kpi_samples WHERE tenant = $1", tokens.tenant)
    recent = (str(now.date() - timedelta(days=40)), str(now.date() + timedelta(days=1)))
    ranges = [("2026-03-04", "2026-04-08"), ("2026-03-02", "2026-03-31"), ("2026-03-10", "2026-03-12"), recent]

    async def read_as_the_samples_give() -> set[str]:
        members = set()
        for kpi_id, by, group, (start, end) in itertools.product(
            ("desk.time-to-resolve-median", "training.people-trained"), ("week", "month"), (None, "group"), ranges
        ):
            kpi = definitions.current(kpi_id)
            if group and group not in kpi.groups:
                continue
            read = await series(client, headers, kpi_id, by=by, **{"from": start, "to": end},
                                **({"group": group} if group else {}))  # fmt: skip
            for p in read["points"]:
                within = [s for s in samples if s["kpi"] == kpi_id and p["period_start"] <= str(s["day"])
                          <= p["period_end"] and (s["grp"] if group else "") == p["member"]]  # fmt: skip
                if kpi.measure is Measure.DISTINCT:
                    expected = len({s["who"] for s in within})
                else:
                    expected = round(statistics.median(s["value"] for s in within) * kpi.scale, kpi.decimals) \
                        if within else None  # fmt: skip
                assert (p["value"], p["denominator"]) == (expected, len(within)), (kpi_id, by, group, start, p)
            members |= {p["member"] for p in read["points"] if p["denominator"]}
        return members

    assert await read_as_the_samples_give() == {"", "desk", "field", "network"}  # the moved ticket's group included
    async with projection_pool.acquire() as conn, conn.transaction():  # six weeks on: the last days' periods close
        await store.keep_periods(conn, SAMPLED_KPIS, [], now.date() + timedelta(days=42))
        assert await conn.fetchval("SELECT count(*) FROM kpi_sample_periods WHERE tenant = $1 AND period >= $2",
                                   tokens.tenant, now.date() - timedelta(days=12))  # fmt: skip
    assert await read_as_the_samples_give() == {"", "desk", "field", "network"}
    async with projection_pool.acquire() as conn:  # computed again from the facts: the same samples and figures
        sampled = [definitions.current(kpi) for kpi in ("desk.time-to-resolve-median", "training.people-trained")]
        await replay(conn, metrics.settings["metrics"].projection, sampled)
    assert await read_as_the_samples_give() == {"", "desk", "field", "network"}
