-- The knowledge base: the dictionaries articles are searched with, the articles' working copies, the published
-- version staff read, every version ever published, and the searches staff make.

-- Each language's stemmer, after unaccent where the server has it, so that "imprimante" finds "imprimantes" and
-- "reseau" finds "réseau". Without unaccent (a server built without contrib) words keep their accents.
CREATE TEXT SEARCH CONFIGURATION kb_english (COPY = pg_catalog.english);
CREATE TEXT SEARCH CONFIGURATION kb_french (COPY = pg_catalog.french);

DO $$
DECLARE
    unaccent_dictionary text;
BEGIN
    BEGIN
        -- In public, which no service drops; the extension is the database's, whatever schema asks first.
        CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'unaccent is not available (%): articles are searched with their accents', SQLERRM;
    END;
    SELECT format('%I.%I', n.nspname, d.dictname) INTO unaccent_dictionary
    FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE d.dictname = 'unaccent' LIMIT 1;
    IF unaccent_dictionary IS NOT NULL THEN
        EXECUTE format('ALTER TEXT SEARCH CONFIGURATION kb_english ALTER MAPPING FOR hword, hword_part, word'
                       ' WITH %s, english_stem', unaccent_dictionary);
        EXECUTE format('ALTER TEXT SEARCH CONFIGURATION kb_french ALTER MAPPING FOR hword, hword_part, word'
                       ' WITH %s, french_stem', unaccent_dictionary);
    END IF;
END $$;

-- The working copy of every article, drafts and retired ones included: what technicians search and edit.
CREATE TABLE articles (
    article_id          uuid        PRIMARY KEY,
    tenant              text        NOT NULL,
    status              text        NOT NULL,  -- draft | published | retired
    kind                text        NOT NULL,
    language            text        NOT NULL,
    title               text        NOT NULL,
    body                text        NOT NULL,
    workaround          text        NOT NULL,
    tags                text[]      NOT NULL,
    technology          text        NOT NULL,
    revision            integer     NOT NULL,
    published_version   integer     NOT NULL,  -- 0 until first published
    published_revision  integer     NOT NULL,
    helpful             integer     NOT NULL,
    author_id           text        NOT NULL,
    drafted_at          timestamptz NOT NULL,
    published_at        timestamptz,
    retired_at          timestamptz,
    updated_at          timestamptz NOT NULL,
    version             integer     NOT NULL,
    document            tsvector    NOT NULL   -- the working copy's words, in its language's dictionary
);

CREATE INDEX articles_words ON articles USING gin (document);
CREATE INDEX articles_listed ON articles (tenant, status, updated_at DESC);

-- The version staff read: one row per published article, replaced by each publication, gone once retired.
CREATE TABLE published_articles (
    article_id    uuid        PRIMARY KEY REFERENCES articles (article_id),
    tenant        text        NOT NULL,
    version       integer     NOT NULL,
    kind          text        NOT NULL,
    language      text        NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL,
    workaround    text        NOT NULL,
    tags          text[]      NOT NULL,
    technology    text        NOT NULL,
    helpful       integer     NOT NULL,
    published_at  timestamptz NOT NULL,
    document      tsvector    NOT NULL
);

CREATE INDEX published_articles_words ON published_articles USING gin (document);
CREATE INDEX published_articles_listed ON published_articles (tenant, published_at DESC);

-- Every version ever published, kept when the article moves on or is retired.
CREATE TABLE article_versions (
    article_id    uuid        NOT NULL REFERENCES articles (article_id),
    version       integer     NOT NULL,
    tenant        text        NOT NULL,
    revision      integer     NOT NULL,
    kind          text        NOT NULL,
    language      text        NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL,
    workaround    text        NOT NULL,
    tags          text[]      NOT NULL,
    technology    text        NOT NULL,
    published_at  timestamptz NOT NULL,
    published_by  text        NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- Each search staff make, for deflections: a search no ticket of theirs follows within the hour.
CREATE TABLE knowledge_searches (
    search_id    uuid        PRIMARY KEY,
    tenant       text        NOT NULL,
    person_id    text        NOT NULL,
    query        text        NOT NULL,
    language     text,
    results      integer     NOT NULL,
    searched_at  timestamptz NOT NULL
);

CREATE INDEX knowledge_searches_by_time ON knowledge_searches (tenant, searched_at);
