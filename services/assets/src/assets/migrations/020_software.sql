-- Inline read models of software: the titles, each licence with its seats, and which device holds which seat.
CREATE TABLE software_titles (
    title_id          uuid        PRIMARY KEY,
    tenant            text        NOT NULL,
    name              text        NOT NULL,
    publisher         text        NOT NULL,
    software_version  text        NOT NULL,
    category          text        NOT NULL,
    added_at          timestamptz NOT NULL
);

-- One title per name, publisher and version in a tenant, whatever the case: two would split its seats.
CREATE UNIQUE INDEX software_titles_listed_once
    ON software_titles (tenant, lower(name), lower(publisher), lower(software_version));

CREATE TABLE licences (
    licence_id     uuid           PRIMARY KEY,
    tenant         text           NOT NULL,
    title_id       uuid           NOT NULL REFERENCES software_titles (title_id),
    licence_type   text           NOT NULL,
    seats          integer        NOT NULL,
    seats_used     integer        NOT NULL,
    expires_on     date,
    purchases      jsonb          NOT NULL,  -- the acquisition's, then each renewal's: cost, date, supplier, order
    total_cost     numeric(16, 2) NOT NULL,
    key_reference  text           NOT NULL,
    acquired_at    timestamptz    NOT NULL,
    updated_at     timestamptz    NOT NULL,
    version        integer        NOT NULL,
    -- The decider's rule, kept by the table too: a row that broke it would roll the command back.
    CONSTRAINT licences_seats_used_within_owned CHECK (seats_used BETWEEN 0 AND seats)
);

CREATE INDEX licences_expiring ON licences (tenant, expires_on, licence_id) WHERE expires_on IS NOT NULL;
CREATE INDEX licences_of_title ON licences (title_id, expires_on);

CREATE TABLE software_installations (
    licence_id     uuid        NOT NULL REFERENCES licences (licence_id),
    device_id      uuid        NOT NULL,
    tenant         text        NOT NULL,
    title_id       uuid        NOT NULL,
    installed_at   timestamptz NOT NULL,
    technician_id  text        NOT NULL,
    PRIMARY KEY (licence_id, device_id),
    -- A device runs a title under one licence: a second would spend a seat for nothing.
    CONSTRAINT software_installations_title_once_per_device UNIQUE (device_id, title_id)
);

CREATE INDEX software_installations_of_device ON software_installations (tenant, device_id);
