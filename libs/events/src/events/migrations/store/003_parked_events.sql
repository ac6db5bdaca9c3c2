-- A record the broker refuses for good (too large, corrupt) is parked: kept in the store, marked with the
-- reason, skipped by the relay, counted and visible; `python -m events.republish --unpark` tries it again.
ALTER TABLE events ADD COLUMN parked_at timestamptz, ADD COLUMN park_reason text;

-- How long an event has waited for the relay: since it was appended, or marked for publishing again.
-- (Existing rows take the migration's time; published ones never read it.)
ALTER TABLE events ADD COLUMN pending_since timestamptz NOT NULL DEFAULT now();

-- Parked events keep published_at NULL, so events_unpublished still finds them (they are few).
