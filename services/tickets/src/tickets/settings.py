"""The tickets service's settings, read from the environment."""

from events.settings import ServiceSettings


class Settings(ServiceSettings):
    service: str = "tickets"
    sla_scan_seconds: float = 5.0  # how often the scheduler looks for SLA marks and auto-closures due
    preventive_scan_seconds: float = 30.0  # how often it raises the preventive work orders due
