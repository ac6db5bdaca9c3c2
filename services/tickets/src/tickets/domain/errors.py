"""The service desk's refusals: one base class (409), one leaf per broken rule, each sentence naming the rule;
and the few things a caller's role may never do (403)."""

from events.errors import DomainError, Forbidden


class TicketsError(DomainError):
    """A command the service desk's rules refuse."""


class TicketAlreadyExists(TicketsError):
    pass


class TicketNotOpen(TicketsError):
    pass


class NotTheRequester(TicketsError):
    pass


class TransitionRefused(TicketsError):
    pass


class InternalCommentForbidden(Forbidden):
    """Internal comments are the desk's: a requester may not write one, whatever the ticket's state."""


class WorkOrderAlreadyExists(TicketsError):
    pass


class WorkOrderNotOpen(TicketsError):
    pass


class WorkOrderAlreadyStarted(TicketsError):
    pass


class WorkOrderNotStarted(TicketsError):
    pass


class WorkOrderBookedForAnother(TicketsError):
    pass


class WorkOrderHasNoDevice(TicketsError):
    pass


class ScheduleAlreadyExists(TicketsError):
    pass


class ScheduleRecurrenceInvalid(TicketsError):
    pass


class ScheduleRetired(TicketsError):
    pass


class OccurrenceAlreadyRaised(TicketsError):
    pass


class OccurrenceOutOfOrder(TicketsError):
    pass


class OccurrenceNotDue(TicketsError):
    pass
