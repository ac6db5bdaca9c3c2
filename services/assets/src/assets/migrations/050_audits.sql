-- Inline read models of physical audits: each audit with its result and proposals, its scans, and when each
-- device was last found by one (for the devices not audited for N days).
CREATE TABLE audits (
    audit_id               uuid        PRIMARY KEY,
    tenant                 text        NOT NULL,
    location               text        NOT NULL,
    status                 text        NOT NULL,  -- open, closed
    opened_at              timestamptz NOT NULL,
    opened_by              text        NOT NULL,
    expected               jsonb       NOT NULL,  -- the inventory's snapshot of the location when it opened
    expected_count         integer     NOT NULL,
    scanned_count          integer     NOT NULL,
    still_expected         integer     NOT NULL,
    closed_at              timestamptz,
    closed_by              text,
    found_count            integer,
    missing_count          integer,
    found_elsewhere_count  integer,
    unknown_count          integer,
    result                 jsonb,  -- once closed: found, missing, found_elsewhere, unknown
    proposals              jsonb,  -- once closed: the device commands it suggests, none of them applied
    updated_at             timestamptz NOT NULL,
    version                integer     NOT NULL
);

CREATE INDEX audits_by_tenant ON audits (tenant, opened_at DESC, audit_id);
CREATE INDEX audits_by_location ON audits (tenant, location, opened_at DESC);

CREATE TABLE audit_scans (
    audit_id    uuid        NOT NULL REFERENCES audits (audit_id),
    asset_tag   text        NOT NULL,
    tenant      text        NOT NULL,
    scanned_at  timestamptz NOT NULL,
    scanned_by  text        NOT NULL,
    PRIMARY KEY (audit_id, asset_tag)
);

-- The last time an audit found each device (on site or elsewhere); a device absent here was never found.
CREATE TABLE device_last_audited (
    device_id   uuid        PRIMARY KEY,
    tenant      text        NOT NULL,
    audit_id    uuid        NOT NULL,
    location    text        NOT NULL,  -- where the audit found it
    audited_at  timestamptz NOT NULL   -- when its tag was scanned
);

CREATE INDEX device_last_audited_by_time ON device_last_audited (tenant, audited_at);
