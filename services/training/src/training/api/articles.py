"""The knowledge-base REST API: technicians write and publish articles, staff search and read the published ones
and mark them helpful, the desk reads deflections; routes only.

Staff searches (`GET /articles?q=`) are recorded: one no ticket of theirs follows within the hour is a deflection.
"""

from datetime import timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from events.auth import DESK, Agent, Desk, Member, Principal, Role, requires
from events.contracts.knowledge import ArticleKind, Language
from events.envelope import Context, utcnow
from events.errors import Forbidden, NotFound, Unprocessable
from events.fields import Day
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered, context_for
from training import knowledge
from training.api.article_models import (
    ArticlePage,
    ArticleResponse,
    ArticleVersionResponse,
    DeflectionsResponse,
    DraftArticleRequest,
    PublishedArticleResponse,
    RetireArticleRequest,
    ReviseArticleRequest,
    article_body,
    published_body,
)
from training.domain.article import (
    DraftArticle,
    MarkHelpful,
    PublishArticle,
    RecordSearch,
    RetireArticle,
    ReviseArticle,
)
from training.knowledge import ArticleSearch

router = APIRouter(tags=["knowledge base"])

Staff = Annotated[Principal, requires(Role.STAFF)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]
Words = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description=(
            'words to find (web search syntax: "quoted phrase", or, -word), each article read in its own language'
        ),
    ),
]
DEFLECTION_DAYS = 30  # the window `/knowledge/deflections` looks at when none is given


def is_desk(principal: Principal) -> bool:
    return principal.has_any(DESK)


async def _run(call: CommandCall, principal: Principal, article_id: UUID, command) -> Response:
    async def run(conn, ctx: Context) -> Answer:
        done = await knowledge.handle_article(conn, article_id, command(ctx.recorded_at), ctx, call.if_match)
        return Answer(article_body(done.view), done.version)

    return await call.run(principal, run)


@router.post("/articles", status_code=201, response_model=ArticleResponse)
async def draft_article(body: DraftArticleRequest, principal: Agent, call: CommandCall) -> Response:
    """Draft an article (how-to, FAQ, or known problem with its workaround); staff read it once published."""

    async def run(conn, ctx: Context) -> Answer:
        command = DraftArticle(
            article_id=uuid7(), content=body.content(), author_id=principal.user_id, at=ctx.recorded_at
        )
        drafted = await knowledge.draft(conn, command, ctx)
        return Answer(article_body(drafted.view), drafted.version, location=f"/articles/{command.article_id}")

    return await call.run(principal, run)


@router.get("/articles", response_model=ArticlePage)
async def list_articles(
    request: Request,
    pool: Pool,
    principal: Member,
    q: Words = None,
    language: Language | None = None,
    kind: ArticleKind | None = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    technology: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    status: Annotated[
        Literal["draft", "published", "retired"] | None,
        Query(description="the desk's lists only: staff read published articles"),
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Search the knowledge base: staff find published articles, the desk the working copies of drafts and
    published ones (retired ones by `status`). With `q`, the best matches first, each with a snippet."""
    desk = is_desk(principal)
    if not desk and status not in (None, "published"):
        raise Forbidden("status: drafts and retired articles are the desk's; staff read published articles")
    search = ArticleSearch(
        published=not desk,
        q=q,
        language=language,
        kind=kind,
        tag=tag and tag.lower(),
        technology=technology,
        status=status,
    )
    async with pool.acquire() as conn:
        found = await knowledge.search_articles(conn, principal.tenant, search, limit, offset)
        if q and not desk:  # a search staff make before they call: counted for deflections
            ctx = context_for(request, principal)
            await knowledge.record_search(
                conn, RecordSearch(uuid7(), principal.user_id, q, language, found["total"], ctx.recorded_at), ctx
            )
    return found


@router.get("/articles/{article_id}", response_model=ArticleResponse | PublishedArticleResponse)
async def get_article(article_id: UUID, pool: Pool, principal: Member) -> Response:
    """The desk reads the working copy (`ETag` = its version, for `If-Match`); staff the published version."""
    async with pool.acquire() as conn:
        if is_desk(principal):
            row = await knowledge.article_row(conn, article_id, principal.tenant)
            if row is not None:
                return answered(article_body(row), row["version"])
        elif (row := await knowledge.published_row(conn, article_id, principal.tenant)) is not None:
            return answered(published_body(row), row["published_version"])
    raise NotFound(f"no article {article_id}")


@router.put("/articles/{article_id}", response_model=ArticleResponse)
async def revise_article(article_id: UUID, body: ReviseArticleRequest, principal: Agent, call: CommandCall) -> Response:
    """Replace the working copy whole (send the ETag you read as `If-Match`); staff read it once it is published."""
    return await _run(
        call,
        principal,
        article_id,
        lambda at: ReviseArticle(content=body.content(), author_id=principal.user_id, at=at),
    )


@router.post("/articles/{article_id}/publish", response_model=ArticleResponse)
async def publish_article(article_id: UUID, principal: Agent, call: CommandCall) -> Response:
    """Publish the working copy as the next version: staff read it from now on; earlier versions stay listed."""
    return await _run(call, principal, article_id, lambda at: PublishArticle(by=principal.user_id, at=at))


@router.post("/articles/{article_id}/retire", response_model=ArticleResponse)
async def retire_article(article_id: UUID, body: RetireArticleRequest, principal: Agent, call: CommandCall) -> Response:
    """Withdraw the article: staff no longer find it; its versions stay in its history."""
    return await _run(
        call, principal, article_id, lambda at: RetireArticle(reason=body.reason, by=principal.user_id, at=at)
    )


@router.post("/articles/{article_id}/helpful", response_model=PublishedArticleResponse)
async def mark_helpful(article_id: UUID, principal: Staff, call: CommandCall) -> Response:
    """Say the article helped; once per person (AlreadyMarkedHelpful), published articles only."""

    async def run(conn, ctx: Context) -> Answer:
        if await knowledge.published_row(conn, article_id, ctx.tenant) is None:
            raise NotFound(f"no published article {article_id}")  # a draft does not exist for staff
        marked = await knowledge.handle_article(
            conn, article_id, MarkHelpful(principal.user_id, ctx.recorded_at), ctx, call.if_match
        )
        return Answer(published_body(await knowledge.published_row(conn, article_id, ctx.tenant)), marked.version)

    return await call.run(principal, run)


@router.get("/articles/{article_id}/versions", response_model=list[ArticleVersionResponse])
async def list_article_versions(article_id: UUID, pool: Pool, principal: Desk) -> list[dict]:
    """Every version published, the first first, as it was published."""
    async with pool.acquire() as conn:
        if await knowledge.article_row(conn, article_id, principal.tenant) is None:
            raise NotFound(f"no article {article_id}")
        return [dict(row) for row in await knowledge.versions_of(conn, article_id, principal.tenant)]


@router.get("/knowledge/deflections", response_model=DeflectionsResponse)
async def knowledge_deflections(
    pool: Pool,
    principal: Desk,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query(description="inclusive; UTC days")] = None,
) -> dict[str, Any]:
    """Staff searches in the window (the last 30 days by default) and how many deflected a ticket: no ticket of the
    same person followed within the hour. A search less than an hour old counts neither way yet."""
    now = utcnow()
    end = to or now.date()
    start = from_ or end - timedelta(days=DEFLECTION_DAYS - 1)
    if start > end:
        raise Unprocessable("from", f"{start} is after to ({end})")
    async with pool.acquire() as conn:
        found = await knowledge.deflections(conn, principal.tenant, start, end, now)
    return found
