-- How many tickets were opened each day (UTC), per tenant.
CREATE TABLE tickets_opened_daily (
    tenant          text    NOT NULL,
    day             date    NOT NULL,
    tickets_opened  integer NOT NULL,
    PRIMARY KEY (tenant, day)
);
