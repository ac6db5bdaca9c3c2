-- Inline read model of vendor contracts: each contract's current term, what it covers, and its renewal notice.
CREATE TABLE vendor_contracts (
    contract_id          uuid           PRIMARY KEY,
    tenant               text           NOT NULL,
    contract_type        text           NOT NULL,
    vendor               text           NOT NULL,
    reference            text           NOT NULL,
    description          text           NOT NULL,
    owner_id             text           NOT NULL,
    term                 integer        NOT NULL,
    term_event_id        uuid           NOT NULL,  -- the event that began the current term: its notice's cause
    starts_on            date           NOT NULL,
    ends_on              date           NOT NULL,
    value                numeric(14, 2) NOT NULL,
    payments             jsonb          NOT NULL,
    renewal_notice_days  integer        NOT NULL,
    notice_on            date           GENERATED ALWAYS AS (ends_on - renewal_notice_days) STORED,
    terms                jsonb          NOT NULL,  -- every term so far, the first first
    device_ids           uuid[]         NOT NULL,
    licence_ids          uuid[]         NOT NULL,
    terminated_on        date,
    termination_reason   text           NOT NULL DEFAULT '',
    noticed_term         integer        NOT NULL DEFAULT 0,  -- the last term whose renewal notice was issued
    recorded_at          timestamptz    NOT NULL,
    updated_at           timestamptz    NOT NULL,
    version              integer        NOT NULL
);

CREATE INDEX vendor_contracts_by_notice ON vendor_contracts (tenant, notice_on, contract_id);
CREATE INDEX vendor_contracts_by_vendor ON vendor_contracts (tenant, lower(vendor));
-- The renewal-notice job's worklist, across tenants: contracts in force whose current term was not noticed yet.
CREATE INDEX vendor_contracts_notice_due ON vendor_contracts (notice_on)
    WHERE terminated_on IS NULL AND noticed_term < term;
