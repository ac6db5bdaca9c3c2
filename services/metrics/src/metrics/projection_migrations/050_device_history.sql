-- The projector's own history of each device, from the assets events (metrics.device_history): the events kept,
-- the states and the amortization re-derived from them whenever one arrives, a backdated one included.

-- The device events that change its state or its amortization terms, as their current class reads them.
CREATE TABLE device_events (
    tenant          text        NOT NULL,
    device_id       uuid        NOT NULL,
    stream_version  integer     NOT NULL,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    at              timestamptz NOT NULL,  -- valid time: when it happened, however much later it was recorded
    payload         jsonb       NOT NULL,
    PRIMARY KEY (tenant, device_id, stream_version)
);

-- Each device's states along valid time, as the assets service folds them: from valid_from until valid_to
-- ('infinity' for the state it is in now).
CREATE TABLE device_states (
    tenant      text        NOT NULL,
    device_id   uuid        NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL,
    status      text        NOT NULL,
    mbn_class   text        NOT NULL,
    asset_tag   text        NOT NULL,
    PRIMARY KEY (tenant, device_id, valid_from)
);

-- The states MBN counts ("the entire inventory as at fiscal-year close": owned and still held, in a counted class):
-- what a count as at a date reads, and the date a tenant's counted inventory begins (its first entry).
CREATE INDEX device_states_counted ON device_states (tenant, valid_from) INCLUDE (valid_to, mbn_class)
    WHERE status IN ('in_stock', 'deployed', 'in_repair', 'retired') AND mbn_class <> 'not_counted';

-- Each device's amortization per fiscal year (MBN's: the calendar year), from its schedule in
-- events.contracts.amortization: a tenant's year is the sum of its devices' amounts, as tenant_total adds them.
CREATE TABLE device_amortization (
    tenant       text    NOT NULL,
    fiscal_year  integer NOT NULL,
    device_id    uuid    NOT NULL,
    amount       numeric NOT NULL,
    asset_tag    text    NOT NULL,
    PRIMARY KEY (tenant, fiscal_year, device_id)
);

CREATE INDEX device_amortization_by_device ON device_amortization (tenant, device_id);
