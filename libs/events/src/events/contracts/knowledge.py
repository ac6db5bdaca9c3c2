"""Knowledge-base events the training service publishes on `training.events`: articles, their versions, searches."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
UserId = Annotated[str, Field(min_length=1, max_length=128)]
Tag = Annotated[str, Field(min_length=1, max_length=50)]


class ArticleKind(StrEnum):
    HOW_TO = "how_to"
    FAQ = "faq"
    KNOWN_PROBLEM = "known_problem"  # a fault the desk knows of, with its workaround until it is fixed


class Language(StrEnum):
    """The language an article is written in: it picks the dictionary its words are searched with."""

    EN = "en"
    FR = "fr"


class ArticleContent(BaseModel):
    """What an article says, whole: a draft, a revision and a published version are each one of these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ArticleKind
    title: Name
    body: Annotated[str, Field(max_length=20_000)]
    workaround: Annotated[str, Field(max_length=5_000)] = ""  # a known problem's; empty for the other kinds
    language: Language
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    technology: Name = ""  # the product or system it is about: "Outlook", "VPN", "permits portal"


class ArticleDrafted(Event):
    event_type: ClassVar[str] = "training.article_drafted"

    at: datetime
    article_id: UUID
    content: ArticleContent
    author_id: UserId


class ArticleRevised(Event):
    """The working copy was replaced by `content` (revision `revision`); readers see it once it is published."""

    event_type: ClassVar[str] = "training.article_revised"

    at: datetime
    article_id: UUID
    revision: int
    content: ArticleContent
    author_id: UserId


class ArticlePublished(Event):
    """Revision `revision` of the article became its published version `version` (1, 2, ...): what staff read."""

    event_type: ClassVar[str] = "training.article_published"

    at: datetime
    article_id: UUID
    version: int
    revision: int
    published_by: UserId


class ArticleRetired(Event):
    """The article is withdrawn: staff no longer find it; its versions stay in its history."""

    event_type: ClassVar[str] = "training.article_retired"

    at: datetime
    article_id: UUID
    reason: Annotated[str, Field(max_length=5_000)]
    retired_by: UserId


class ArticleMarkedHelpful(Event):
    event_type: ClassVar[str] = "training.article_marked_helpful"

    at: datetime
    article_id: UUID
    person_id: UserId


class KnowledgeSearched(Event):
    """A member of staff searched the knowledge base: a deflection when no ticket of theirs follows within the hour."""

    event_type: ClassVar[str] = "training.knowledge_searched"

    at: datetime
    search_id: UUID
    person_id: UserId
    query: Name
    language: Language | None = None  # the language asked for; none searched both
    results: Annotated[int, Field(ge=0)]
