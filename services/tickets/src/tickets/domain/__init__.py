"""The service desk's pure domain: one module per aggregate, plus business calendars and SLA clocks."""
