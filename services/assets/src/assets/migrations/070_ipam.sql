-- Inline read models of IP address management: each prefix with its utilisation, its DHCP ranges and reservations,
-- and the addresses allocated to devices (released ones are kept, with when and why, for the history).
CREATE TABLE prefixes (
    prefix_id    uuid           PRIMARY KEY,
    tenant       text           NOT NULL,
    network      cidr           NOT NULL,
    site         text           NOT NULL,
    vlan_id      integer,
    purpose      text           NOT NULL,
    description  text           NOT NULL,
    -- Counts of addresses: an IPv6 /64 holds 2^64 - 1 usable ones, more than a bigint.
    usable       numeric(20, 0) NOT NULL,
    allocated    integer        NOT NULL,
    reserved     numeric(20, 0) NOT NULL,
    dhcp         numeric(20, 0) NOT NULL,
    added_at     timestamptz    NOT NULL,
    updated_at   timestamptz    NOT NULL,
    version      integer        NOT NULL,
    -- The decider's rule, kept by the table too: a row that broke it would roll the command back.
    CONSTRAINT prefixes_spent_within_usable CHECK (allocated + reserved + dhcp <= usable)
);

CREATE INDEX prefixes_of_tenant ON prefixes (tenant, network);
-- "Which prefix overlaps this one": the inet && operator, served by GiST.
CREATE INDEX prefixes_overlapping ON prefixes USING gist (network inet_ops);

CREATE TABLE ip_ranges (
    range_id       uuid        PRIMARY KEY,
    tenant         text        NOT NULL,
    prefix_id      uuid        NOT NULL REFERENCES prefixes (prefix_id),
    kind           text        NOT NULL CHECK (kind IN ('dhcp', 'reservation')),
    start_address  inet        NOT NULL,
    end_address    inet        NOT NULL,
    label          text        NOT NULL,  -- a DHCP range's description, a reservation's purpose
    added_at       timestamptz NOT NULL,
    added_by       text        NOT NULL
);

CREATE INDEX ip_ranges_of_prefix ON ip_ranges (prefix_id, start_address);

CREATE TABLE ip_allocations (
    allocation_id   uuid        PRIMARY KEY,
    tenant          text        NOT NULL,
    prefix_id       uuid        NOT NULL REFERENCES prefixes (prefix_id),
    address         inet        NOT NULL,
    device_id       uuid        NOT NULL,
    interface       text        NOT NULL,
    hostname        text        NOT NULL,
    description     text        NOT NULL,
    allocated_at    timestamptz NOT NULL,
    allocated_by    text        NOT NULL,
    released_at     timestamptz,
    released_by     text,
    release_reason  text,
    release_note    text
);

-- The last guard of "no address is ever given twice": one live allocation per address in a tenant.
CREATE UNIQUE INDEX ip_allocations_live_address ON ip_allocations (tenant, address) WHERE released_at IS NULL;
CREATE INDEX ip_allocations_of_prefix ON ip_allocations (prefix_id, address);
CREATE INDEX ip_allocations_of_device ON ip_allocations (tenant, device_id) WHERE released_at IS NULL;
