-- "Valid at T" cannot be bounded by an index on (valid_from, valid_to): every row that began before T is a
-- candidate. So each row carries how long its state lasted, as a class: at most 2^k days (k = 0..17; 17 is also
-- anything longer) or 99 while it still holds. A state of class k that holds at T began within 2^k days before T,
-- so the rows valid at T are 19 short ranges of the index below, one per class (see service.AS_OF_LADDER).
ALTER TABLE device_timeline ADD COLUMN span_class smallint GENERATED ALWAYS AS (
    CASE WHEN valid_to = 'infinity' THEN 99
         ELSE least(17, ceil(log(2.0, greatest(extract(epoch FROM valid_to - valid_from) / 86400.0, 1.0))))::int
    END) STORED;

-- The rows believed now, covering what a search filters on and answers, so as_of reads never touch the table.
CREATE INDEX device_timeline_believed_by_span ON device_timeline (tenant, span_class, valid_from)
    INCLUDE (valid_to, device_id, asset_tag, serial, model, kind, mbn_class, status, location, department, person_id)
    WHERE recorded_to = 'infinity';
