"""Events stored at schema v1 read back as v2: the business time named `at`, the device a UUID or nothing."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.base import event_from_stored
from events.contracts.tickets import Level, Priority, SlaBreached, SlaClock, SlaWarningReached, TicketOpened
from events.contracts.work_orders import WorkOrderCreated, WorkOrderKind
from events.envelope import Envelope, schema_uri

OCCURRED_AT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)  # the envelope's `time`
OPENED_AT = "2026-03-02T09:00:00-05:00"  # 14:00Z, five minutes before it was stored
TICKET_ID = uuid4()
OPENED_V1 = {"ticket_id": str(TICKET_ID), "requester_id": "alice", "subject": "Printer jam", "description": "Tray 2",
             "category": "hardware", "impact": "low", "urgency": "high", "priority": "P3", "channel": "web",
             "device_id": None, "linked_ticket_ids": [], "opened_by": None, "opened_at": OPENED_AT}


def opened_v2(**overrides) -> TicketOpened:
    fields = dict(ticket_id=TICKET_ID, requester_id="alice", subject="Printer jam", description="Tray 2",
                  category="hardware", impact=Level.LOW, urgency=Level.HIGH, priority=Priority.P3,
                  at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    return TicketOpened(**{**fields, **overrides})


def test_a_v1_ticket_opened_reads_back_with_its_opened_at_as_at_and_leaves_the_stored_payload_alone():
    stored = dict(OPENED_V1)
    event = event_from_stored("tickets.ticket_opened", 1, stored, OCCURRED_AT)
    assert event == opened_v2()
    assert event.at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert stored == OPENED_V1


def test_a_v1_ticket_opened_naming_a_device_by_text_reads_back_naming_no_device():
    event = event_from_stored("tickets.ticket_opened", 1, {**OPENED_V1, "device_id": "PC-0042"}, OCCURRED_AT)
    assert event == opened_v2(device_id=None)


def test_a_v1_ticket_opened_naming_a_device_by_uuid_reads_back_naming_that_device():
    device = uuid4()
    event = event_from_stored("tickets.ticket_opened", 1, {**OPENED_V1, "device_id": str(device)}, OCCURRED_AT)
    assert event == opened_v2(device_id=device)


@pytest.mark.parametrize("opened_at", ["absent", None], ids=["absent", "null"])
def test_a_v1_ticket_opened_without_opened_at_reads_back_at_the_time_it_was_stored(opened_at):
    data = {k: v for k, v in OPENED_V1.items() if k != "opened_at"}
    if opened_at is None:
        data["opened_at"] = None
    event = event_from_stored("tickets.ticket_opened", 1, data, OCCURRED_AT)
    assert event == opened_v2(at=OCCURRED_AT)


def test_a_v1_sla_breach_reads_back_with_its_breached_at_as_at():
    data = {"clock": "resolution", "target_seconds": 28800.0, "breached_at": "2026-03-04T09:30:00-05:00"}
    event = event_from_stored("tickets.sla_breached", 1, data, OCCURRED_AT)
    assert event == SlaBreached(clock=SlaClock.RESOLUTION, target_seconds=8 * 3600,
                                at=datetime(2026, 3, 4, 14, 30, tzinfo=UTC))


def test_a_v1_sla_warning_reads_back_with_its_reached_at_as_at():
    data = {"clock": "response", "target_seconds": 3600.0, "reached_at": "2026-03-02T14:45:00+00:00"}
    event = event_from_stored("tickets.sla_warning_reached", 1, data, OCCURRED_AT)
    assert event == SlaWarningReached(clock=SlaClock.RESPONSE, target_seconds=3600,
                                      at=datetime(2026, 3, 2, 14, 45, tzinfo=UTC))


WORK_ORDER_ID = uuid4()
CREATED_V1 = {"work_order_id": str(WORK_ORDER_ID), "title": "Replace fuser", "description": "3rd floor printer",
              "kind": "corrective", "ticket_id": None, "device_id": None, "schedule_id": None, "occurrence": None}
CREATED_V2 = WorkOrderCreated(work_order_id=WORK_ORDER_ID, title="Replace fuser", description="3rd floor printer",
                              kind=WorkOrderKind.CORRECTIVE, at=OCCURRED_AT)


def test_a_v1_work_order_created_reads_back_at_the_time_it_was_stored():
    assert event_from_stored("tickets.work_order_created", 1, CREATED_V1, OCCURRED_AT) == CREATED_V2


def test_a_v1_work_order_created_in_its_envelope_reads_back_at_the_envelopes_time():
    envelope = Envelope.from_document({
        "specversion": "1.0", "id": str(uuid4()), "source": "/tickets", "type": "tickets.work_order_created",
        "subject": f"work-order-{WORK_ORDER_ID}", "time": OCCURRED_AT.isoformat(),
        "datacontenttype": "application/json", "dataschema": schema_uri("tickets.work_order_created", 1),
        "data": CREATED_V1, "streamversion": 1, "recordedtime": "2026-03-02T14:05:01+00:00", "tenant": "ottawa",
        "actor": "tina", "correlationid": "c-1", "causationid": None, "schemaversion": 1,
    })
    assert envelope.event() == CREATED_V2
