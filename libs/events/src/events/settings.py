"""The settings every service shares; each service subclasses it once with its own name and port."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service: str
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    # One database can hold every service, each in its own schema; tests use a fresh one each.
    db_schema: str = ""
    db_pool_size: int = 20

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    kafka_topic_partitions: int = 3
    kafka_topic_replication: int = 1
    # Real Kafka: on. The embedded dev broker cannot grant producer ids, so dev and tests turn it off.
    kafka_idempotent_producer: bool = True
    kafka_session_timeout_ms: int = 10000
    kafka_heartbeat_interval_ms: int = 3000
    # How long the broker may hold a consumer's fetch waiting for more records: short keeps the lag of a live
    # consumer (the projector, the workers) low, at the price of more fetches while topics are idle.
    kafka_fetch_max_wait_ms: int = 50
    kafka_max_request_size: int = 1024 * 1024  # the producer's limit: a larger record is parked, never sent

    relay_enabled: bool = True
    # Send the whole store again at start: for a broker that starts empty, like the embedded dev broker.
    republish_on_start: bool = False
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    # A command whose event would be larger is refused (413): well below kafka_max_request_size.
    event_max_bytes: int = 512 * 1024
    # /readyz answers 503 once the oldest event waiting for the relay has waited longer than this.
    outbox_max_age_seconds: float = 60.0

    auth_issuer: str = "helpdesk-dev"
    auth_audience: str = "helpdesk"
    auth_key: str = ""  # PEM public key (RS/ES) or shared secret (HS); or use auth_jwks_url
    auth_jwks_url: str = ""
    auth_algorithms: list[str] = Field(default_factory=lambda: ["ES256", "RS256"])
    # A token may live at most this long (exp - iat, and exp - now): a leaked one stops working within a day.
    auth_max_token_lifetime_seconds: int = 24 * 3600

    # Bounds every request meets before authentication: header bytes (431) and body bytes (413).
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024
    # How long an Idempotency-Key answers its first result; an expired key is forgotten (and purged).
    idempotency_key_hours: float = 24

    # The SMTP server mail goes through (events.mail); with no host, mail waits in its outbox until one is set.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "it-service-desk@localhost"
    mail_scan_seconds: float = 5.0  # how often queued mail is sent, and failed mail whose retry is due tried again

    # The pages (events.pages) call each service's API from the browser: where the browser reaches each service, by
    # name; which origins may call this API from a page (CORS; none given: the origins of `service_urls`); and the
    # pages' OIDC client at `auth_issuer` (authorization code with PKCE; none set: a page takes a token handed to
    # it, as `make run`'s links do).
    service_urls: dict[str, str] = Field(default_factory=dict)
    cors_origins: list[str] = Field(default_factory=list)
    oidc_client_id: str = ""
    oidc_scope: str = "openid profile"

    worker_port: int | None = None  # where a worker process serves /healthz, /readyz and /metrics
    worker_host: str = "127.0.0.1"

    log_level: str = "info"
    log_json: bool = True

    @property
    def schema(self) -> str:
        return self.db_schema or self.service

    def topic(self, service: str) -> str:
        return f"{self.kafka_topic_prefix}{service}.events"
