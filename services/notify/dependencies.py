"""The notify service's dependencies: its settings and channels, read from the
config when the container is set up."""
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from .channels import channels_from_config
from .settings import NotifySettings


@dataclass(frozen=True)
class Settings:
    """What the rules need from LUOSHI_* config (defaults in brackets):
    NOTIFY_DEDUP_HOURS [24, at most 720], NOTIFY_DIGEST_THRESHOLD [5] messages to one recipient
    in one evaluation, NOTIFY_SETTLE_MINUTES [10] a red warning waits (dropped if
    its item recovers meanwhile; 0: sent at once), NOTIFY_RETRY_DELAYS
    [60,300,1800,7200] seconds (their count + 1 is the number of attempts),
    NOTIFY_BATCH [200] messages claimed at once,
    ESCALATION_GRACE_DAYS [2,2] before unit head and before the office,
    ESCALATION_DAYS [working|calendar], NOTIFY_OFFICE_UNIT [the unit of kind
    office], NOTIFY_LEADERS [JSON list of {name, phone, email, user}],
    WEBHOOK_URLS [comma-separated], BULLETIN_WEEKDAY [0 = Monday] and
    BULLETIN_HOUR [8] local, BULLETIN_ISSUER [the office unit's name] and
    BULLETIN_SIGN_OFF [1], BULLETIN_FORECAST [1] and BULLETIN_WAY_OFF [1] (the
    bulletin's sections on tasks forecast red and on the way off the black list);
    NOTIFY_REMINDER_MINUTES [30] between sweeps for
    reminders before deadlines; ROBOT_ANY_HOST [0] and the office-wide robots,
    DINGTALK_URL, DINGTALK_SECRET and WECOM_URL ({channel: (url, secret)}, kept
    out of the repr: the address is the robot's key)."""

    dedup_hours: float = 24
    digest_threshold: int = 5
    settle_minutes: float = 10
    retry_delays: tuple = (60, 300, 1800, 7200)
    batch: int = 200
    grace_days: tuple = (2, 2)
    working_days: bool = True
    office_unit: str | None = None
    leaders: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)
    bulletin_weekday: int = 0
    bulletin_hour: int = 8
    bulletin_issuer: str | None = None
    bulletin_sign_off: bool = True
    bulletin_forecast: bool = True
    bulletin_way_off: bool = True
    reminder_minutes: int = 30
    pdf_font: str | None = None
    robot_any_host: bool = False
    office_robots: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config):
        """The rules' settings, validated (services/notify/settings.py): a bad
        value raises SettingsError naming its variable."""
        checked = NotifySettings.from_config(config)
        return cls(
            dedup_hours=checked.notify_dedup_hours,
            digest_threshold=checked.notify_digest_threshold,
            settle_minutes=checked.notify_settle_minutes,
            retry_delays=checked.notify_retry_delays,
            batch=checked.notify_batch,
            grace_days=checked.escalation_grace_days,
            working_days=checked.escalation_days != "calendar",
            office_unit=checked.notify_office_unit,
            leaders=checked.notify_leaders,
            webhooks=checked.webhook_urls,
            bulletin_weekday=checked.bulletin_weekday,
            bulletin_hour=checked.bulletin_hour,
            bulletin_issuer=checked.bulletin_issuer,
            bulletin_sign_off=checked.bulletin_sign_off,
            bulletin_forecast=checked.bulletin_forecast,
            bulletin_way_off=checked.bulletin_way_off,
            reminder_minutes=checked.notify_reminder_minutes,
            pdf_font=checked.pdf_font,
            robot_any_host=checked.robot_any_host,
            office_robots=checked.office_robots(),
        )


class Delivery(DependencyProvider):
    """`settings` and `channels` ({name: factory of a Channel}) of the service."""

    def setup(self):
        config = self.container.config
        self.settings = Settings.from_config(config)
        self.channels = channels_from_config(config)

    def get_dependency(self, worker_ctx):
        return self
