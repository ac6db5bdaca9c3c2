-- Inline read models of metrics' own MBN events, written in the same transaction as the events.

-- Each tenant's fiscal-year submission: open, or closed (frozen) and when.
CREATE TABLE mbn_submissions (
    tenant         text        NOT NULL,
    fiscal_year    integer     NOT NULL,
    submission_id  uuid        NOT NULL UNIQUE,
    closed_at      timestamptz,
    closed_by      text,
    updated_at     timestamptz NOT NULL,
    version        integer     NOT NULL,
    PRIMARY KEY (tenant, fiscal_year)
);

-- The reference inputs a manager recorded, each as it stands now, with its provenance.
CREATE TABLE mbn_inputs (
    tenant         text           NOT NULL,
    fiscal_year    integer        NOT NULL,
    input_id       text           NOT NULL,
    value          numeric        NOT NULL,
    source         text           NOT NULL,
    document       text           NOT NULL,
    note           text           NOT NULL,
    recorded_at    timestamptz    NOT NULL,
    recorded_by    text           NOT NULL,
    after_close    boolean        NOT NULL,  -- a restatement: recorded once the year was closed
    PRIMARY KEY (tenant, fiscal_year, input_id)
);

-- Each measure of a tenant's fiscal year: as the inputs stand now ('current') and as frozen at the close
-- ('frozen'), each with the definition version that produced it and the inputs it counted.
CREATE TABLE mbn_results (
    tenant         text        NOT NULL,
    fiscal_year    integer     NOT NULL,
    measure        text        NOT NULL,
    figures        text        NOT NULL CHECK (figures IN ('current', 'frozen')),
    definition     text        NOT NULL,
    value          numeric,
    ratio          numeric,
    numerator      numeric,
    denominator    numeric,
    sources        jsonb       NOT NULL,  -- each input counted: id, role, value, provenance
    flags          jsonb       NOT NULL,
    computed_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant, fiscal_year, measure, figures)
);

-- The public benchmark set: each municipality's measures as the engine computes them from its submitted
-- figures, beside the figures reported with each row. Recorded under the public set's own tenant.
CREATE TABLE mbn_benchmark (
    tenant                text        NOT NULL,
    fiscal_year           integer     NOT NULL,
    municipality          text        NOT NULL,
    tier                  text        NOT NULL,
    measure               text        NOT NULL,
    definition            text        NOT NULL,
    value                 numeric,
    ratio                 numeric,
    numerator             numeric,
    denominator           numeric,
    reported_numerator    numeric,
    reported_denominator  numeric,
    flags                 jsonb       NOT NULL,
    loaded_at             timestamptz NOT NULL,
    PRIMARY KEY (tenant, fiscal_year, municipality, measure)
);

CREATE INDEX mbn_benchmark_by_measure ON mbn_benchmark (tenant, measure, fiscal_year);
