-- Inline read models of network accounts and their password resets. No password, hash, token, PIN or phone
-- number is ever stored: a reset records who, for whom, how the identity was verified and when.
CREATE TABLE accounts (
    account_id     uuid        PRIMARY KEY,
    tenant         text        NOT NULL,
    username       text        NOT NULL,
    person_id      text        NOT NULL,
    email          text,
    groups         text[]      NOT NULL,
    expires_on     date,
    status         text        NOT NULL,  -- active, disabled, locked, deprovisioned
    status_reason  text        NOT NULL,  -- why it was last disabled, locked or deprovisioned
    provisioned_at timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer     NOT NULL
);

-- A username names one account in the tenant, whatever the case, for good: logs that name it keep naming one person.
CREATE UNIQUE INDEX accounts_username_unique ON accounts (tenant, lower(username));
CREATE INDEX accounts_of_person ON accounts (tenant, person_id);
CREATE INDEX accounts_in_group ON accounts USING gin (groups);

CREATE TABLE password_resets (
    reset_id          uuid        PRIMARY KEY,
    tenant            text        NOT NULL,
    account_id        uuid        NOT NULL REFERENCES accounts (account_id),
    person_id         text        NOT NULL,
    requested_by      text        NOT NULL,
    channel           text        NOT NULL,
    ticket_id         uuid,
    status            text        NOT NULL,  -- requested, verified, completed, cancelled
    requested_at      timestamptz NOT NULL,
    method            text,  -- how the identity was verified: in_person_id, call_back, manager_approval, mfa
    verified_by       text,
    verified_at       timestamptz,
    verification_note text,
    completed_by      text,
    completed_at      timestamptz,
    force_change      boolean,
    cancelled_by      text,
    cancelled_at      timestamptz,
    cancel_reason     text,
    updated_at        timestamptz NOT NULL,
    version           integer     NOT NULL
);

-- The resets of an account in time order: what flags an account reset too often.
CREATE INDEX password_resets_of_account ON password_resets (tenant, account_id, requested_at);
CREATE INDEX password_resets_by_time ON password_resets (tenant, requested_at);
