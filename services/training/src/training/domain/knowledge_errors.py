"""The knowledge base's refusals (HTTP 409): one base class, one leaf per broken rule, each naming the rule."""

from training.domain.training_errors import TrainingError


class KnowledgeError(TrainingError):
    """A command the knowledge base's rules refuse."""


class ArticleAlreadyDrafted(KnowledgeError):
    """An article is drafted once: its id names one article."""


class ArticleIsRetired(KnowledgeError):
    """A retired article takes no revision, publication or vote: write a new one."""


class NothingNewToPublish(KnowledgeError):
    """Each publication is a new version: revise the article first."""


class RevisionChangesNothing(KnowledgeError):
    """A revision says something the working copy does not already say."""


class ArticleNotPublished(KnowledgeError):
    """Only a published article is read, and so found helpful."""


class AlreadyMarkedHelpful(KnowledgeError):
    """A person marks an article helpful once."""


class SearchAlreadyRecorded(KnowledgeError):
    """A search is recorded once: its id names one search."""
