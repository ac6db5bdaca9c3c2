"""The service desk's refusals: one base class, one leaf per broken rule, each sentence naming the rule."""


class TicketsError(Exception):
    """A command the rules refuse (HTTP 409)."""


class NotFound(TicketsError):
    """The thing a command names does not exist for this caller (HTTP 404)."""
