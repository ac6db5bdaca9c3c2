-- Each device's states in both times: valid from/to (when it was so in the world) and recorded from/to (when the
-- system believed it). `as_of` picks the valid instant, `known_at` the recorded one; a backdated event closes the
-- rows it changes (recorded_to) and adds the corrected ones, so what was believed before stays answerable.
CREATE TABLE device_timeline (
    device_id     uuid        NOT NULL,
    tenant        text        NOT NULL,
    valid_from    timestamptz NOT NULL,
    valid_to      timestamptz NOT NULL DEFAULT 'infinity',
    recorded_from timestamptz NOT NULL,
    recorded_to   timestamptz NOT NULL DEFAULT 'infinity',
    asset_tag     text        NOT NULL,
    serial        text        NOT NULL,
    model         text        NOT NULL,
    kind          text        NOT NULL,
    mbn_class     text        NOT NULL,
    status        text        NOT NULL,
    location      text        NOT NULL,
    department    text        NOT NULL,
    person_id     text
);

CREATE INDEX device_timeline_current ON device_timeline (device_id) WHERE recorded_to = 'infinity';
CREATE INDEX device_timeline_as_of ON device_timeline (tenant, valid_from, valid_to, recorded_from, recorded_to);
