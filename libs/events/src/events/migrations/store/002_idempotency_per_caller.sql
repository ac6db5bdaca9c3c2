-- An Idempotency-Key belongs to the caller who sent it: another caller's same key is another request.
-- Keys kept from before have no caller (''), so no caller matches them; they expire like any other.
ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ALTER COLUMN caller DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant, caller, key);

-- Keys expire: the purge finds the oldest rows without reading the whole table.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
