-- Inline read models of sessions: each session with its counts, and each person's place in it (or in its line).
CREATE TABLE training_sessions (
    session_id              uuid          PRIMARY KEY,
    tenant                  text          NOT NULL,
    course_id               uuid          NOT NULL REFERENCES courses (course_id),
    title                   text          NOT NULL,
    topic                   text          NOT NULL,
    starts_at               timestamptz   NOT NULL,
    ends_at                 timestamptz   NOT NULL,
    room                    text          NOT NULL,
    online_link             text          NOT NULL,
    trainer_id              text          NOT NULL,
    capacity                integer       NOT NULL,
    enrolled                integer       NOT NULL,
    waitlisted              integer       NOT NULL,
    hours                   numeric(8, 2) NOT NULL,
    status                  text          NOT NULL,  -- scheduled, cancelled, held (its attendance recorded)
    cancelled_at            timestamptz,
    cancel_reason           text          NOT NULL,
    attended                integer,
    no_shows                integer,
    scheduled_at            timestamptz   NOT NULL,
    updated_at              timestamptz   NOT NULL,
    version                 integer       NOT NULL,
    -- The decider's rule, kept by the table too: a row that broke it would roll the command back.
    CONSTRAINT training_sessions_enrolled_within_capacity CHECK (enrolled BETWEEN 0 AND capacity)
);

CREATE INDEX training_sessions_by_start ON training_sessions (tenant, starts_at, session_id);
CREATE INDEX training_sessions_of_course ON training_sessions (course_id, starts_at);

CREATE TABLE session_people (
    session_id   uuid        NOT NULL REFERENCES training_sessions (session_id),
    person_id    text        NOT NULL,
    tenant       text        NOT NULL,
    status       text        NOT NULL,  -- enrolled, waitlisted, withdrawn, attended, no_show
    place        integer     NOT NULL,  -- the session's version when they got their place or joined the line: the order
    enrolled_by  text        NOT NULL,
    since        timestamptz NOT NULL,  -- when their status last changed
    PRIMARY KEY (session_id, person_id)
);

CREATE INDEX session_people_of_person ON session_people (tenant, person_id);
