"""The knowledge base on the kit: articles through `streams.handle` with their working copy, published version and
history written beside their events; full-text search in each article's own language; searches and deflections."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events import streams
from events.contracts.knowledge import ArticleContent, ArticlePublished, ArticleRetired, Language
from events.db import page
from events.envelope import Context
from events.streams import Stream
from training.domain.article import ARTICLE, KNOWLEDGE_SEARCH, Article, ArticleCommand, DraftArticle, RecordSearch

# The text search configurations of migrations/030_knowledge.sql: the language's stemmer, after unaccent.
CONFIGS = {Language.EN: "kb_english", Language.FR: "kb_french"}
# A search is a deflection when no ticket of the same person follows it within this long.
DEFLECTION_WINDOW = timedelta(hours=1)


async def read_article(conn: asyncpg.Connection, article_id: UUID, tenant: str) -> Stream[Article]:
    return await streams.read(conn, ARTICLE, str(article_id), tenant)


async def draft(conn: asyncpg.Connection, command: DraftArticle, ctx: Context) -> Stream[Article]:
    return await streams.handle(
        conn, ARTICLE, str(command.article_id), command, ctx, loaded=streams.fresh(ARTICLE), inline=_write_article
    )


async def handle_article(
    conn: asyncpg.Connection, article_id: UUID, command: ArticleCommand, ctx: Context, if_match: int | None = None
) -> Stream[Article]:
    """Run an article command; the stream's `view` is the article's working copy as technicians see it."""
    return await streams.handle(conn, ARTICLE, str(article_id), command, ctx, if_match=if_match, inline=_write_article)


def _document(cfg: str, title: str, tags: str, technology: str, body: str, workaround: str) -> str:
    """The words of an article, the title weighing most, then its tags and technology, then its text."""
    return (
        f"setweight(to_tsvector({cfg}::regconfig, {title}::text), 'A')"
        f" || setweight(to_tsvector({cfg}::regconfig, array_to_string({tags}::text[], ' ') || ' '"
        f" || {technology}::text), 'B')"
        f" || setweight(to_tsvector({cfg}::regconfig, {body}::text || ' ' || {workaround}::text), 'C')"
    )


_UPSERT_ARTICLE = f"""
INSERT INTO articles (article_id, tenant, status, kind, language, title, body, workaround, tags, technology, revision,
    published_version, published_revision, helpful, author_id, drafted_at, published_at, retired_at, updated_at,
    version, document)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
    {_document("$21", "$6", "$9", "$10", "$7", "$8")})
ON CONFLICT (article_id) DO UPDATE SET status = $3, kind = $4, language = $5, title = $6, body = $7, workaround = $8,
    tags = $9, technology = $10, revision = $11, published_version = $12, published_revision = $13, helpful = $14,
    published_at = coalesce($17, articles.published_at), retired_at = coalesce($18, articles.retired_at),
    updated_at = $19, version = $20, document = EXCLUDED.document"""


async def _write_article(conn: asyncpg.Connection, article: Stream[Article], ctx: Context) -> asyncpg.Record:
    """The working copy's row, then what each new event did to the published version and the history."""
    s, c = article.state, article.state.content
    appended = {type(e): e for e in article.events[-len(article.appended) :]}
    published, retired = appended.get(ArticlePublished), appended.get(ArticleRetired)
    stamps = (published and published.at, retired and retired.at, article.appended[-1].recordedtime)
    await conn.execute(
        _UPSERT_ARTICLE,
        *(s.article_id, ctx.tenant, s.status, *_content(c), s.revision, s.published_version, s.published_revision),
        *(len(s.helpful_by), s.author_id, article.history[0].time, *stamps, article.version, CONFIGS[c.language]),
    )
    if published:
        await _publish(conn, s, published, ctx.tenant)
    if retired:
        await conn.execute("DELETE FROM published_articles WHERE article_id = $1", s.article_id)
    await conn.execute(
        "UPDATE published_articles SET helpful = $2 WHERE article_id = $1", s.article_id, len(s.helpful_by)
    )
    return await article_row(conn, s.article_id, ctx.tenant)


_VERSION = """
INSERT INTO article_versions (article_id, version, tenant, revision, kind, language, title, body, workaround, tags,
    technology, published_at, published_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"""

