"""The MBN refusals (HTTP 409): one base class, one leaf per broken rule, each sentence naming the rule."""

from events.errors import DomainError


class MetricsError(DomainError):
    """A command the metrics service's rules refuse."""


class FiscalYearAlreadyClosed(MetricsError):
    """A closed year's submission stands as frozen: a correction is recorded as an input, shown as a restatement."""


class FiscalYearNotOver(MetricsError):
    """A fiscal year closes once it has ended: devices are counted as at its close."""


class SubmissionEmpty(MetricsError):
    """A fiscal year with no inputs recorded has nothing to freeze."""
