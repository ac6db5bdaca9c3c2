"""The inventory's pure domain: one module per aggregate."""