_PUBLISHED = f"""
INSERT INTO published_articles (article_id, tenant, version, kind, language, title, body, workaround, tags,
    technology, helpful, published_at, document)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, {_document("$13", "$6", "$9", "$10", "$7", "$8")})
ON CONFLICT (article_id) DO UPDATE SET version = $3, kind = $4, language = $5, title = $6, body = $7,
    workaround = $8, tags = $9, technology = $10, helpful = $11, published_at = $12, document = EXCLUDED.document"""


async def _publish(conn: asyncpg.Connection, s: Article, e: ArticlePublished, tenant: str) -> None:
    """The working copy becomes what staff read, and is kept as version `e.version`."""
    c: ArticleContent = s.content
    await conn.execute(_VERSION, s.article_id, e.version, tenant, e.revision, *_content(c), e.at, e.published_by)
    await conn.execute(
        _PUBLISHED, s.article_id, tenant, e.version, *_content(c), len(s.helpful_by), e.at, CONFIGS[c.language]
    )


def _content(c: ArticleContent) -> tuple:
    """The content's columns, in the order every article table lists them."""
    return c.kind, c.language, c.title, c.body, c.workaround, c.tags, c.technology


async def record_search(conn: asyncpg.Connection, command: RecordSearch, ctx: Context) -> None:
    await streams.handle(
        conn,
        KNOWLEDGE_SEARCH,
        str(command.search_id),
        command,
        ctx,
        loaded=streams.fresh(KNOWLEDGE_SEARCH),
        inline=_write_search,
    )


async def _write_search(conn: asyncpg.Connection, search: Stream, ctx: Context) -> None:
    e = search.events[-1]
    await conn.execute(
        "INSERT INTO knowledge_searches (search_id, tenant, person_id, query, language, results,"
        " searched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        e.search_id,
        ctx.tenant,
        e.person_id,
        e.query,
        e.language,
        e.results,
        e.at,
    )


# ------------------------------------------------------------------------------------------------- queries

_WORKING = (
    "article_id AS id, status, kind, language, title, body, workaround, tags, technology, revision,"
    " published_version, published_revision, helpful, author_id, drafted_at, published_at, retired_at,"
    " updated_at, version"
)
_READ = (
    "article_id AS id, 'published' AS status, kind, language, title, body, workaround, tags, technology,"
    " version AS published_version, helpful, published_at"
)


async def article_row(conn: asyncpg.Connection, article_id: UUID, tenant: str) -> asyncpg.Record | None:
    """The working copy, whatever its status: what technicians read and revise."""
    return await conn.fetchrow(
        f"SELECT {_WORKING} FROM articles WHERE article_id = $1 AND tenant = $2", article_id, tenant
    )


async def published_row(conn: asyncpg.Connection, article_id: UUID, tenant: str) -> asyncpg.Record | None:
    """The published version staff read; none for a draft or a retired article."""
    return await conn.fetchrow(
        f"SELECT {_READ} FROM published_articles WHERE article_id = $1 AND tenant = $2", article_id, tenant
    )


async def versions_of(conn: asyncpg.Connection, article_id: UUID, tenant: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT version, revision, kind, language, title, body, workaround, tags, technology, published_at,"
        " published_by FROM article_versions WHERE article_id = $1 AND tenant = $2 ORDER BY version",
        article_id,
        tenant,
    )


@dataclass(frozen=True)
class ArticleSearch:
    """What a list asks for: words to find (`q`) and filters. `published` lists what staff read; otherwise the
    working copies (of `status` if given, else drafts and published ones)."""

    published: bool
    q: str | None = None
    language: Language | None = None
    kind: str | None = None
    tag: str | None = None
    technology: str | None = None
    status: str | None = None


