-- The stock KPIs' per-day changes (backlog, devices owned...) added up per month as well: a stock as at a day is
-- every earlier change added up, and a month's sum stands for up to 31 days of rows when a read adds up the past.
CREATE TABLE kpi_monthly (
    tenant     text    NOT NULL,
    kpi        text    NOT NULL,
    version    integer NOT NULL,
    dimension  text    NOT NULL,
    month      date    NOT NULL,
    member     text    NOT NULL,
    part       text    NOT NULL,
    n          bigint  NOT NULL,
    total      numeric NOT NULL,
    PRIMARY KEY (tenant, kpi, version, dimension, month, member, part)
);
