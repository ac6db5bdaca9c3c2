-- The assets service's actual spending as the projector keeps it (metrics.spending): one row per expenditure, which
-- INTN243's operating cost adds up per fiscal year and MBN cost component, and the list its drill-down pages through.

CREATE TABLE expenditures (
    tenant          text        NOT NULL,
    expenditure_id  uuid        NOT NULL,
    fiscal_year     integer     NOT NULL,  -- the tenant's fiscal year, as assets dated the spending
    component       text        NOT NULL,  -- the MBN cost component (events.contracts.budget.CostComponent)
    amount          numeric     NOT NULL,
    capital         boolean     NOT NULL,  -- amortized: INTN243T counts its amortization, INTN243 leaves it out
    spent_on        date        NOT NULL,
    kind            text        NOT NULL,
    cost_centre     text        NOT NULL,
    vendor          text        NOT NULL,
    reference       text        NOT NULL,
    description     text        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, expenditure_id)
);

-- The operating spending of a tenant's year: summed per component, and listed by component and day.
CREATE INDEX expenditures_operating ON expenditures (tenant, fiscal_year, component, spent_on, expenditure_id)
    INCLUDE (amount) WHERE NOT capital;
