"""Training's refusals (HTTP 409): one base class, one leaf per broken rule, each sentence naming the rule."""

from events.errors import DomainError


class TrainingError(DomainError):
    """A command the training rules refuse."""


class OrientationAlreadyOwed(TrainingError):
    """A person is owed one orientation: a second account, or the same account told twice, owes nothing new."""


class OrientationAlreadyCompleted(TrainingError):
    """An orientation is completed once; its delivery stands."""


class CourseAlreadyAdded(TrainingError):
    pass


class CourseAlreadyListed(TrainingError):
    """The tenant's catalogue already lists a course of that title."""


class SessionAlreadyScheduled(TrainingError):
    pass


class SessionIsCancelled(TrainingError):
    """A cancelled session takes no enrolment, withdrawal, attendance or change."""


class SessionAlreadyStarted(TrainingError):
    """Enrolment, withdrawal and changes happen before a session starts; after, attendance is what is recorded."""


class SessionNotStarted(TrainingError):
    """Attendance is recorded once the session has started."""


class AlreadyEnrolled(TrainingError):
    """A person holds one place in a session, or one place in its waitlist."""


class NotEnrolled(TrainingError):
    """Only a person enrolled or waiting can withdraw."""


class WaitlistFull(TrainingError):
    """A waitlist is bounded: beyond it, schedule another session."""


class CapacityBelowEnrolled(TrainingError):
    """A session never takes fewer people than it has enrolled: withdraw some first."""


class AttendanceAlreadyRecorded(TrainingError):
    """Attendance is recorded once: the deliveries it made stand."""


class SessionAlreadyHeld(TrainingError):
    """A session whose attendance is recorded was held: it is not cancelled after the fact."""
