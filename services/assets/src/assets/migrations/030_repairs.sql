-- Repair history from the service desk, kept by the assets worker (consumer group assets.repairs).
-- device_repairs: each repair recorded on a device's stream (DeviceRepairRecorded), written in its transaction.
CREATE TABLE device_repairs (
    repair_id      uuid           PRIMARY KEY,
    device_id      uuid           NOT NULL,
    tenant         text           NOT NULL,
    at             timestamptz    NOT NULL,  -- when the desk logged it
    recorded_at    timestamptz    NOT NULL,  -- when the inventory learned it
    ticket_id      uuid,
    work_order_id  uuid           NOT NULL,
    technician_id  text           NOT NULL,
    fault          text           NOT NULL,
    action         text           NOT NULL,
    minutes        integer        NOT NULL,
    parts_cost     numeric(20, 2) NOT NULL
);

CREATE INDEX device_repairs_of_device ON device_repairs (tenant, device_id, at);
CREATE INDEX device_repairs_by_time ON device_repairs (tenant, at);

-- Repairs naming a device the tenant's inventory does not hold: kept for the desk to see, never dead-lettered.
CREATE TABLE unmatched_repairs (
    repair_id      uuid           PRIMARY KEY,
    tenant         text           NOT NULL,
    device_id      uuid           NOT NULL,
    at             timestamptz    NOT NULL,
    ticket_id      uuid,
    work_order_id  uuid           NOT NULL,
    technician_id  text           NOT NULL,
    fault          text           NOT NULL,
    action         text           NOT NULL,
    minutes        integer        NOT NULL,
    parts_cost     numeric(20, 2) NOT NULL,
    event_id       uuid           NOT NULL,  -- the desk's RepairLogged
    received_at    timestamptz    NOT NULL
);

CREATE INDEX unmatched_repairs_newest ON unmatched_repairs (tenant, at DESC);

-- Tickets that named a device when they were opened (TicketOpened with a device_id), known to the inventory or not.
CREATE TABLE device_tickets (
    ticket_id  uuid        PRIMARY KEY,
    device_id  uuid        NOT NULL,
    tenant     text        NOT NULL,
    subject    text        NOT NULL,
    opened_at  timestamptz NOT NULL
);

CREATE INDEX device_tickets_of_device ON device_tickets (tenant, device_id, opened_at);
