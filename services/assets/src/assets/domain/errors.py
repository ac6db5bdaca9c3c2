"""The inventory's refusals (HTTP 409): one base class, one leaf per broken rule, each sentence naming the rule."""

from events.errors import DomainError


class AssetsError(DomainError):
    """A command the inventory's rules refuse."""


class DeviceAlreadyRegistered(AssetsError):
    pass


class AssetTagTaken(AssetsError):
    pass


class DeviceNotInThatState(AssetsError):
    pass


class DeviceGone(AssetsError):
    pass


class DeviceAssignedToSomeoneElse(AssetsError):
    pass


class DeviceStillAssigned(AssetsError):
    pass


class DisposalNeedsSanitization(AssetsError):
    pass


class SoftwareTitleAlreadyAdded(AssetsError):
    pass


class SoftwareTitleAlreadyListed(AssetsError):
    """The tenant already lists a title of that name, publisher and version."""


class LicenceAlreadyAcquired(AssetsError):
    pass


class LicenceSeatsExhausted(AssetsError):
    """Every seat the licence owns is in use: seats used never exceed seats owned."""


class SeatAlreadyAllocated(AssetsError):
    """The device already holds a seat of this licence."""


class TitleAlreadyOnDevice(AssetsError):
    """The device already runs this title under another licence: one seat per title per device."""


class LicenceExpired(AssetsError):
    """An expired licence allocates no seat."""


class LicenceDoesNotExpire(AssetsError):
    """Only a licence with an expiry date is renewed."""


class RenewalNotLater(AssetsError):
    """A renewal moves the expiry date later."""


class LicenceSeatsInUse(AssetsError):
    """A licence cannot own fewer seats than it has given out."""


class DeviceOutOfService(AssetsError):
    """A retired, disposed, lost or stolen device takes no new software."""


class AuditAlreadyOpened(AssetsError):
    """An audit is opened once: its id names one audit."""


class AuditAlreadyClosed(AssetsError):
    """A closed audit takes no more scans and is not closed again: its result stands; open a new audit."""


class AuditScanLimitReached(AssetsError):
    """An audit holds a bounded number of distinct tags: close it and audit the rest in another."""


class RepairAlreadyRecorded(AssetsError):
    """A repair the desk logged is in the device's history once, however often it is delivered."""
