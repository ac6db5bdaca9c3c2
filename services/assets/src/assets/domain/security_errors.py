"""The security side's refusals (HTTP 409): endpoint protection and advisories, one leaf per broken rule."""

from assets.domain.errors import AssetsError


class ProtectionNotRecorded(AssetsError):
    """Only a protection the device is recorded to run can be removed."""


class ProtectionRecordOutdated(AssetsError):
    """A record older than the one held for that kind would replace what is known later: it is history, not news."""


class AdvisoryAlreadyRecorded(AssetsError):
    """An advisory is recorded once: its id names one advisory."""


class DeviceNotExposed(AssetsError):
    """Only a device the advisory exposed is remediated under it."""


class DeviceAlreadyRemediated(AssetsError):
    """An exposed device is remediated once; its remediation stands."""
