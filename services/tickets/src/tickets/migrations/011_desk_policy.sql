-- Inline read model behind "the tenant's desk policy now": every request reads this one row instead of folding
-- the policy stream. `version` is the stream's (the policy's ETag), `event_id` the change it shows.
CREATE TABLE desk_policy (
    tenant          text        PRIMARY KEY,
    version         integer     NOT NULL,
    event_id        uuid        NOT NULL,
    schema_version  integer     NOT NULL,
    changed_at      timestamptz NOT NULL,
    policy          jsonb       NOT NULL
);

-- Tenants that set a policy before this table existed: their latest change.
INSERT INTO desk_policy (tenant, version, event_id, schema_version, changed_at, policy)
SELECT DISTINCT ON (stream_id) tenant, stream_version, event_id, schema_version, occurred_at, envelope -> 'data'
FROM events
WHERE event_type = 'tickets.desk_policy_changed'
ORDER BY stream_id, stream_version DESC;
