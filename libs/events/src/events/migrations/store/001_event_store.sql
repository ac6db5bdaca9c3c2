-- The event store, which is also the outbox the relay publishes from.
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE,
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    tenant          text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    envelope        jsonb       NOT NULL,
    published_at    timestamptz,
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
);

-- The relay's worklist stays tiny however long the store grows.
CREATE INDEX events_unpublished ON events (global_position) WHERE published_at IS NULL;

-- A replayed Idempotency-Key answers with the first response and appends nothing.
CREATE TABLE idempotency_keys (
    tenant          text        NOT NULL,
    key             text        NOT NULL,
    request_hash    text        NOT NULL,
    status_code     integer     NOT NULL,
    response        jsonb       NOT NULL,
    headers         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, key)
);
