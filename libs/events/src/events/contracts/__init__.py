"""Every service's published events; importing this registers them all."""

from events.contracts import tickets, work_orders

__all__ = ["tickets", "work_orders"]
