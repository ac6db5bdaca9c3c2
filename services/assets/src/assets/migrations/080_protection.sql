-- Inline read models of endpoint protection: what each device runs, what the tenant requires of each device kind,
-- and the gaps a work order was already asked for; the gaps themselves are a query over these and device_list.
CREATE TABLE device_protection (
    device_id        uuid        NOT NULL,
    kind             text        NOT NULL,
    tenant           text        NOT NULL,
    product          text        NOT NULL,
    product_version  text        NOT NULL,
    last_updated     timestamptz,
    status           text        NOT NULL,
    policy           jsonb,
    recorded_at      timestamptz NOT NULL,
    technician_id    text        NOT NULL,
    PRIMARY KEY (device_id, kind)
);

CREATE INDEX device_protection_of_tenant ON device_protection (tenant, device_id);

-- One row per protection a device kind requires, with how old its last update may be (null: any age).
CREATE TABLE protection_required (
    tenant               text    NOT NULL,
    device_kind          text    NOT NULL,
    kind                 text    NOT NULL,
    max_update_age_days  integer,
    PRIMARY KEY (tenant, device_kind, kind)
);

CREATE TABLE protection_work_requested (
    device_id     uuid        NOT NULL,
    kind          text        NOT NULL,
    problem       text        NOT NULL,  -- missing or outdated
    tenant        text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    requested_by  text        NOT NULL,
    PRIMARY KEY (device_id, kind, problem)
);
