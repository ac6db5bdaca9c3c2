-- Inline read model of training on request: one row per request, what staff follow theirs by and the desk works from.
CREATE TABLE training_requests (
    request_id       uuid          PRIMARY KEY,
    tenant           text          NOT NULL,
    person_id        text          NOT NULL,
    topic            text          NOT NULL,
    preferred_times  text[]        NOT NULL,
    note             text          NOT NULL,
    requested_by     text          NOT NULL,
    ticket_id        uuid,
    status           text          NOT NULL,  -- waiting | scheduled | delivered | cancelled
    requested_at     timestamptz   NOT NULL,
    scheduled_for    timestamptz,
    trainer_id       text          NOT NULL,
    delivery_id      uuid,
    hours            numeric(6, 2),
    closed_at        timestamptz,              -- delivered or cancelled
    closing_note     text          NOT NULL,   -- the trainer's note, or why it was cancelled
    updated_at       timestamptz   NOT NULL,
    version          integer       NOT NULL
);

-- A ticket makes one request: the decider keeps it by the request's id, the table by the ticket too.
CREATE UNIQUE INDEX training_requests_one_per_ticket ON training_requests (tenant, ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX training_requests_by_status ON training_requests (tenant, status, requested_at);
CREATE INDEX training_requests_of_person ON training_requests (tenant, person_id, requested_at DESC);
