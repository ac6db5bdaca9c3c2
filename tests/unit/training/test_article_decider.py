"""The knowledge-base deciders (articles and searches), given / when / then, without I/O."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

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
from events.errors import NotFound, Unprocessable
from events.testing import given
from training.domain.article import (
    ARTICLE,
    KNOWLEDGE_SEARCH,
    ArticleStatus,
    DraftArticle,
    MarkHelpful,
    PublishArticle,
    RecordSearch,
    RetireArticle,
    ReviseArticle,
)
from training.domain.knowledge_errors import (
    AlreadyMarkedHelpful,
    ArticleAlreadyDrafted,
    ArticleIsRetired,
    ArticleNotPublished,
    NothingNewToPublish,
    RevisionChangesNothing,
    SearchAlreadyRecorded,
)

ARTICLE_ID, SEARCH_ID = uuid4(), uuid4()
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

CONTENT = ArticleContent(
    kind=ArticleKind.HOW_TO,
    title="Ajouter une imprimante réseau",
    body="Ouvrez Paramètres, puis Imprimantes et scanners.",
    language=Language.FR,
    tags=["imprimante"],
    technology="Windows 11",
)
BETTER = CONTENT.model_copy(update={"body": "Ouvrez Paramètres > Bluetooth et appareils > Imprimantes."})
DRAFTED = ArticleDrafted(at=AT, article_id=ARTICLE_ID, content=CONTENT, author_id="tom")
REVISED = ArticleRevised(at=AT, article_id=ARTICLE_ID, revision=2, content=BETTER, author_id="ann")
PUBLISHED = ArticlePublished(at=AT, article_id=ARTICLE_ID, version=1, revision=1, published_by="tom")
REPUBLISHED = ArticlePublished(at=AT, article_id=ARTICLE_ID, version=2, revision=2, published_by="ann")
RETIRED = ArticleRetired(at=AT, article_id=ARTICLE_ID, reason="Printers replaced", retired_by="tom")
HELPFUL = ArticleMarkedHelpful(at=AT, article_id=ARTICLE_ID, person_id="alice")


def known_problem(workaround: str) -> ArticleContent:
    return CONTENT.model_copy(update={"kind": ArticleKind.KNOWN_PROBLEM, "workaround": workaround})


def test_an_article_is_drafted_once():
    command = DraftArticle(article_id=ARTICLE_ID, content=CONTENT, author_id="tom", at=AT)
    given(ARTICLE).then(command, DRAFTED)
    given(ARTICLE, DRAFTED).refuses(command, ArticleAlreadyDrafted)
    assert given(ARTICLE, DRAFTED).state.status is ArticleStatus.DRAFT


def test_a_known_problem_needs_its_workaround_and_only_a_known_problem_has_one():
    def draft(content):
        return DraftArticle(article_id=ARTICLE_ID, content=content, author_id="tom", at=AT)

    assert given(ARTICLE).refuses(draft(known_problem("  ")), Unprocessable).field == "workaround"
    assert given(ARTICLE).refuses(draft(CONTENT.model_copy(update={"workaround": "x"})), Unprocessable).field == (
        "workaround"
    )
    with_workaround = known_problem("Imprimez en PDF puis depuis Adobe.")
    given(ARTICLE).then(draft(with_workaround), DRAFTED.model_copy(update={"content": with_workaround}))


def test_each_publication_is_the_next_version_of_the_latest_revision():
    given(ARTICLE, DRAFTED).then(PublishArticle(by="tom", at=AT), PUBLISHED)
    given(ARTICLE, DRAFTED, PUBLISHED).then(
        ReviseArticle(content=BETTER, author_id="ann", at=AT), REVISED
    )  # staff still read version 1 meanwhile
    state = given(ARTICLE, DRAFTED, PUBLISHED, REVISED).state
    assert (state.status, state.published_version, state.unpublished_changes) == (ArticleStatus.PUBLISHED, 1, True)
    given(ARTICLE, DRAFTED, PUBLISHED, REVISED).then(PublishArticle(by="ann", at=AT), REPUBLISHED)


def test_a_publication_needs_something_new_and_a_revision_must_change_something():
    given(ARTICLE, DRAFTED, PUBLISHED).refuses(PublishArticle(by="tom", at=AT), NothingNewToPublish)
    given(ARTICLE, DRAFTED).refuses(ReviseArticle(content=CONTENT, author_id="tom", at=AT), RevisionChangesNothing)


def test_a_retired_article_is_not_revised_published_marked_or_retired_again():
    history = (DRAFTED, PUBLISHED, REVISED, RETIRED)
    for command in (
        ReviseArticle(content=CONTENT, author_id="tom", at=AT),
        PublishArticle(by="tom", at=AT),
        MarkHelpful(person_id="alice", at=AT),
        RetireArticle(reason="again", by="tom", at=AT),
    ):
        given(ARTICLE, *history).refuses(command, ArticleIsRetired)


def test_a_draft_may_be_retired_unpublished():
    given(ARTICLE, DRAFTED).then(RetireArticle(reason="Printers replaced", by="tom", at=AT), RETIRED)


def test_a_person_marks_a_published_article_helpful_once():
    mark = MarkHelpful(person_id="alice", at=AT)
    given(ARTICLE, DRAFTED).refuses(mark, ArticleNotPublished)
    given(ARTICLE, DRAFTED, PUBLISHED).then(mark, HELPFUL)
    given(ARTICLE, DRAFTED, PUBLISHED, HELPFUL).refuses(mark, AlreadyMarkedHelpful)
    bob = ArticleMarkedHelpful(at=AT, article_id=ARTICLE_ID, person_id="bob")
    given(ARTICLE, DRAFTED, PUBLISHED, HELPFUL).then(MarkHelpful(person_id="bob", at=AT), bob)


@pytest.mark.parametrize(
    "command",
    [ReviseArticle(CONTENT, "tom", AT), PublishArticle("tom", AT), RetireArticle("x", "tom", AT), MarkHelpful("a", AT)],
)
def test_nothing_happens_to_an_article_that_does_not_exist(command):
    given(ARTICLE).refuses(command, NotFound)


def test_a_search_is_recorded_once():
    command = RecordSearch(SEARCH_ID, "alice", "imprimante", Language.FR, 3, AT)
    searched = KnowledgeSearched(
        at=AT, search_id=SEARCH_ID, person_id="alice", query="imprimante", language=Language.FR, results=3
    )
    given(KNOWLEDGE_SEARCH).then(command, searched)
    given(KNOWLEDGE_SEARCH, searched).refuses(command, SearchAlreadyRecorded)
