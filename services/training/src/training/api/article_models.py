"""Request and response bodies of the knowledge-base API: articles, their versions, searches and deflections."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.contracts.knowledge import ArticleContent, ArticleKind, Language
from events.fields import Body, Note, Short, Text
from training.domain.article import ArticleStatus

Label = Annotated[str, Field(max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[\w][\w .+#\-]*$")]


def _tags_once(tags: list[str]) -> list[str]:
    lowered = [tag.lower() for tag in tags]
    if len(set(lowered)) != len(lowered):
        raise ValueError("names a tag more than once")
    return lowered


class ArticleFields(Body):
    """An article whole: a draft, or a revision that replaces the working copy."""

    kind: ArticleKind
    title: Short
    body: Text
    workaround: Annotated[str, Field(max_length=5_000)] = Field(
        default="", description="required for a known problem: how to get by until it is fixed; none for the others"
    )
    language: Language = Field(description="en or fr: the dictionary its words are searched with")
    tags: Annotated[list[Tag], Field(max_length=20), AfterValidator(_tags_once)] = []
    technology: Label = Field(default="", description="the product or system it is about: 'Outlook', 'VPN'")

    def content(self) -> ArticleContent:
        return ArticleContent(**self.model_dump())


class DraftArticleRequest(ArticleFields):
    pass


class ReviseArticleRequest(ArticleFields):
    pass


class RetireArticleRequest(Body):
    reason: Note


class ArticleResponse(BaseModel):
    """The working copy, as technicians read and revise it; `published_version` is what staff read of it."""

    id: UUID
    status: ArticleStatus
    kind: ArticleKind
    language: Language
    title: str
    body: str
    workaround: str
    tags: list[str]
    technology: str
    revision: int
    published_version: int = Field(description="0 until first published")
    published_revision: int
    unpublished_changes: bool = Field(description="the working copy has revisions staff do not read yet")
    helpful: int = Field(description="people who marked it helpful")
    author_id: str
    drafted_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    updated_at: datetime
    version: int


class PublishedArticleResponse(BaseModel):
    """The published version of an article, as staff read it."""

    id: UUID
    status: ArticleStatus
    kind: ArticleKind
    language: Language
    title: str
    body: str
    workaround: str
    tags: list[str]
    technology: str
    published_version: int
    helpful: int
    published_at: datetime


class ArticleSummary(BaseModel):
    id: UUID
    status: ArticleStatus
    kind: ArticleKind
    language: Language
    title: str
    tags: list[str]
    technology: str
    published_version: int
    helpful: int
    published_at: datetime | None
    revision: int | None = Field(description="the working copy's revision (the desk's lists only)")
    updated_at: datetime
    rank: float | None = Field(description="how well it matches the words sought, the best first; none without q")
    headline: str = Field(
        description="its text around the words sought, each found word between ** and **; without q, its first lines"
    )


class ArticlePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ArticleSummary]


class ArticleVersionResponse(BaseModel):
    version: int
    revision: int
    kind: ArticleKind
    language: Language
    title: str
    body: str
    workaround: str
    tags: list[str]
    technology: str
    published_at: datetime
    published_by: str


class DeflectionsResponse(BaseModel):
    starts_on: date
    ends_on: date
    searches: int = Field(description="staff searches in the window, over an hour old")
    deflections: int = Field(description="of those, the searches no ticket of the same person followed within the hour")
    without_results: int = Field(description="of those, the searches that found no article")
    pending: int = Field(description="searches less than an hour old: counted neither way yet")
    rate: float | None = Field(description="deflections / searches; none without a search")


def article_body(row) -> dict:
    unpublished = row["revision"] > row["published_revision"]
    return ArticleResponse(**row, unpublished_changes=unpublished).model_dump(mode="json")


def published_body(row) -> dict:
    return PublishedArticleResponse(**row).model_dump(mode="json")
