"""Training on request's refusals (HTTP 409): one base class, one leaf per broken rule, each naming the rule."""

from training.domain.training_errors import TrainingError


class TrainingRequestError(TrainingError):
    """A command the rules of training on request refuse."""


class TrainingAlreadyRequested(TrainingRequestError):
    """A request is made once: its id (or its ticket) names one request."""


class RequestAlreadyDelivered(TrainingRequestError):
    """A request whose training was delivered is done: it is not delivered twice, moved or cancelled."""


class RequestAlreadyCancelled(TrainingRequestError):
    """A cancelled request takes no schedule and no delivery: ask again."""
