"""Service-desk, asset and training KPIs: definitions as data, per-entity facts kept from the events, and per-day
series computed from the facts for every definition version (so a changed definition is recomputed by replay)."""
