"""The money side's refusals (HTTP 409): contracts, budgets, commitments, spending and purchasing, one leaf per rule."""

from assets.domain.errors import AssetsError

# --- vendor contracts


class VendorContractAlreadyRecorded(AssetsError):
    pass


class ContractTerminated(AssetsError):
    """A terminated contract is neither renewed nor terminated again: record a new contract."""


class ContractEnded(AssetsError):
    """A contract whose term has run out is not renewed: it lapsed; record the new contract."""


class ContractRenewalNotLater(AssetsError):
    """A renewal runs the contract past its current end."""


# --- budgets


class BudgetLineBelowZero(AssetsError):
    """An amendment leaves no line, nor any month of one, below nothing."""


class BudgetAmendmentAlreadyMade(AssetsError):
    pass


class RefreshPlanAlreadyAdopted(AssetsError):
    """A year's budget takes its refresh plan once; set the budget again to adopt it anew."""


class RefreshPlanEmpty(AssetsError):
    """A plan that replaces nothing, or prices nothing, adds nothing to a budget."""


class FiscalYearsOverlap(AssetsError):
    """Two fiscal years of a tenant share no day: a date belongs to one year."""


# --- commitments and spending


class CommitmentAlreadyRecorded(AssetsError):
    pass


class CommitmentClosed(AssetsError):
    """A commitment closed, or spent in full, takes no more spending."""


class ExpenditureAlreadyRecorded(AssetsError):
    pass


class InventoryPurchaseAlreadyCounted(AssetsError):
    """A device or licence purchase counts as spending once: another expenditure already names it."""


# --- purchase requests


class PurchaseRequestAlreadyMade(AssetsError):
    pass


class PurchaseNotRecommended(AssetsError):
    """A request is approved, rejected or ordered only once IT has recommended what to buy."""


class PurchaseNotApproved(AssetsError):
    """Only an approved request is ordered."""


class PurchaseNotOrdered(AssetsError):
    """Only an ordered request is received."""


class PurchaseAlreadyRecommended(AssetsError):
    """IT recommends once, before the decision."""


class PurchaseAlreadyDecided(AssetsError):
    """A request is approved or rejected once."""


class PurchaseAlreadyOrdered(AssetsError):
    pass


class PurchaseAlreadyReceived(AssetsError):
    pass


class PurchaseWasRejected(AssetsError):
    """A rejected request goes no further: ask again with a new request."""


class PurchaseSelfApproval(AssetsError):
    """Whoever asked for a purchase does not approve it: another manager does."""
