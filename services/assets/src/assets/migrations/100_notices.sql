-- Inline read models of notices: each person's notices, and the mail waiting to be sent for them.
CREATE TABLE person_notices (
    notice_id        uuid        PRIMARY KEY,
    tenant           text        NOT NULL,
    person_id        text        NOT NULL,
    kind             text        NOT NULL,
    subject          text        NOT NULL,
    body             text        NOT NULL,
    cause_event_id   uuid,
    cause_type       text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    -- none: no address was known when it was issued; queued: in mail_outbox; sent: the mail server took it
    mail_status      text        NOT NULL CHECK (mail_status IN ('none', 'queued', 'sent')),
    mailed_at        timestamptz,
    version          integer     NOT NULL
);

-- One notice per cause and person, also if two deliveries of the cause raced past the decider.
CREATE UNIQUE INDEX person_notices_once_per_cause ON person_notices (tenant, cause_event_id, person_id)
    WHERE cause_event_id IS NOT NULL;
CREATE INDEX person_notices_of_person ON person_notices (tenant, person_id, issued_at DESC, notice_id);

-- One mail per notice; the row stays once sent (sent_at), for support to see what went where.
CREATE TABLE mail_outbox (
    notice_id        uuid        PRIMARY KEY REFERENCES person_notices (notice_id),
    tenant           text        NOT NULL,
    address          text        NOT NULL,
    subject          text        NOT NULL,
    body             text        NOT NULL,
    queued_at        timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    sent_at          timestamptz
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
