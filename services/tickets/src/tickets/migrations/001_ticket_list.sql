-- Inline read model behind "my tickets" (and, later, the technicians' queue), written with the events.
CREATE TABLE ticket_list (
    ticket_id     uuid        PRIMARY KEY,
    tenant        text        NOT NULL,
    requester_id  text        NOT NULL,
    subject       text        NOT NULL,
    category      text        NOT NULL,
    priority      text        NOT NULL,
    status        text        NOT NULL,
    opened_at     timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       integer     NOT NULL
);

CREATE INDEX ticket_list_by_requester ON ticket_list (tenant, requester_id, opened_at DESC, ticket_id);
