"""The metrics service's settings, read from the environment."""

from events.settings import ServiceSettings


class Settings(ServiceSettings):
    service: str = "metrics"
    # The projector's read models live apart from the metrics event store, so a rebuild can replace them whole.
    projection_schema: str = ""
    projector_group: str = "metrics.projector"
    projector_attempts: int = 3
    # The views BI tools read (`python -m metrics.reporting`); a rebuild of the projection makes them again.
    reporting_schema: str = "reporting"

    @property
    def projection(self) -> str:
        return self.projection_schema or f"{self.schema}_projection"
