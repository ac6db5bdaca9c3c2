-- The rest of a device's description on its list row (supplier, order number, amortization, the MBN override's
-- reason), so that a CSV export reads one table and can be imported back; filled from the registrations recorded.
ALTER TABLE device_list
    ADD COLUMN supplier                  text NOT NULL DEFAULT '',
    ADD COLUMN order_number              text NOT NULL DEFAULT '',
    ADD COLUMN useful_life_months        integer,
    ADD COLUMN salvage_value             numeric(14, 2),
    ADD COLUMN amortization_method       text,
    ADD COLUMN declining_rate            numeric(5, 4),
    ADD COLUMN mbn_class_override_reason text NOT NULL DEFAULT '';

UPDATE device_list d SET
    supplier = coalesce(r.data #>> '{purchase,supplier}', ''),
    order_number = coalesce(r.data #>> '{purchase,order_number}', ''),
    useful_life_months = (r.data #>> '{amortization,useful_life_months}')::integer,
    salvage_value = (r.data #>> '{amortization,salvage_value}')::numeric,
    amortization_method = r.data #>> '{amortization,method}',
    declining_rate = (r.data #>> '{amortization,declining_rate}')::numeric,
    mbn_class_override_reason = coalesce(r.data ->> 'mbn_class_override_reason', '')
FROM (SELECT stream_id, envelope -> 'data' AS data FROM events WHERE event_type = 'assets.device_registered') r
WHERE r.stream_id = d.device_id::text;
