-- A dead letter keeps the record exactly as it came (a NUL byte, invalid UTF-8 and all) beside the readable
-- text, in which such characters are replaced: whatever a topic carries can be dead-lettered.
ALTER TABLE dead_letters ADD COLUMN raw_value bytea, ADD COLUMN raw_key bytea;
