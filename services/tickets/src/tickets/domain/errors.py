"""The service desk's refusals (HTTP 409): one base class, one leaf per broken rule, each sentence naming the rule."""

from events.errors import DomainError


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


class WorkOrderAlreadyExists(TicketsError):
    pass


class WorkOrderNotOpen(TicketsError):
    pass


class WorkOrderAlreadyStarted(TicketsError):
    pass


class WorkOrderNotStarted(TicketsError):
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
