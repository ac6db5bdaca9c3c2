-- Inline read model of the price list that costs the refresh plan: the latest price per device kind and model
-- (model '' is the kind's standard replacement).
CREATE TABLE model_prices (
    tenant      text           NOT NULL,
    kind        text           NOT NULL,
    model_key   text           NOT NULL,  -- the model, lower case: one price whatever the case it is written in
    model       text           NOT NULL,
    unit_price  numeric(14, 2) NOT NULL,
    source      text           NOT NULL,
    set_by      text           NOT NULL,
    set_at      timestamptz    NOT NULL,
    PRIMARY KEY (tenant, kind, model_key)
);

-- The latest purchase of each model, for the plan's prices.
CREATE INDEX device_list_latest_by_model ON device_list (tenant, lower(model), purchased_on DESC) WHERE cost > 0;
