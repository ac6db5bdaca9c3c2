"""Amortization of a device's cost: the shared contract's math (`events.contracts.amortization`), where metrics
finds it too, so that a device's schedule here and the city's INTN243T amortization there are one computation."""

from events.contracts.amortization import (
    ZERO,
    FiscalYear,
    Holding,
    OutOfCalendar,
    amount_for_year,
    cents,
    declining_rate,
    fiscal_year_bounds,
    fiscal_year_of,
    life_ends_on,
    net_book_value,
    schedule,
    tenant_total,
)

__all__ = [
    "ZERO",
    "FiscalYear",
    "Holding",
    "OutOfCalendar",
    "amount_for_year",
    "cents",
    "declining_rate",
    "fiscal_year_bounds",
    "fiscal_year_of",
    "life_ends_on",
    "net_book_value",
    "schedule",
    "tenant_total",
]
