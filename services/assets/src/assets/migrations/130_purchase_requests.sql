-- Inline read model of purchase requests: what was asked, IT's recommendation, the decision, the order, the receipt.
CREATE TABLE purchase_requests (
    request_id      uuid           PRIMARY KEY,
    tenant          text           NOT NULL,
    requester_id    text           NOT NULL,
    item            text           NOT NULL,
    justification   text           NOT NULL,
    for_whom        text           NOT NULL,
    quantity        integer        NOT NULL,
    estimated_cost  numeric(14, 2) NOT NULL,
    cost_centre     text,
    status          text           NOT NULL,
    recommendation  jsonb,  -- each step as its event told it
    decision        jsonb,
    purchase_order  jsonb,
    receipt         jsonb,
    requested_at    timestamptz    NOT NULL,
    updated_at      timestamptz    NOT NULL,
    version         integer        NOT NULL
);

CREATE INDEX purchase_requests_by_status ON purchase_requests (tenant, status, requested_at, request_id);
CREATE INDEX purchase_requests_of_requester ON purchase_requests (tenant, requester_id, requested_at, request_id);
