-- The technicians' queue: filters, SLA urgency, full-text search, and what the scheduler must look at next.
ALTER TABLE ticket_list
    ADD COLUMN description        text        NOT NULL DEFAULT '',
    ADD COLUMN assignee_id        text,
    ADD COLUMN group_name         text,
    ADD COLUMN level              integer     NOT NULL DEFAULT 1,
    ADD COLUMN response_due_at    timestamptz,
    ADD COLUMN resolution_due_at  timestamptz,
    ADD COLUMN sla_state          text        NOT NULL DEFAULT 'running',
    ADD COLUMN next_sla_check_at  timestamptz,
    ADD COLUMN auto_close_at      timestamptz,
    ADD COLUMN search             tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', subject), 'A') || setweight(to_tsvector('simple', description), 'B')
    ) STORED;

CREATE INDEX ticket_list_queue ON ticket_list (tenant, status, (least(response_due_at, resolution_due_at)));
CREATE INDEX ticket_list_search ON ticket_list USING gin (search);
CREATE INDEX ticket_list_sla_checks ON ticket_list (next_sla_check_at) WHERE next_sla_check_at IS NOT NULL;
CREATE INDEX ticket_list_auto_close ON ticket_list (auto_close_at) WHERE auto_close_at IS NOT NULL;
