-- The inventory as it stands now (the last state in valid time): searches, staff's own devices, the asset-tag rule.
CREATE TABLE device_list (
    device_id        uuid        PRIMARY KEY,
    tenant           text        NOT NULL,
    asset_tag        text        NOT NULL,
    serial           text        NOT NULL,
    manufacturer     text        NOT NULL,
    model            text        NOT NULL,
    kind             text        NOT NULL,
    mbn_class        text        NOT NULL,
    status           text        NOT NULL,
    location         text        NOT NULL,
    department       text        NOT NULL,
    person_id        text,
    holds_storage    boolean     NOT NULL,
    sanitized        boolean     NOT NULL,
    purchased_on     date,
    cost             numeric(14, 2),
    warranty_ends_on date,
    registered_at    timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          integer     NOT NULL,
    CONSTRAINT device_list_asset_tag_unique UNIQUE (tenant, asset_tag)
);

CREATE INDEX device_list_by_status ON device_list (tenant, status, asset_tag);
CREATE INDEX device_list_by_person ON device_list (tenant, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX device_list_by_serial ON device_list (tenant, lower(serial));
CREATE INDEX device_list_by_location ON device_list (tenant, location);
