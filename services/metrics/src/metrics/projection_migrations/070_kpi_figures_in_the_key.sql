-- A KPI read adds up a year of per-day rows of one breakdown, rows the projector wrote on as many days, so one heap
-- page per row: with the figures carried in the key's index (and the pages vacuumed), the read comes from the
-- index alone, a few pages in key order. An update then also writes an index entry, a small cost beside the read.
ALTER TABLE kpi_daily DROP CONSTRAINT kpi_daily_pkey,
    ADD PRIMARY KEY (tenant, kpi, version, dimension, day, member, part) INCLUDE (n, total);
ALTER TABLE kpi_monthly DROP CONSTRAINT kpi_monthly_pkey,
    ADD PRIMARY KEY (tenant, kpi, version, dimension, month, member, part) INCLUDE (n, total);
