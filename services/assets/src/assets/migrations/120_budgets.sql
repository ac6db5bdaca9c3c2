-- Inline read models of the money side: each fiscal year's budget and its bounds, commitments with what is still
-- open, every expenditure, and which inventory purchases an expenditure already counts.
CREATE TABLE budgets (
    tenant                 text           NOT NULL,
    fiscal_year            integer        NOT NULL,
    first_month            integer        NOT NULL,
    starts_on              date           NOT NULL,
    ends_on                date           NOT NULL,
    inventory_cost_centre  text           NOT NULL,
    total                  numeric(16, 2) NOT NULL,
    set_by                 text           NOT NULL,
    set_at                 timestamptz    NOT NULL,
    updated_at             timestamptz    NOT NULL,
    version                integer        NOT NULL,
    PRIMARY KEY (tenant, fiscal_year)
);

-- Which fiscal year a date falls in: a tenant's years share no day.
CREATE INDEX budgets_by_period ON budgets (tenant, starts_on, ends_on);

CREATE TABLE budget_commitments (
    commitment_id        uuid           PRIMARY KEY,
    tenant               text           NOT NULL,
    fiscal_year          integer        NOT NULL,
    component            text           NOT NULL,
    cost_centre          text           NOT NULL,
    amount               numeric(14, 2) NOT NULL,
    drawn                numeric(14, 2) NOT NULL,
    released             numeric(14, 2) NOT NULL,
    open_amount          numeric(14, 2) NOT NULL,
    closed               boolean        NOT NULL,
    vendor               text           NOT NULL,
    expected_month       date           NOT NULL,  -- the month's first day
    description          text           NOT NULL,
    order_number         text           NOT NULL,
    purchase_request_id  uuid,
    contract_id          uuid,
    recorded_at          timestamptz    NOT NULL,
    updated_at           timestamptz    NOT NULL,
    version              integer        NOT NULL,
    CONSTRAINT budget_commitments_open_within_amount CHECK (open_amount BETWEEN 0 AND amount)
);

CREATE INDEX budget_commitments_by_year ON budget_commitments (tenant, fiscal_year, expected_month, commitment_id);

CREATE TABLE budget_spending (
    expenditure_id       uuid           PRIMARY KEY,
    tenant               text           NOT NULL,
    fiscal_year          integer        NOT NULL,
    spent_on             date           NOT NULL,
    kind                 text           NOT NULL,
    component            text           NOT NULL,
    cost_centre          text           NOT NULL,
    amount               numeric(14, 2) NOT NULL,
    capital              boolean        NOT NULL,
    vendor               text           NOT NULL,
    reference            text           NOT NULL,
    description          text           NOT NULL,
    commitment_id        uuid,
    contract_id          uuid,
    purchase_request_id  uuid,
    device_ids           uuid[]         NOT NULL,
    licence_purchases    jsonb          NOT NULL,
    recorded_at          timestamptz    NOT NULL
);

CREATE INDEX budget_spending_by_year ON budget_spending (tenant, fiscal_year, spent_on, expenditure_id);

-- An inventory purchase ('device:<id>', 'licence:<id>:<n>') counted as spending, by the one expenditure naming it.
CREATE TABLE spending_coverage (
    purchase_key    text PRIMARY KEY,
    tenant          text NOT NULL,
    expenditure_id  uuid NOT NULL REFERENCES budget_spending (expenditure_id)
);

-- The purchases the inventory recorded, by date: what a year's variance and the spending job read.
CREATE INDEX device_list_purchases ON device_list (tenant, purchased_on) WHERE cost > 0;
