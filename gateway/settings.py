"""The gateway's configuration, read from LUOSHI_* environment variables."""
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCAL_SECRET = "local-dev-secret"
# The services' default key too (services/common/settings.py), so that local
# development and the tests need no configuration.
LOCAL_CALLER_KEY = "local-dev-caller-key"
# Swagger UI 5 (npm's swagger-ui-dist, installed by scripts/setup.sh and the
# Dockerfile from package.json) sits beside the code, never in the repo.
SWAGGER_UI_DIR = Path(__file__).resolve().parents[1] / "node_modules" / "swagger-ui-dist"
# ECharts for the big screen, installed the same way.
ECHARTS_DIR = Path(__file__).resolve().parents[1] / "node_modules" / "echarts" / "dist"
# Values that ship in examples and must never guard a production deployment.
PLACEHOLDERS = frozenset({
    "", "admin", "change-me", "changeme", "password", "secret", LOCAL_SECRET, LOCAL_CALLER_KEY,
})


class Settings(BaseSettings):
    """Everything the gateway reads from its environment.

    Built inside `create_app()`, never at import, so tests and tools can pass
    their own. Outside local development a placeholder secret or admin
    password refuses to start.
    """

    model_config = SettingsConfigDict(env_prefix="LUOSHI_", extra="ignore")

    env: Literal["local", "production"] = "local"
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    data_dir: Path = Path("./var")
    gateway_db_url: str | None = None
    # Keys the digests of tokens and API keys: a copy of the gateway database
    # alone cannot be used to test guessed credentials. Changing it signs
    # everyone out and invalidates every API key.
    secret: SecretStr = SecretStr(LOCAL_SECRET)
    admin_password: SecretStr | None = None
    # Signs the caller context of every RPC (gateway/callers.py); the services
    # hold the same key and refuse callers it did not sign.
    caller_key: SecretStr = SecretStr(LOCAL_CALLER_KEY)
    token_ttl_minutes: int = Field(720, ge=1)
    # A token unused this long is refused even before it expires (a browser
    # left signed in on a shared office machine); 0 turns the idle limit off.
    token_idle_minutes: int = Field(120, ge=0)
    rpc_pool_size: int = Field(8, ge=1)
    rpc_timeout: float = Field(30, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = []
    max_body_bytes: int = Field(12 * 1024 * 1024, ge=1024)
    # The tasks service judges evidence by its content and has the last word on
    # size; the gateway refuses a larger file before sending it over the broker.
    evidence_max_bytes: int = Field(10 * 1024 * 1024, ge=1)
    # Requests a minute per user, API key or (for callers not signed in) address;
    # 0 turns the limit off. Generous, so a county system's bulk upload or the
    # demo loader is never throttled.
    rate_limit_per_minute: int = Field(600, ge=0)
    # How old the one screen's figures may be when served: readers within this
    # window share one answer. Evaluations move them at most every few seconds.
    dashboard_seconds: float = Field(2, ge=0, le=60)
    # How long the gateway trusts what it found of a token or API key before it
    # asks its database again (caches.KnownCallers). A revocation, a disabled
    # user or a changed role made through another gateway replica takes effect
    # on this one within it; through this one, at once. 0 asks every time.
    auth_cache_seconds: float = Field(5, ge=0, le=60)
    # The operations port: /healthz, /readyz and /metrics, which the API port does
    # not serve; deploy/ keeps the ingress from routing it. 0 serves none of them
    # (a process embedding the app, a test). The host is the loopback unless a
    # deployment opens it to its probes and Prometheus.
    ops_port: int = Field(9000, ge=0, le=65535)
    ops_host: str = "127.0.0.1"
    # How long a /readyz answer is reused: probes and anyone else asking within
    # it share one check instead of opening a broker connection each.
    ready_cache_seconds: float = Field(5, ge=0, le=60)
    # Sign-in failures for one username within the window lock it out until the
    # oldest of them leaves the window.
    login_max_failures: int = Field(5, ge=1)
    login_window_minutes: int = Field(15, ge=1)
    # Answers stored under an Idempotency-Key are kept this long (at least a day,
    # the longest a county system takes to retry).
    idempotency_retention_days: int = Field(7, ge=1)
    # Where /docs finds Swagger UI's files; the default is where set-up puts them.
    swagger_ui_dir: Path = SWAGGER_UI_DIR
    echarts_dir: Path = ECHARTS_DIR
    # The city the platform serves, for the big screen's title (宜春市): empty
    # titles it by the office alone.
    city_name: str = Field("", max_length=20)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        # One comma-separated variable reads better in a compose file than JSON.
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _no_placeholders_in_production(self):
        if self.env == "production":
            if self.secret.get_secret_value().strip().lower() in PLACEHOLDERS:
                raise ValueError("LUOSHI_SECRET must be set to a real secret in production")
            if self.caller_key.get_secret_value().strip().lower() in PLACEHOLDERS:
                raise ValueError("LUOSHI_CALLER_KEY must be set to a real secret in production")
            password = self.admin_password.get_secret_value() if self.admin_password else ""
            if password.strip().lower() in PLACEHOLDERS:
                raise ValueError("LUOSHI_ADMIN_PASSWORD must be set in production")
        return self

    @property
    def db_url(self) -> str:
        """LUOSHI_GATEWAY_DB_URL, else a SQLite file in the data directory."""
        return self.gateway_db_url or f"sqlite:///{self.data_dir.resolve() / 'gateway.db'}"
