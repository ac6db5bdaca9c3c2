-- Inline read model of TrainingDelivered: each person trained, how, on what and for how long.
CREATE TABLE training_deliveries (
    delivery_id     uuid          PRIMARY KEY,
    tenant          text          NOT NULL,
    person_id       text          NOT NULL,
    kind            text          NOT NULL,  -- orientation, session, on_request
    topic           text          NOT NULL,
    hours           numeric(8, 2) NOT NULL,
    delivered_at    timestamptz   NOT NULL,
    course_id       uuid,
    session_id      uuid,
    orientation_id  uuid,
    request_id      uuid,
    ticket_id       uuid,
    trainer_id      text          NOT NULL,
    recorded_at     timestamptz   NOT NULL
);

CREATE INDEX training_deliveries_of_person ON training_deliveries (tenant, person_id, delivered_at);