# Each article matches the words as its own language reads them; the two branches each use the GIN index.
_MATCH = (
    "((a.language = 'en' AND a.document @@ websearch_to_tsquery('kb_english', {q}))"
    " OR (a.language = 'fr' AND a.document @@ websearch_to_tsquery('kb_french', {q})))"
)
_QUERY = (
    "CASE a.language WHEN 'fr' THEN websearch_to_tsquery('kb_french', {q})"
    " ELSE websearch_to_tsquery('kb_english', {q}) END"
)
_CONFIG = "CASE a.language WHEN 'fr' THEN 'kb_french'::regconfig ELSE 'kb_english'::regconfig END"
_HEADLINE_OPTIONS = "'MaxFragments=2, MaxWords=30, MinWords=10, StartSel=**, StopSel=**, FragmentDelimiter=\" … \"'"
_SUMMARY = {
    True: (
        "a.article_id AS id, 'published' AS status, a.kind, a.language, a.title, a.tags, a.technology,"
        " a.version AS published_version, a.helpful, a.published_at, NULL::int AS revision,"
        " a.published_at AS updated_at"
    ),
    False: (
        "a.article_id AS id, a.status, a.kind, a.language, a.title, a.tags, a.technology, a.published_version,"
        " a.helpful, a.published_at, a.revision, a.updated_at"
    ),
}
_NEWEST = {True: "a.published_at DESC, a.article_id", False: "a.updated_at DESC, a.article_id"}


def _where(tenant: str, search: ArticleSearch) -> tuple[str, list[Any], str | None]:
    """The FROM and WHERE clauses with their arguments, and the placeholder of the words sought (if any)."""
    conditions, args = ["a.tenant = $1"], [tenant]

    def add(condition: str, value: Any) -> str:
        args.append(value)
        conditions.append(condition.format(q=f"${len(args)}"))
        return f"${len(args)}"

    words = add(_MATCH, search.q) if search.q else None
    if search.language:
        add("a.language = {q}", search.language)
    if search.kind:
        add("a.kind = {q}", search.kind)
    if search.tag:
        add("{q} = ANY(a.tags)", search.tag)
    if search.technology:
        add("lower(a.technology) = lower({q})", search.technology)
    if not search.published and search.status:
        add("a.status = {q}", search.status)
    elif not search.published:
        conditions.append("a.status <> 'retired'")  # retired ones only when asked for by status
    table = "published_articles" if search.published else "articles"
    return f"FROM {table} a WHERE {' AND '.join(conditions)}", args, words


async def search_articles(
    conn: asyncpg.Connection, tenant: str, search: ArticleSearch, limit: int, offset: int
) -> dict[str, Any]:
    """A page of articles: with words, the best matches first, each with a snippet of its text around them."""
    source, args, words = _where(tenant, search)
    columns = _SUMMARY[search.published]
    if words is None:
        order = _NEWEST[search.published]
        return await page(
            conn, f"{columns}, NULL::real AS rank, left(a.body, 240) AS headline", source, order, args, limit, offset
        )
    query = _QUERY.format(q=words)
    ranked = (
        f"{columns}, ts_rank_cd(a.document, {query}) AS rank,"
        f" ts_headline({_CONFIG}, a.body || ' ' || a.workaround, {query}, {_HEADLINE_OPTIONS}) AS headline"
    )
    return await page(conn, ranked, source, "rank DESC, a.title, a.article_id", args, limit, offset)


_DEFLECTIONS = """
SELECT count(*) FILTER (WHERE settled) AS searches,
       count(*) FILTER (WHERE settled AND NOT followed) AS deflections,
       count(*) FILTER (WHERE settled AND results = 0) AS without_results,
       count(*) FILTER (WHERE NOT settled) AS pending
FROM (
    SELECT s.results, s.searched_at <= $4::timestamptz - $5::interval AS settled,
           EXISTS (SELECT 1 FROM person_tickets t WHERE t.tenant = s.tenant AND t.person_id = s.person_id
                   AND t.opened_at >= s.searched_at AND t.opened_at < s.searched_at + $5::interval) AS followed
    FROM knowledge_searches s WHERE s.tenant = $1 AND s.searched_at >= $2 AND s.searched_at < $3
) searched"""


async def deflections(conn: asyncpg.Connection, tenant: str, start: date, end: date, now: datetime) -> dict:
    """Searches staff made from `start` to `end` (UTC days, inclusive) that are over an hour old, how many no ticket
    of theirs followed within the hour (deflections), and the rate; younger searches are `pending`."""
    since = datetime.combine(start, datetime.min.time(), now.tzinfo)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), now.tzinfo)
    row = await conn.fetchrow(_DEFLECTIONS, tenant, since, until, now, DEFLECTION_WINDOW)
    rate = round(row["deflections"] / row["searches"], 4) if row["searches"] else None
    return {"starts_on": start, "ends_on": end, **dict(row), "rate": rate}
