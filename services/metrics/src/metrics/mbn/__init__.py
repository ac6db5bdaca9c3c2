"""The MBNCanada IT measures: definitions as data, the engine, the public benchmark set, tenants' submissions."""
