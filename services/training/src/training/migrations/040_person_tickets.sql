-- The tickets each person opened, as `tickets.ticket_opened` told the training service (consumer group
-- training.requests): a knowledge-base search followed by one of these within the hour deflected nothing.
CREATE TABLE person_tickets (
    ticket_id  uuid        PRIMARY KEY,
    tenant     text        NOT NULL,
    person_id  text        NOT NULL,
    opened_at  timestamptz NOT NULL
);

CREATE INDEX person_tickets_by_person ON person_tickets (tenant, person_id, opened_at);
