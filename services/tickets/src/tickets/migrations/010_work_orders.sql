-- Inline read models behind the technicians' work-order queue and the preventive schedules, written with the events.
CREATE TABLE work_order_list (
    work_order_id  uuid        PRIMARY KEY,
    tenant         text        NOT NULL,
    title          text        NOT NULL,
    kind           text        NOT NULL,
    status         text        NOT NULL,
    ticket_id      uuid,
    device_id      uuid,
    schedule_id    uuid,
    occurrence     date,
    assignee_id    text,
    scheduled_for  timestamptz,
    minutes_spent  integer     NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer     NOT NULL
);

CREATE INDEX work_order_list_by_tenant ON work_order_list (tenant, created_at DESC, work_order_id);
CREATE INDEX work_order_list_by_assignee ON work_order_list (tenant, assignee_id, status);
CREATE INDEX work_order_list_by_ticket ON work_order_list (tenant, ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX work_order_list_by_device ON work_order_list (tenant, device_id) WHERE device_id IS NOT NULL;
-- A second guard beside the schedule stream's version: one work order per preventive occurrence.
CREATE UNIQUE INDEX work_order_list_one_per_occurrence ON work_order_list (schedule_id, occurrence)
    WHERE schedule_id IS NOT NULL;

CREATE TABLE preventive_schedules (
    schedule_id   uuid        PRIMARY KEY,
    tenant        text        NOT NULL,
    title         text        NOT NULL,
    description   text        NOT NULL,
    device_id     uuid,
    every_days    integer,
    day_of_month  integer,
    starts_on     date        NOT NULL,
    assignee_id   text,
    status        text        NOT NULL,
    last_raised   date,
    next_due      date,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       integer     NOT NULL
);

CREATE INDEX preventive_schedules_due ON preventive_schedules (next_due) WHERE status = 'active';
CREATE INDEX preventive_schedules_by_tenant ON preventive_schedules (tenant, created_at DESC, schedule_id);
