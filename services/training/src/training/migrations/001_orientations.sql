-- Inline read models of orientation: each tenant's training policy, and the orientation each person is owed.
CREATE TABLE training_policy (
    tenant                         text        PRIMARY KEY,
    orientation_due_business_days  integer     NOT NULL,
    timezone                       text        NOT NULL,
    holidays                       date[]      NOT NULL,
    changed_at                     timestamptz NOT NULL,
    version                        integer     NOT NULL
);

CREATE TABLE orientations (
    orientation_id  uuid          PRIMARY KEY,
    tenant          text          NOT NULL,
    person_id       text          NOT NULL,
    owed_at         timestamptz   NOT NULL,
    due_on          date          NOT NULL,  -- the last local day it is on time
    account_id      uuid,                    -- the account whose provisioning owed it; none when owed by hand
    username        text          NOT NULL,
    completed_at    timestamptz,
    within_due      boolean,
    hours           numeric(8, 2),
    trainer_id      text          NOT NULL,
    updated_at      timestamptz   NOT NULL,
    version         integer       NOT NULL,
    -- One orientation per person in a tenant, as the stream ids already make it.
    CONSTRAINT orientations_one_per_person UNIQUE (tenant, person_id)
);

CREATE INDEX orientations_still_owed ON orientations (tenant, due_on, person_id) WHERE completed_at IS NULL;
