-- The sampled KPIs (medians, distinct people) per closed ISO week and month, per breakdown: a median cannot be added
-- up from smaller periods, and computing a year of them by week and group from the samples sorts thousands of values
-- per read. The open periods are computed from their samples when read (metrics.kpis.store says when one closes).
CREATE TABLE kpi_sample_periods (
    tenant     text             NOT NULL,
    kpi        text             NOT NULL,
    version    integer          NOT NULL,
    unit       text             NOT NULL,  -- 'week' or 'month'
    dimension  text             NOT NULL,
    period     date             NOT NULL,  -- its first day
    member     text             NOT NULL,
    part       text             NOT NULL,
    n          bigint           NOT NULL,  -- samples
    value      double precision NOT NULL,  -- the median, or how many different people
    PRIMARY KEY (tenant, kpi, version, unit, dimension, period, member, part) INCLUDE (n, value)
);

-- Figures are kept for the periods that began before `closed_before`.
CREATE TABLE kpi_sample_periods_closed (
    unit           text PRIMARY KEY,
    closed_before  date NOT NULL
);
INSERT INTO kpi_sample_periods_closed (unit, closed_before)
SELECT unit, date_trunc(unit, (now() AT TIME ZONE 'UTC')::date - 2)::date FROM (VALUES ('week'), ('month')) u (unit);

-- A projection made before: the closed periods' figures of the sampled definitions there were then.
INSERT INTO kpi_sample_periods (tenant, kpi, version, unit, dimension, period, member, part, n, value)
SELECT s.tenant, s.kpi, s.version, p.unit, d.dimension, p.period, d.member, s.part, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.value)
FROM kpi_samples s
CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', s.day::timestamp)::date),
                           ('month', date_trunc('month', s.day::timestamp)::date)) p (unit, period)
CROSS JOIN LATERAL (VALUES ('all', ''), ('priority', s.priority), ('category', s.category), ('channel', s.channel),
                           ('group', s.grp)) d (dimension, member)
JOIN kpi_sample_periods_closed c ON c.unit = p.unit AND p.period < c.closed_before
WHERE s.kpi IN ('desk.time-to-acknowledge-median', 'desk.time-to-resolve-median')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO kpi_sample_periods (tenant, kpi, version, unit, dimension, period, member, part, n, value)
SELECT s.tenant, s.kpi, s.version, p.unit, 'all', p.period, '', s.part, count(*), count(DISTINCT s.who)
FROM kpi_samples s
CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', s.day::timestamp)::date),
                           ('month', date_trunc('month', s.day::timestamp)::date)) p (unit, period)
JOIN kpi_sample_periods_closed c ON c.unit = p.unit AND p.period < c.closed_before
WHERE s.kpi = 'training.people-trained'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
