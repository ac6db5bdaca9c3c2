"""Repairs the service desk logged, recorded on the device's stream: given / when / then, without I/O."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from assets.domain import commands as cmd
from assets.domain.device import DEVICE, fold_in_valid_time
from assets.domain.device_state import Status
from assets.domain.errors import RepairAlreadyRecorded
from events.contracts import assets as ev
from events.contracts.assets import DeviceKind, MbnClass
from events.contracts.work_orders import PartUsed
from events.errors import NotFound
from events.testing import given

ID, REPAIR, ORDER, TICKET = uuid4(), uuid4(), uuid4(), uuid4()
BOUGHT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def at(days: int) -> datetime:
    return BOUGHT + timedelta(days=days)


REGISTERED = ev.DeviceRegistered(at=BOUGHT, device_id=ID, asset_tag="CITY-0042", model="Latitude 5490",
                                 kind=DeviceKind.LAPTOP, holds_storage=True, mbn_class=MbnClass.LAPTOPS_TABLETS)
INSTALLED = ev.DeviceInstalled(at=at(1), device_id=ID, location="City Hall 2F", person_id="ann", technician_id="tom")
RETIRED = ev.DeviceRetired(at=at(300), device_id=ID, reason="End of useful life")
SANITIZED = ev.DeviceSanitized(at=at(301), device_id=ID, method="purge", tool="Blancco 7", operator_id="tom",
                               verification="read-back", certificate_ref="SAN-1")
DISPOSED = ev.DeviceDisposed(at=at(302), device_id=ID, asset_tag="CITY-0042", certificate_ref="COD-1")
STOLEN = ev.DeviceReportedMissing(at=at(50), device_id=ID, stolen=True)

PARTS = (PartUsed(part="keyboard", quantity=1, unit_cost=Decimal("89.00")),
         PartUsed(part="key caps", quantity=3, unit_cost=Decimal("1.99")),
         PartUsed(part="screws", quantity=4))  # unpriced: adds nothing to the cost


def record(repair_id=REPAIR, when=None, **overrides) -> cmd.RecordRepair:
    fields = dict(repair_id=repair_id, work_order_id=ORDER, technician_id="tom", fault="Keys stick",
                  action="Replaced the keyboard", minutes=45, at=when or at(10), ticket_id=TICKET, parts=PARTS)
    return cmd.RecordRepair(**{**fields, **overrides})


def recorded(repair_id=REPAIR, when=None, **overrides) -> ev.DeviceRepairRecorded:
    fields = dict(at=when or at(10), device_id=ID, repair_id=repair_id, ticket_id=TICKET, work_order_id=ORDER,
                  technician_id="tom", fault="Keys stick", action="Replaced the keyboard", minutes=45,
                  parts_cost=Decimal("94.97"))
    return ev.DeviceRepairRecorded(**{**fields, **overrides})


def test_a_repair_logged_at_the_desk_is_recorded_with_what_its_priced_parts_cost():
    given(DEVICE, REGISTERED, INSTALLED).then(record(), recorded())


def test_a_repair_without_parts_costs_nothing_and_names_no_ticket_when_the_order_had_none():
    given(DEVICE, REGISTERED, INSTALLED).then(record(parts=(), ticket_id=None),
                                              recorded(parts_cost=Decimal("0"), ticket_id=None))


def test_a_repair_leaves_the_device_where_it_was_in_its_life():
    before = given(DEVICE, REGISTERED, INSTALLED).state
    after = given(DEVICE, REGISTERED, INSTALLED, recorded()).state
    assert (after.status, after.person_id, after.location) == (before.status, before.person_id, before.location)
    assert after.repairs == {REPAIR}


def test_the_same_repair_is_recorded_once():
    given(DEVICE, REGISTERED, INSTALLED, recorded()).refuses(record(), RepairAlreadyRecorded,
                                                             match=f"repair {REPAIR} is already in device CITY-0042")


def test_another_repair_of_the_same_device_is_recorded_beside_the_first():
    second = uuid4()
    given(DEVICE, REGISTERED, INSTALLED, recorded()).then(record(second, at(20)), recorded(second, at(20)))


@pytest.mark.parametrize("history", [[REGISTERED], [REGISTERED, INSTALLED, RETIRED],
                                     [REGISTERED, INSTALLED, RETIRED, SANITIZED, DISPOSED], [REGISTERED, STOLEN]],
                         ids=["in_stock", "retired", "disposed", "stolen"])
def test_a_repair_is_recorded_whatever_the_device_became_since(history):
    # Logged work happened; the desk's record of it may arrive after the device was retired or left the city.
    given(DEVICE, *history).then(record(), recorded())


def test_a_repair_of_a_device_the_inventory_never_registered_is_not_found():
    given(DEVICE).refuses(record(), NotFound)


def test_a_repair_logged_before_the_device_was_registered_is_no_state_of_the_inventory():
    early = recorded(when=BOUGHT - timedelta(days=3))
    timeline = fold_in_valid_time([(BOUGHT, BOUGHT, 1, REGISTERED), (early.at, at(5), 2, early)])
    assert [(began, state.status) for began, state in timeline] == [(BOUGHT, Status.IN_STOCK)]
    assert timeline[-1][1].repairs == {REPAIR}
