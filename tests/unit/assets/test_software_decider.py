"""The software title and licence deciders, given / when / then, without I/O."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from assets.domain.errors import (
    LicenceAlreadyAcquired,
    LicenceDoesNotExpire,
    LicenceExpired,
    LicenceSeatsExhausted,
    LicenceSeatsInUse,
    RenewalNotLater,
    SeatAlreadyAllocated,
    SoftwareTitleAlreadyAdded,
)
from assets.domain.software import (
    LICENCE,
    SOFTWARE_TITLE,
    AcquireLicence,
    AddSoftwareTitle,
    InstallSoftware,
    RenewLicence,
    UninstallSoftware,
)
from events.contracts.software import (
    LicenceAcquired,
    LicencePurchase,
    LicenceRenewed,
    LicenceType,
    SoftwareInstalled,
    SoftwareTitleAdded,
    SoftwareUninstalled,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

TITLE, LICENCE_ID, PC1, PC2, PC3 = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXPIRY = date(2026, 12, 31)
PURCHASE = LicencePurchase(cost=Decimal("1299.50"), purchased_on=date(2026, 3, 1), supplier="SoftwareOne",
                           order_number="PO-77")

ADDED = SoftwareTitleAdded(at=MONDAY, title_id=TITLE, name="Office", publisher="Microsoft", version="2024",
                           category="productivity")
ACQUIRED = LicenceAcquired(at=MONDAY, licence_id=LICENCE_ID, title_id=TITLE, licence_type=LicenceType.SUBSCRIPTION,
                           seats=2, expires_on=EXPIRY, purchase=PURCHASE, key_reference="vault://licences/office")
PERPETUAL = ACQUIRED.model_copy(update={"licence_type": LicenceType.PERPETUAL, "expires_on": None})


def installed(device, at=MONDAY) -> SoftwareInstalled:
    return SoftwareInstalled(at=at, licence_id=LICENCE_ID, title_id=TITLE, device_id=device, technician_id="tom")


def install(device, at=MONDAY) -> InstallSoftware:
    return InstallSoftware(device_id=device, technician_id="tom", at=at)


def acquire(**overrides) -> AcquireLicence:
    fields = dict(licence_id=LICENCE_ID, title_id=TITLE, licence_type=LicenceType.SUBSCRIPTION, seats=2, at=MONDAY,
                  expires_on=EXPIRY, purchase=PURCHASE, key_reference="vault://licences/office")
    return AcquireLicence(**{**fields, **overrides})


def test_a_title_is_added_once():
    command = AddSoftwareTitle(title_id=TITLE, name="Office", publisher="Microsoft", version="2024",
                               category="productivity", at=MONDAY)
    given(SOFTWARE_TITLE).then(command, ADDED)
    given(SOFTWARE_TITLE, ADDED).refuses(command, SoftwareTitleAlreadyAdded)


def test_a_licence_is_acquired_with_its_seats_expiry_purchase_and_key_reference():
    given(LICENCE).then(acquire(), ACQUIRED)
    given(LICENCE, ACQUIRED).refuses(acquire(), LicenceAlreadyAcquired)


def test_a_subscription_needs_an_expiry_and_a_perpetual_licence_has_none():
    refusal = given(LICENCE).refuses(acquire(expires_on=None), Unprocessable)
    assert refusal.field == "expires_on"
    refusal = given(LICENCE).refuses(acquire(licence_type=LicenceType.PERPETUAL), Unprocessable)
    assert refusal.field == "expires_on"
    given(LICENCE).then(acquire(licence_type=LicenceType.PERPETUAL, expires_on=None), PERPETUAL)


def test_a_seat_goes_to_a_device_while_the_licence_has_one_free():
    given(LICENCE, ACQUIRED).then(install(PC1), installed(PC1))
    given(LICENCE, ACQUIRED, installed(PC1)).then(install(PC2), installed(PC2))


def test_seats_used_never_exceed_seats_owned():
    given(LICENCE, ACQUIRED, installed(PC1), installed(PC2)).refuses(install(PC3), LicenceSeatsExhausted,
                                                                     "owns 2 seats")


def test_a_released_seat_can_be_given_again():
    history = (ACQUIRED, installed(PC1), installed(PC2), SoftwareUninstalled(
        at=MONDAY, licence_id=LICENCE_ID, title_id=TITLE, device_id=PC1, reason="reimaged"))
    given(LICENCE, *history).then(install(PC3), installed(PC3))
    assert given(LICENCE, *history).state.seats_used == 1


def test_a_device_holds_one_seat_of_a_licence():
    given(LICENCE, ACQUIRED, installed(PC1)).refuses(install(PC1), SeatAlreadyAllocated)


def test_an_expired_licence_allocates_nothing_but_is_in_force_on_its_last_day():
    last_day = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    given(LICENCE, ACQUIRED).then(install(PC1, last_day), installed(PC1, last_day))
    given(LICENCE, ACQUIRED).refuses(install(PC1, last_day + timedelta(hours=1)), LicenceExpired, "2026-12-31")


def test_a_perpetual_licence_never_expires():
    far = MONDAY.replace(year=2090)
    given(LICENCE, PERPETUAL).then(install(PC1, far), installed(PC1, far))


def test_an_uninstall_frees_the_devices_seat_and_names_the_title():
    given(LICENCE, ACQUIRED, installed(PC1)).then(
        UninstallSoftware(device_id=PC1, at=MONDAY, reason="left the department"),
        SoftwareUninstalled(at=MONDAY, licence_id=LICENCE_ID, title_id=TITLE, device_id=PC1,
                            reason="left the department"),
    )


def test_a_seat_the_device_does_not_hold_cannot_be_released():
    given(LICENCE, ACQUIRED, installed(PC1)).refuses(UninstallSoftware(device_id=PC2, at=MONDAY), NotFound)


def test_a_renewal_extends_the_expiry_and_may_change_the_seats():
    renewed = date(2027, 12, 31)
    given(LICENCE, ACQUIRED, installed(PC1)).then(
        RenewLicence(expires_on=renewed, seats=5, purchase=PURCHASE, at=MONDAY),
        LicenceRenewed(at=MONDAY, licence_id=LICENCE_ID, expires_on=renewed, seats=5, purchase=PURCHASE),
    )
    given(LICENCE, ACQUIRED).then(RenewLicence(expires_on=renewed, at=MONDAY),
                                  LicenceRenewed(at=MONDAY, licence_id=LICENCE_ID, expires_on=renewed, seats=2))


def test_a_renewed_licence_allocates_again_and_counts_its_seats_and_purchases():
    renewal = LicenceRenewed(at=MONDAY, licence_id=LICENCE_ID, expires_on=date(2027, 12, 31), seats=3,
                             purchase=PURCHASE)
    january = datetime(2027, 1, 15, tzinfo=UTC)
    history = (ACQUIRED, installed(PC1), installed(PC2), renewal)
    given(LICENCE, *history).then(install(PC3, january), installed(PC3, january))
    state = given(LICENCE, *history).state
    assert (state.seats, state.seats_free, state.purchases) == (3, 1, (PURCHASE, PURCHASE))


def test_a_renewal_must_end_later_and_keep_the_seats_in_use():
    history = (ACQUIRED, installed(PC1), installed(PC2))
    given(LICENCE, *history).refuses(RenewLicence(expires_on=EXPIRY, at=MONDAY), RenewalNotLater)
    given(LICENCE, *history).refuses(RenewLicence(expires_on=date(2027, 6, 30), seats=1, at=MONDAY),
                                     LicenceSeatsInUse)


def test_a_licence_that_never_expires_is_not_renewed():
    given(LICENCE, PERPETUAL).refuses(RenewLicence(expires_on=EXPIRY, at=MONDAY), LicenceDoesNotExpire)


@pytest.mark.parametrize("command", [install(PC1), UninstallSoftware(device_id=PC1, at=MONDAY),
                                     RenewLicence(expires_on=EXPIRY, at=MONDAY)])
def test_nothing_happens_to_a_licence_that_does_not_exist(command):
    given(LICENCE).refuses(command, NotFound)
