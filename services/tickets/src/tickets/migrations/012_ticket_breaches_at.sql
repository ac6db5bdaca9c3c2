-- A clock is due when its target is used up and breaches when counting goes past it: they differ when a target
-- runs out at closing time. Until this, *_due_at held the breach instant, so that is where the new columns start.
ALTER TABLE ticket_list
    ADD COLUMN response_breaches_at    timestamptz,
    ADD COLUMN resolution_breaches_at  timestamptz;

UPDATE ticket_list SET response_breaches_at = response_due_at, resolution_breaches_at = resolution_due_at;
