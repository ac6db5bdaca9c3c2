"""Every service's published events; importing this registers them all."""

from events.contracts import tickets

__all__ = ["tickets"]
