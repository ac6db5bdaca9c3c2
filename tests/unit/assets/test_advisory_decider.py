"""The advisory decider, given / when / then, without I/O: recording with its exposure, remediation per device."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from assets.domain.advisory import ADVISORY, Exposure, RecordAdvisory, RemediateDevice, version_key, within
from assets.domain.security_errors import AdvisoryAlreadyRecorded, DeviceAlreadyRemediated, DeviceNotExposed
from events.contracts.security import (
    AdvisoryDeviceRemediated,
    AdvisoryExposureAssessed,
    AdvisoryKind,
    AdvisoryRecorded,
    AdvisoryRemediated,
    AffectedModel,
    RemediationAction,
    Severity,
)
from events.errors import NotFound, Unprocessable
from events.testing import given

ADVISORY_ID, PC1, PC2, OTHER = uuid4(), uuid4(), uuid4(), uuid4()
RECORDED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BEGAN, ENDED = RECORDED - timedelta(days=30), RECORDED - timedelta(days=10)
MODELS = (AffectedModel(model="EliteBook 840 G5", firmware="Q78 < 01.09"),)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def record_advisory(devices=(PC1, PC2), **overrides) -> RecordAdvisory:
    fields = dict(
        advisory_id=ADVISORY_ID,
        title="BIOS flaw",
        kind=AdvisoryKind.VULNERABILITY,
        severity=Severity.HIGH,
        window_start=BEGAN,
        window_end=ENDED,
        recorded_by="maria",
        at=RECORDED,
        reference="CVE-2026-0001",
        models=MODELS,
        exposure=Exposure(tuple(devices), ("bob", "alice")),
    )
    return RecordAdvisory(**{**fields, **overrides})


RECORDED_EVENT = AdvisoryRecorded(
    at=RECORDED,
    advisory_id=ADVISORY_ID,
    title="BIOS flaw",
    kind=AdvisoryKind.VULNERABILITY,
    severity=Severity.HIGH,
    reference="CVE-2026-0001",
    models=list(MODELS),
    window_start=BEGAN,
    window_end=ENDED,
    recorded_by="maria",
)


def assessed(*devices) -> AdvisoryExposureAssessed:
    return AdvisoryExposureAssessed(
        advisory_id=ADVISORY_ID,
        at=RECORDED,
        device_ids=sorted(devices),
        people=["alice", "bob"],
        window_start=BEGAN,
        window_end=ENDED,
        severity=Severity.HIGH,
        title="BIOS flaw",
    )


def remediate(device, after: timedelta, action=RemediationAction.PATCHED) -> RemediateDevice:
    return RemediateDevice(device_id=device, action=action, remediated_by="tom", at=RECORDED + after)


def remediated(device, after: timedelta, action=RemediationAction.PATCHED) -> AdvisoryDeviceRemediated:
    return AdvisoryDeviceRemediated(
        at=RECORDED + after,
        advisory_id=ADVISORY_ID,
        device_id=device,
        action=action,
        remediated_by="tom",
        seconds_to_remediate=int(after.total_seconds()),
    )


EXPOSED = (RECORDED_EVENT, assessed(PC1, PC2))


def test_an_advisory_is_recorded_with_the_exposure_the_service_assessed():
    given(ADVISORY).then(record_advisory(), RECORDED_EVENT, assessed(PC1, PC2))
    given(ADVISORY, *EXPOSED).refuses(record_advisory(), AdvisoryAlreadyRecorded)


def test_an_advisory_that_exposed_no_device_is_remediated_as_it_is_recorded():
    nothing = AdvisoryRemediated(at=RECORDED, advisory_id=ADVISORY_ID, devices=0, seconds_to_remediate=0)
    given(ADVISORY).then(record_advisory(devices=()), RECORDED_EVENT, assessed(), nothing)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"window_end": BEGAN - DAY}, "window_end"),
        ({"window_end": BEGAN}, "window_end"),
        ({"window_end": RECORDED + DAY}, "window_end"),
        ({"window_start": RECORDED + DAY, "window_end": None}, "window_start"),
        ({"models": ()}, "software"),
    ],
)
def test_a_window_out_of_order_or_an_advisory_affecting_nothing_is_refused_by_field(overrides, field):
    assert given(ADVISORY).refuses(record_advisory(**overrides), Unprocessable).field == field


def test_only_an_exposed_device_is_remediated_and_only_once():
    exposed = given(ADVISORY, *EXPOSED)
    exposed.then(remediate(PC1, HOUR), remediated(PC1, HOUR))
    exposed.refuses(remediate(OTHER, HOUR), DeviceNotExposed)
    given(ADVISORY, *EXPOSED, remediated(PC1, HOUR)).refuses(remediate(PC1, DAY), DeviceAlreadyRemediated)


def test_a_remediation_before_the_advisory_was_recorded_is_refused_by_field():
    assert given(ADVISORY, *EXPOSED).refuses(remediate(PC1, -HOUR), Unprocessable).field == "at"


def test_the_last_device_remediated_remediates_the_advisory_with_its_time_and_the_mean():
    done = AdvisoryRemediated(
        at=RECORDED + 3 * HOUR,
        advisory_id=ADVISORY_ID,
        devices=2,
        seconds_to_remediate=3 * 3600,
        mean_seconds_to_remediate=2 * 3600,
    )
    # recorded last, but done earlier: the advisory is remediated when its last device was
    given(ADVISORY, *EXPOSED, remediated(PC1, 3 * HOUR)).then(
        remediate(PC2, HOUR, RemediationAction.REPLACED), remediated(PC2, HOUR, RemediationAction.REPLACED), done
    )


def test_an_unknown_advisory_is_not_found():
    given(ADVISORY).refuses(remediate(PC1, HOUR), NotFound)


def test_versions_compare_as_numbers_and_a_range_is_inclusive():
    assert version_key("10.2.1") > version_key("9.12") > version_key("9.2")
    assert version_key("2.0") < version_key("2.0.1")
    assert within("9.1", "9.0", "9.1") and within("9.0.5", "9.0", "") and within("1.0", "", "9")
    assert not within("9.1.1", "9.0", "9.1") and not within("8.9", "9.0", "")
    assert within("", "9.0", "9.1")  # a title of no recorded version is taken as affected
