-- One row per event from every service: who did what, when, to which entity, with the payload.
CREATE TABLE audit_history (
    event_id        uuid        PRIMARY KEY,
    tenant          text        NOT NULL,
    entity_id       text        NOT NULL,
    stream_version  integer     NOT NULL,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    source          text        NOT NULL,
    actor           text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    correlation_id  text        NOT NULL,
    causation_id    text,
    payload         jsonb       NOT NULL
);

CREATE INDEX audit_history_by_entity ON audit_history (tenant, entity_id, occurred_at, stream_version);
