-- Inline read model of the course catalogue.
CREATE TABLE courses (
    course_id       uuid          PRIMARY KEY,
    tenant          text          NOT NULL,
    title           text          NOT NULL,
    technology      text          NOT NULL,
    topic           text          NOT NULL,
    duration_hours  numeric(8, 2) NOT NULL,
    audience        text          NOT NULL,
    new_technology  boolean       NOT NULL,
    description     text          NOT NULL,
    added_at        timestamptz   NOT NULL,
    version         integer       NOT NULL
);

-- One course per title in a tenant, whatever the case: two would split its sessions.
CREATE UNIQUE INDEX courses_listed_once ON courses (tenant, lower(title));
