"""The knowledge-base deciders: an article drafted, revised, published as versions 1, 2, ... and retired; and the
searches staff make, each recorded once.

An article keeps a working copy (its latest revision) and a published version: staff read the published one while
technicians revise the working copy, and each publication makes the working copy the next version.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from events.base import Event
from events.contracts.knowledge import (
    ArticleContent,
    ArticleDrafted,
    ArticleKind,
    ArticleMarkedHelpful,
    ArticlePublished,
    ArticleRetired,
    ArticleRevised,
    KnowledgeSearched,
    Language,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable
from training.domain.knowledge_errors import (
    AlreadyMarkedHelpful,
    ArticleAlreadyDrafted,
    ArticleIsRetired,
    ArticleNotPublished,
    NothingNewToPublish,
    RevisionChangesNothing,
    SearchAlreadyRecorded,
)


class ArticleStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"  # never published yet
    PUBLISHED = "published"  # staff read its published version; its working copy may be ahead
    RETIRED = "retired"


@dataclass(frozen=True)
class Article:
    article_id: UUID | None = None
    status: ArticleStatus = ArticleStatus.NONE
    content: ArticleContent | None = None  # the working copy
    revision: int = 0  # 1 for the draft, +1 per revision
    published_version: int = 0  # 0 until first published
    published_revision: int = 0  # the revision the published version shows
    helpful_by: frozenset[str] = frozenset()
    author_id: str = ""  # who drafted it

    @property
    def unpublished_changes(self) -> bool:
        return self.revision > self.published_revision


@dataclass(frozen=True)
class DraftArticle:
    article_id: UUID
    content: ArticleContent
    author_id: str
    at: datetime


@dataclass(frozen=True)
class ReviseArticle:
    content: ArticleContent
    author_id: str
    at: datetime


@dataclass(frozen=True)
class PublishArticle:
    by: str
    at: datetime


@dataclass(frozen=True)
class RetireArticle:
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class MarkHelpful:
    person_id: str
    at: datetime


ArticleCommand = DraftArticle | ReviseArticle | PublishArticle | RetireArticle | MarkHelpful


def _must_exist(state: Article, command: ArticleCommand) -> None:
    if state.status is ArticleStatus.NONE:
        raise NotFound("no such article")


def _not_retired(state: Article, action: str) -> None:
    if state.status is ArticleStatus.RETIRED:
        raise ArticleIsRetired(f"article {state.article_id} is retired: it cannot be {action}")


def _check_content(content: ArticleContent) -> None:
    """A known problem says how to work around it; a how-to or an FAQ has no workaround to give."""
    known_problem = content.kind is ArticleKind.KNOWN_PROBLEM
    if known_problem and not content.workaround.strip():
        raise Unprocessable("workaround", "a known problem needs its workaround")
    if not known_problem and content.workaround:
        raise Unprocessable("workaround", f"only a known problem has a workaround, not a {content.kind}")


def _draft(state: Article, c: DraftArticle) -> list[Event]:
    if state.status is not ArticleStatus.NONE:
        raise ArticleAlreadyDrafted(f"article {c.article_id} is already drafted")
    _check_content(c.content)
    return [ArticleDrafted(at=c.at, article_id=c.article_id, content=c.content, author_id=c.author_id)]


def _revise(state: Article, c: ReviseArticle) -> list[Event]:
    _not_retired(state, "revised")
    _check_content(c.content)
    if c.content == state.content:
        raise RevisionChangesNothing(f"revision {state.revision} of article {state.article_id} already says this")
    return [
        ArticleRevised(
            at=c.at, article_id=state.article_id, revision=state.revision + 1, content=c.content, author_id=c.author_id
        )
    ]


def _publish(state: Article, c: PublishArticle) -> list[Event]:
    _not_retired(state, "published")
    if not state.unpublished_changes:
        raise NothingNewToPublish(
            f"version {state.published_version} of article {state.article_id} already shows"
            f" revision {state.revision}: revise it first"
        )
    return [
        ArticlePublished(
            at=c.at,
            article_id=state.article_id,
            version=state.published_version + 1,
            revision=state.revision,
            published_by=c.by,
        )
    ]


def _retire(state: Article, c: RetireArticle) -> list[Event]:
    _not_retired(state, "retired again")
    return [ArticleRetired(at=c.at, article_id=state.article_id, reason=c.reason, retired_by=c.by)]


def _mark_helpful(state: Article, c: MarkHelpful) -> list[Event]:
    _not_retired(state, "marked helpful")
    if state.status is not ArticleStatus.PUBLISHED:
        raise ArticleNotPublished(f"article {state.article_id} is not published yet")
    if c.person_id in state.helpful_by:
        raise AlreadyMarkedHelpful(f"{c.person_id} already marked article {state.article_id} helpful")
    return [ArticleMarkedHelpful(at=c.at, article_id=state.article_id, person_id=c.person_id)]


def _drafted(s: Article, e: ArticleDrafted) -> Article:
    return Article(
        article_id=e.article_id, status=ArticleStatus.DRAFT, content=e.content, revision=1, author_id=e.author_id
    )


def _revised(s: Article, e: ArticleRevised) -> Article:
    return replace(s, content=e.content, revision=e.revision)


def _published(s: Article, e: ArticlePublished) -> Article:
    return replace(s, status=ArticleStatus.PUBLISHED, published_version=e.version, published_revision=e.revision)


def _retired(s: Article, e: ArticleRetired) -> Article:
    return replace(s, status=ArticleStatus.RETIRED)


def _marked_helpful(s: Article, e: ArticleMarkedHelpful) -> Article:
    return replace(s, helpful_by=s.helpful_by | {e.person_id})


ARTICLE = Decider(
    initial=Article(),
    evolvers={
        ArticleDrafted: _drafted,
        ArticleRevised: _revised,
        ArticlePublished: _published,
        ArticleRetired: _retired,
        ArticleMarkedHelpful: _marked_helpful,
    },
    deciders={
        DraftArticle: _draft,
        ReviseArticle: _revise,
        PublishArticle: _publish,
        RetireArticle: _retire,
        MarkHelpful: _mark_helpful,
    },
    precondition=_must_exist,
    creates=(DraftArticle,),
)

# --- searches -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    search_id: UUID | None = None


@dataclass(frozen=True)
class RecordSearch:
    search_id: UUID
    person_id: str
    query: str
    language: Language | None
    results: int
    at: datetime


def _record(state: Search, c: RecordSearch) -> list[Event]:
    if state.search_id is not None:
        raise SearchAlreadyRecorded(f"search {c.search_id} is already recorded")
    return [
        KnowledgeSearched(
            at=c.at, search_id=c.search_id, person_id=c.person_id, query=c.query, language=c.language, results=c.results
        )
    ]


def _searched(s: Search, e: KnowledgeSearched) -> Search:
    return Search(e.search_id)


KNOWLEDGE_SEARCH = Decider(
    initial=Search(), evolvers={KnowledgeSearched: _searched}, deciders={RecordSearch: _record}, creates=(RecordSearch,)
)
