"""The endpoint protection deciders, given / when / then, without I/O: a device's protection and the requirements."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from assets.domain.protection import (
    DEVICE_PROTECTION,
    REQUIREMENTS,
    RecordProtection,
    RemoveProtection,
    RequestProtectionWork,
    SetProtectionRequirements,
)
from assets.domain.security_errors import ProtectionNotRecorded, ProtectionRecordOutdated
from events.contracts.assets import DeviceKind
from events.contracts.security import (
    KindRequirement,
    LockoutPolicy,
    ProtectionKind,
    ProtectionRecorded,
    ProtectionRemoved,
    ProtectionRequirementsSet,
    ProtectionStatus,
    ProtectionWorkRequested,
    UpdateAge,
)
from events.errors import Unprocessable
from events.testing import given

PC = uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
POLICY = LockoutPolicy(lock_after_minutes=10, lockout_after_failed_attempts=5)
AM, LOCKOUT, DISK = ProtectionKind.ANTI_MALWARE, ProtectionKind.SCREEN_LOCKOUT, ProtectionKind.DISK_ENCRYPTION


def record(kind=AM, at=MONDAY, **overrides) -> RecordProtection:
    fields = dict(
        device_id=PC,
        kind=kind,
        product="Defender",
        status=ProtectionStatus.ACTIVE,
        technician_id="tom",
        at=at,
        version="4.18",
        last_updated=at - timedelta(hours=2),
    )
    return RecordProtection(**{**fields, **overrides})


def recorded(kind=AM, at=MONDAY, **overrides) -> ProtectionRecorded:
    fields = dict(
        at=at,
        device_id=PC,
        kind=kind,
        product="Defender",
        version="4.18",
        last_updated=at - timedelta(hours=2),
        status=ProtectionStatus.ACTIVE,
        technician_id="tom",
    )
    return ProtectionRecorded(**{**fields, **overrides})


def ask(missing=(), outdated=(), at=TUESDAY) -> RequestProtectionWork:
    return RequestProtectionWork(
        device_id=PC,
        asset_tag="CITY-1",
        missing=tuple(missing),
        outdated=tuple(outdated),
        requested_by="tom",
        at=at,
        location="City Hall",
    )


def asked(missing=(), outdated=(), at=TUESDAY) -> ProtectionWorkRequested:
    return ProtectionWorkRequested(
        at=at,
        device_id=PC,
        asset_tag="CITY-1",
        location="City Hall",
        missing=list(missing),
        outdated=list(outdated),
        requested_by="tom",
    )


def test_a_protection_is_recorded_with_its_product_version_and_last_update():
    given(DEVICE_PROTECTION).then(record(), recorded())


def test_a_screen_lockout_is_recorded_with_its_policy_and_only_a_screen_lockout_has_one():
    given(DEVICE_PROTECTION).then(
        record(LOCKOUT, policy=POLICY, last_updated=None), recorded(LOCKOUT, policy=POLICY, last_updated=None)
    )
    without = given(DEVICE_PROTECTION).refuses(record(LOCKOUT, last_updated=None), Unprocessable)
    assert without.field == "policy"
    assert given(DEVICE_PROTECTION).refuses(record(policy=POLICY), Unprocessable).field == "policy"


def test_a_last_update_after_the_record_itself_is_refused_by_field():
    refusal = given(DEVICE_PROTECTION).refuses(record(last_updated=MONDAY + timedelta(hours=1)), Unprocessable)
    assert refusal.field == "last_updated"


def test_a_record_older_than_the_one_held_for_that_kind_is_refused():
    later = given(DEVICE_PROTECTION, recorded(at=TUESDAY))
    later.refuses(record(at=MONDAY), ProtectionRecordOutdated)
    later.then(record(DISK, at=MONDAY), recorded(DISK, at=MONDAY))  # another kind has its own record


def test_only_a_protection_the_device_runs_is_removed():
    removal = RemoveProtection(device_id=PC, kind=AM, technician_id="tom", at=TUESDAY, reason="replaced by EDR")
    given(DEVICE_PROTECTION).refuses(removal, ProtectionNotRecorded)
    removed = ProtectionRemoved(at=TUESDAY, device_id=PC, kind=AM, reason="replaced by EDR", technician_id="tom")
    given(DEVICE_PROTECTION, recorded()).then(removal, removed)
    given(DEVICE_PROTECTION, recorded(), removed).refuses(removal, ProtectionNotRecorded)


def test_a_work_order_is_asked_for_once_per_gap():
    given(DEVICE_PROTECTION).then(ask(missing=[DISK], outdated=[AM]), asked(missing=[DISK], outdated=[AM]))
    already = given(DEVICE_PROTECTION, asked(missing=[DISK], outdated=[AM]))
    already.then(ask(missing=[DISK], outdated=[AM]))  # the same open gap: nothing recorded
    already.then(ask(missing=[DISK, LOCKOUT], outdated=[AM]), asked(missing=[LOCKOUT]))  # only what is new


def test_a_gap_closed_by_a_record_and_opened_again_is_asked_for_again():
    closed = given(DEVICE_PROTECTION, asked(outdated=[AM]), recorded(at=TUESDAY))
    closed.then(ask(outdated=[AM]), asked(outdated=[AM]))
    removed = ProtectionRemoved(at=TUESDAY, device_id=PC, kind=AM, technician_id="tom")
    given(DEVICE_PROTECTION, recorded(), asked(outdated=[AM]), removed).then(ask(missing=[AM]), asked(missing=[AM]))


def requirements(*required: KindRequirement, ages=(UpdateAge(kind=AM, days=7),)) -> SetProtectionRequirements:
    return SetProtectionRequirements(required=required, max_update_age=tuple(ages), set_by="maria", at=MONDAY)


LAPTOPS = KindRequirement(device_kind=DeviceKind.LAPTOP, protections=[AM, DISK, LOCKOUT])
DESKTOPS = KindRequirement(device_kind=DeviceKind.DESKTOP, protections=[AM, ProtectionKind.DESKTOP_LOCKDOWN])
SET = ProtectionRequirementsSet(
    at=MONDAY, required=[LAPTOPS, DESKTOPS], max_update_age=[UpdateAge(kind=AM, days=7)], set_by="maria"
)


def test_requirements_are_set_whole_and_the_same_again_records_nothing():
    given(REQUIREMENTS).then(requirements(LAPTOPS, DESKTOPS), SET)
    given(REQUIREMENTS, SET).then(requirements(LAPTOPS, DESKTOPS))
    fewer = ProtectionRequirementsSet(at=MONDAY, required=[LAPTOPS], max_update_age=[], set_by="maria")
    given(REQUIREMENTS, SET).then(requirements(LAPTOPS, ages=()), fewer)


def test_a_device_kind_or_protection_named_twice_is_refused_by_field():
    twice = given(REQUIREMENTS).refuses(requirements(LAPTOPS, LAPTOPS), Unprocessable, match="laptop")
    assert twice.field == "required"
    doubled = KindRequirement(device_kind=DeviceKind.TABLET, protections=[AM, AM])
    assert given(REQUIREMENTS).refuses(requirements(doubled), Unprocessable).field == "required"
    ages = (UpdateAge(kind=AM, days=7), UpdateAge(kind=AM, days=3))
    assert given(REQUIREMENTS).refuses(requirements(LAPTOPS, ages=ages), Unprocessable).field == "max_update_age"
