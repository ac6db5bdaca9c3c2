-- MBN counts devices as at a fiscal year's close (metrics.device_figures). Counting the states that span the close
-- reads every state begun before it, more each year; instead each counted state adds one to its class in the year
-- it began and takes one away in the year it ended (UTC, as the close is), so a year's count is the sum of the
-- years up to it: a few rows per year. metrics.device_history keeps it with the states it derives.
CREATE TABLE device_counts_by_year (
    tenant       text    NOT NULL,
    mbn_class    text    NOT NULL,
    fiscal_year  integer NOT NULL,
    held         bigint  NOT NULL,  -- devices begun less devices ended that year
    PRIMARY KEY (tenant, mbn_class, fiscal_year)
);

INSERT INTO device_counts_by_year (tenant, mbn_class, fiscal_year, held)
SELECT tenant, mbn_class, year, sum(held) FROM (
    SELECT tenant, mbn_class, extract(year FROM valid_from AT TIME ZONE 'UTC')::int AS year, 1 AS held
    FROM device_states WHERE status IN ('in_stock', 'deployed', 'in_repair', 'retired') AND mbn_class <> 'not_counted'
    UNION ALL
    SELECT tenant, mbn_class, extract(year FROM valid_to AT TIME ZONE 'UTC')::int, -1
    FROM device_states WHERE status IN ('in_stock', 'deployed', 'in_repair', 'retired') AND mbn_class <> 'not_counted'
      AND isfinite(valid_to)
) changes GROUP BY 1, 2, 3;
