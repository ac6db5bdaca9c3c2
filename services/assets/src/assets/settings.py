"""The assets service's settings, read from the environment."""

from events.settings import ServiceSettings


class Settings(ServiceSettings):
    service: str = "assets"
