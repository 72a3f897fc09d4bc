"""The notify service's settings (services/common/settings.py), validated at start.
The rules read them as dependencies.Settings; the channels read the SMTP, SMS and
webhook ones, and the office-wide group robots, checked here too."""
import json
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from services.common.settings import ServiceSettings, comma_separated

from . import logic


class NotifySettings(ServiceSettings):
    # At most 30 days: the marks it reads are forgotten after 60 (models.DEDUP_MARKS).
    notify_dedup_hours: float = Field(24, ge=0, le=720)
    # Messages to one recipient in one evaluation before they go as one digest.
    notify_digest_threshold: int = Field(5, ge=1)
    # Seconds between attempts; their count + 1 is the number of attempts.
    notify_retry_delays: tuple[float, ...] = Field((60, 300, 1800, 7200), min_length=1)
    notify_batch: int = Field(200, ge=1)
    notify_tick_seconds: float | None = Field(None, gt=0)
    # Minutes a red warning waits before it reaches people; it is dropped if its
    # item is no longer red by then (0: at once).
    notify_settle_minutes: float = Field(10, ge=0)
    # Days before the unit head, then the office, hear of an unanswered item; one
    # number serves both.
    escalation_grace_days: tuple[int, ...] = Field((2, 2), min_length=1, max_length=2)
    escalation_days: Literal["working", "calendar"] = "working"
    notify_office_unit: str | None = None
    notify_leaders: list[dict] = []
    webhook_urls: list[str] = []
    webhook_secret: str | None = None
    bulletin_weekday: int = Field(0, ge=0, le=6)
    bulletin_hour: int = Field(8, ge=0, le=23)
    # The issuing office printed under the bulletin's red header (unset: the
    # office unit's name); and whether the office signs (签发) each bulletin before
    # it reaches the leaders, or the weekly timer issues it as drawn up.
    bulletin_issuer: str | None = Field(None, max_length=40)
    bulletin_sign_off: bool = True
    # Whether the bulletin carries its sections on what is coming: the tasks
    # forecast red (with the forecasts' accuracy) and the way off the black list.
    bulletin_forecast: bool = True
    bulletin_way_off: bool = True
    # Minutes between sweeps for reminders before deadlines (each sent once).
    notify_reminder_minutes: int = Field(30, ge=1, le=1440)
    pdf_font: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = Field(30, gt=0)
    sms_url: str | None = None
    sms_timeout: float = Field(10, gt=0)
    # Where people open the portal (https://luoshi.example.gov.cn): robot messages
    # link to the item there. Unset: they carry no link.
    portal_url: str | None = None
    # The office-wide group robots (the supervision office's own work group); each
    # unit's are kept by the service (set_unit_robot). Secret: the address holds
    # the robot's key, so neither is ever echoed, not even in an error.
    dingtalk_url: SecretStr | None = None
    dingtalk_secret: SecretStr | None = None
    wecom_url: SecretStr | None = None
    # Robot addresses on any http(s) host: tests, or a private deployment that
    # reaches the vendors through its own relay.
    robot_any_host: bool = False
    robot_timeout: float = Field(10, gt=0)

    @field_validator("portal_url")
    @classmethod
    def _portal(cls, value):
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("the portal's address as people open it, http(s)://…")
        return value

    @model_validator(mode="after")
    def _robots(self):
        # Checked here rather than in field validators: their errors quote the
        # value, and a robot's address is its key.
        for variable, channel, url in (("LUOSHI_DINGTALK_URL", logic.DINGTALK, self.dingtalk_url),
                                       ("LUOSHI_WECOM_URL", logic.WECOM, self.wecom_url)):
            if url is not None:
                problem = logic.check_robot_url(channel, url.get_secret_value(),
                                                self.robot_any_host)
                if problem:
                    raise ValueError(f"{variable}: {problem}")
        if self.dingtalk_secret is not None:
            if self.dingtalk_url is None:
                raise ValueError("LUOSHI_DINGTALK_SECRET is set without LUOSHI_DINGTALK_URL")
            problem = logic.check_robot_secret(logic.DINGTALK,
                                               self.dingtalk_secret.get_secret_value())
            if problem:
                raise ValueError(f"LUOSHI_DINGTALK_SECRET: {problem}")
        return self

    def office_robots(self):
        """{channel: (url, secret or None)} of the office-wide robots configured."""
        robots = {}
        if self.dingtalk_url is not None:
            robots[logic.DINGTALK] = (self.dingtalk_url.get_secret_value(),
                                      self.dingtalk_secret.get_secret_value()
                                      if self.dingtalk_secret else None)
        if self.wecom_url is not None:
            robots[logic.WECOM] = (self.wecom_url.get_secret_value(), None)
        return robots

    @field_validator("notify_retry_delays", "escalation_grace_days", "webhook_urls",
                     mode="before")
    @classmethod
    def _split(cls, value):
        return comma_separated(value)

    @field_validator("escalation_grace_days")
    @classmethod
    def _both_steps(cls, value):
        if any(days < 0 for days in value):
            raise ValueError("days are not negative")
        return value * 2 if len(value) == 1 else value

    @field_validator("notify_leaders", mode="before")
    @classmethod
    def _json_list(cls, value):
        if isinstance(value, str):
            value = json.loads(value)  # a ValueError names the variable like any other
        return value

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _lower(cls, value):
        return value.lower() if isinstance(value, str) else value
