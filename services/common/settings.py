"""Settings every service reads, as a pydantic-settings class validated when the
service starts: a bad value refuses to start and names its variable, instead of
failing at run time, or never.

The values come from the container's config (the runner builds it from LUOSHI_*
variables; a test passes its own), never straight from the environment, so that
what a test sets is all a service sees. An empty value counts as unset.
"""
import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nameko.extensions import DependencyProvider
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import DEFAULT_AMQP_URI, DEFAULT_RETRY_DELAYS

PREFIX = "LUOSHI_"
# The caller key of local development, shared by `make run` and the tests; it
# must never guard a deployment (the gateway refuses the same placeholders).
LOCAL_CALLER_KEY = "local-dev-caller-key"
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "secret", "password",
                          "local-dev-secret", LOCAL_CALLER_KEY})


class SettingsError(ValueError):
    """A setting that cannot be used; the message names each variable."""


def comma_separated(value):
    """A list given as "1, 5, 30" (what reads best in a compose file) as a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ServiceSettings(BaseSettings):
    """What every service reads (LUOSHI_ + the field's name in capitals)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    amqp_uri: str = DEFAULT_AMQP_URI
    data_dir: Path = Path("var")
    # Days turn at midnight where the supervision office is.
    timezone: str = "Asia/Shanghai"
    # Seconds before each retry of a failed message; then it is parked.
    retry_delays: tuple[float, ...] = Field(DEFAULT_RETRY_DELAYS, min_length=1)
    env: Literal["local", "production"] = "local"
    # The key the gateway signs callers with (services/common/callers.py).
    caller_key: SecretStr = SecretStr(LOCAL_CALLER_KEY)
    # How old a signed caller may be (and how far ahead, for clocks that
    # disagree): long enough for an RPC to wait in its queue, short enough that
    # a captured caller is soon worthless.
    caller_max_age_seconds: float = Field(120, gt=0, le=3600)
    # How long a service keeping a copy of the office's calendar waits for the
    # warnings service's years (calendar_copy.catch_up) before trying later.
    calendar_ask_seconds: float = Field(30, gt=0, le=600)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings,)  # the container's config is the one source

    @field_validator("retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value):
        return comma_separated(value)

    @field_validator("retry_delays")
    @classmethod
    def _non_negative(cls, value):
        if any(delay < 0 for delay in value):
            raise ValueError("delays are seconds, none below 0")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            # Not a ValueError of its own, so pydantic would not name the variable.
            raise ValueError("an IANA time zone such as Asia/Shanghai") from None
        return value

    @model_validator(mode="after")
    def _no_placeholder_key_in_production(self):
        if (self.env == "production"
                and self.caller_key.get_secret_value().strip().lower() in PLACEHOLDERS):
            raise ValueError("LUOSHI_CALLER_KEY must be set to a real secret in production")
        return self

    @property
    def caller_max_age(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.caller_max_age_seconds)

    @classmethod
    def from_config(cls, config):
        """The settings of a nameko config dict; SettingsError naming every bad variable."""
        values = {key[len(PREFIX):].lower(): value for key, value in config.items()
                  if key.startswith(PREFIX) and value not in (None, "")}
        try:
            return cls(**values)
        except ValidationError as error:
            problems = "; ".join(
                f"{PREFIX}{str(problem['loc'][0]).upper()}: {problem['msg']} "
                f"(got {problem['input']!r})" if problem["loc"] else problem["msg"]
                for problem in error.errors())
            raise SettingsError(f"{cls.__name__}: {problems}") from None


class Settings(DependencyProvider):
    """The service's settings, validated when its container is made, before any
    extension is set up (a retry queue is declared with the delays at set-up), so
    that a bad value stops the service at start with the variable's name."""

    def __init__(self, settings_class):
        self.settings_class = settings_class
        self.settings = None

    def bind(self, container, attr_name):
        bound = super().bind(container, attr_name)
        bound.settings = bound.settings_class.from_config(container.config)
        return bound

    def get_dependency(self, worker_ctx):
        return self.settings
