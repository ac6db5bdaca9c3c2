"""Correcting a device's details, given / when / then: only what differs is recorded, nothing on a gone device."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from assets.domain.commands import CorrectDeviceDetails
from assets.domain.device import DEVICE
from assets.domain.errors import DeviceGone
from events.contracts import assets as ev
from events.contracts.assets import Amortization, DeviceDetail, DeviceKind, MbnClass, Purchase
from events.errors import NotFound, Unprocessable
from events.testing import given

ID = uuid4()
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PURCHASE = Purchase(purchased_on=date(2024, 1, 5), cost=Decimal("1249.99"), supplier="Dell")
REGISTERED = ev.DeviceRegistered(
    at=datetime(2024, 1, 10, tzinfo=UTC), device_id=ID, asset_tag="CITY-1", serial="5CG1", manufacturer="Dell",
    model="Latitude 5440", kind=DeviceKind.LAPTOP, holds_storage=True, purchase=PURCHASE, department="Finance",
    mbn_class=MbnClass.LAPTOPS_TABLETS)
CHEAPER = PURCHASE.model_copy(update={"cost": Decimal("1199.00")})


def test_a_correction_records_only_the_details_that_differ():
    correct = CorrectDeviceDetails(AT, (DeviceDetail.SERIAL, DeviceDetail.MODEL, DeviceDetail.PURCHASE),
                                   serial="5CG9", model="Latitude 5440", purchase=CHEAPER)
    given(DEVICE, REGISTERED).then(correct, ev.DeviceDetailsCorrected(
        at=AT, device_id=ID, changed=[DeviceDetail.SERIAL, DeviceDetail.PURCHASE], serial="5CG9", purchase=CHEAPER))


def test_a_corrected_device_holds_the_new_details_and_keeps_the_rest():
    amortization = Amortization(useful_life_months=36)
    corrected = ev.DeviceDetailsCorrected(
        at=AT, device_id=ID, changed=[DeviceDetail.WARRANTY_ENDS_ON, DeviceDetail.AMORTIZATION, DeviceDetail.SERIAL],
        warranty_ends_on=date(2027, 1, 5), amortization=amortization, serial="")
    state = given(DEVICE, REGISTERED, corrected).state
    assert (state.warranty_ends_on, state.amortization, state.serial, state.model, state.purchase) == (
        date(2027, 1, 5), amortization, "", "Latitude 5440", PURCHASE)


def test_a_correction_that_changes_nothing_is_refused():
    same = CorrectDeviceDetails(AT, (DeviceDetail.SERIAL, DeviceDetail.DEPARTMENT), serial="5CG1",
                                department="Finance")
    given(DEVICE, REGISTERED).refuses(same, Unprocessable, "nothing to correct")
    given(DEVICE, REGISTERED).refuses(CorrectDeviceDetails(AT, ()), Unprocessable)


def test_a_gone_or_unknown_device_takes_no_correction():
    correct = CorrectDeviceDetails(AT, (DeviceDetail.SERIAL,), serial="5CG9")
    stolen = ev.DeviceReportedMissing(at=AT, device_id=ID, stolen=True)
    given(DEVICE, REGISTERED, stolen).refuses(correct, DeviceGone)
    given(DEVICE).refuses(correct, NotFound)
