-- The stock KPIs' per-day changes added up per ISO week (from Monday) as well: a stock by week is read as whole weeks'
-- sums, where it added up every day's rows of the range (a year by week and group, thousands of rows).
CREATE TABLE kpi_weekly (
    tenant     text    NOT NULL,
    kpi        text    NOT NULL,
    version    integer NOT NULL,
    dimension  text    NOT NULL,
    week       date    NOT NULL,  -- its Monday
    member     text    NOT NULL,
    part       text    NOT NULL,
    n          bigint  NOT NULL,
    total      numeric NOT NULL,
    PRIMARY KEY (tenant, kpi, version, dimension, week, member, part) INCLUDE (n, total)
);

-- The stocks are the definitions kpi_monthly holds.
INSERT INTO kpi_weekly (tenant, kpi, version, dimension, week, member, part, n, total)
SELECT tenant, kpi, version, dimension, date_trunc('week', day::timestamp)::date, member, part, sum(n), sum(total)
FROM kpi_daily WHERE (tenant, kpi, version) IN (SELECT DISTINCT tenant, kpi, version FROM kpi_monthly)
GROUP BY 1, 2, 3, 4, 5, 6, 7;
