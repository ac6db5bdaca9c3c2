-- The service-desk, asset and training KPIs (metrics.kpis): facts kept per entity, series per definition version.

-- The desk policy each tenant's KPIs are read in (time zone, calendar, SLA targets): the latest change's payload.
CREATE TABLE kpi_desks (
    tenant      text        PRIMARY KEY,
    changed_at  timestamptz NOT NULL,
    policy      jsonb       NOT NULL
);

-- What the KPIs need to know of each entity (a ticket, a work order, a device, a training delivery, an
-- orientation), folded from its events: every definition version's series is computed from these.
CREATE TABLE kpi_facts (
    tenant     text  NOT NULL,
    kind       text  NOT NULL,
    entity_id  text  NOT NULL,
    facts      jsonb NOT NULL,
    PRIMARY KEY (tenant, kind, entity_id)
);

-- Per tenant, definition version, breakdown (dimension 'all', or priority, category, channel, group with the
-- member) and local day: n things adding up to total on that day (for a stock: the change of that day).
CREATE TABLE kpi_daily (
    tenant     text    NOT NULL,
    kpi        text    NOT NULL,
    version    integer NOT NULL,
    dimension  text    NOT NULL,
    day        date    NOT NULL,
    member     text    NOT NULL,
    part       text    NOT NULL,
    n          bigint  NOT NULL,
    total      numeric NOT NULL,
    PRIMARY KEY (tenant, kpi, version, dimension, day, member, part)
);

-- One value per entity and definition version, for the KPIs a sum cannot give (medians, distinct people).
CREATE TABLE kpi_samples (
    tenant     text             NOT NULL,
    kpi        text             NOT NULL,
    version    integer          NOT NULL,
    entity_id  text             NOT NULL,
    part       text             NOT NULL,
    day        date             NOT NULL,
    value      double precision NOT NULL,
    who        text             NOT NULL,
    priority   text             NOT NULL,
    category   text             NOT NULL,
    channel    text             NOT NULL,
    grp        text             NOT NULL,
    PRIMARY KEY (tenant, kpi, version, entity_id, part)
);

CREATE INDEX kpi_samples_by_day ON kpi_samples (tenant, kpi, version, day)
    INCLUDE (value, who, part, priority, category, channel, grp);

-- The FTE figures managers recorded through /mbn/inputs (INTN010 budgeted, INTN011 supported override), for
-- the per-FTE KPIs: the latest figure of each.
CREATE TABLE kpi_fte (
    tenant       text        NOT NULL,
    fiscal_year  integer     NOT NULL,
    input_id     text        NOT NULL,
    value        numeric     NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, fiscal_year, input_id)
);
