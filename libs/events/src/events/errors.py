"""The refusals every service raises; each kind is answered once, in `events.http`, as an RFC 9457 problem."""


class Refused(Exception):
    """A request the suite will not carry out; `status` is its HTTP answer, the class name its rule."""

    status = 400


class DomainError(Refused):
    """A command the rules refuse (409). Each service subclasses it once as `<Service>Error`."""

    status = 409


class NotFound(Refused):
    """The thing a request names does not exist for this caller (404): another tenant's reads as absent."""

    status = 404


class Forbidden(Refused):
    """The caller may not do this, whatever the thing's state (403)."""

    status = 403


class PreconditionFailed(Refused):
    """The caller acted on a version of the stream that is no longer current (412)."""

    status = 412

    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id} is at version {actual}, not {expected}: reload it and try again")


class Unprocessable(Refused):
    """A well-formed request that asks for what cannot be given, answered 422 naming the field."""

    status = 422

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownReference(Unprocessable):
    """The body names something the tenant does not have: a category, a linked ticket."""
