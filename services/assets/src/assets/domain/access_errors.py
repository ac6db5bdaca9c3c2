"""The refusals of network accounts and password resets (HTTP 409): one leaf per broken rule, named in `rule`."""

from assets.domain.errors import AssetsError


class AccessError(AssetsError):
    """A command the rules of accounts and password resets refuse."""


class AccountAlreadyProvisioned(AccessError):
    """An account id names one account: it is provisioned once."""


class UsernameTaken(AccessError):
    """A username names one account in the tenant, whatever the case, even after that account is deprovisioned."""


class AccountNotInThatState(AccessError):
    """Accounts go active to disabled and back, active to locked and back: nothing else."""


class AccountGone(AccessError):
    """A deprovisioned account is final: it is not changed, and its password is not reset."""


class ResetAlreadyRequested(AccessError):
    """A reset id names one request."""


class ResetNotVerified(AccessError):
    """A password is reset only after the person's identity was verified."""


class ResetAlreadyVerified(AccessError):
    """A reset's verification is recorded once: it names who verified and how."""


class ResetAlreadyCompleted(AccessError):
    """A completed reset is done: not verified, completed or cancelled again; request a new one."""


class ResetCancelled(AccessError):
    """A cancelled reset is neither verified nor completed; request a new one."""


class VerificationNeedsManager(AccessError):
    """A manager's approval is recorded by a manager."""


class VerifierIsAccountHolder(AccessError):
    """Nobody verifies their own identity for a reset of their own account."""
