-- Inline read models of security advisories: each advisory with its counts and time to remediate, and each
-- device it exposed with its remediation. Tag, model, person and location are read from device_list when listed.
CREATE TABLE advisories (
    advisory_id                uuid        PRIMARY KEY,
    tenant                     text        NOT NULL,
    title                      text        NOT NULL,
    kind                       text        NOT NULL,
    severity                   text        NOT NULL,
    source                     text        NOT NULL,
    reference                  text        NOT NULL,
    description                text        NOT NULL,
    affected                   jsonb       NOT NULL,  -- software, models and accounts, as recorded
    window_start               timestamptz NOT NULL,
    window_end                 timestamptz,
    recorded_at                timestamptz NOT NULL,
    recorded_by                text        NOT NULL,
    people                     text[]      NOT NULL DEFAULT '{}',
    exposed_devices            integer     NOT NULL DEFAULT 0,
    remediated_devices         integer     NOT NULL DEFAULT 0,
    remediated_at              timestamptz,  -- set once no exposed device is left
    seconds_to_remediate       bigint,
    mean_seconds_to_remediate  double precision,
    version                    integer     NOT NULL,
    CONSTRAINT advisories_remediated_within_exposed CHECK (remediated_devices BETWEEN 0 AND exposed_devices)
);

CREATE INDEX advisories_of_tenant ON advisories (tenant, recorded_at DESC, advisory_id);

CREATE TABLE advisory_devices (
    advisory_id           uuid        NOT NULL REFERENCES advisories (advisory_id),
    device_id             uuid        NOT NULL,
    tenant                text        NOT NULL,
    remediated_at         timestamptz,
    action                text,
    note                  text        NOT NULL DEFAULT '',
    remediated_by         text,
    seconds_to_remediate  bigint,
    PRIMARY KEY (advisory_id, device_id)
);

CREATE INDEX advisory_devices_of_device ON advisory_devices (tenant, device_id);

-- The exposure query finds installations of the affected titles in the event store (the installations table keeps
-- only the seats held now, not those given back): by tenant and title, without reading every event.
CREATE INDEX events_software_installed_by_title ON events (tenant, (envelope #>> '{data,title_id}'))
    WHERE event_type = 'assets.software_installed';
