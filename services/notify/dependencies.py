"""The notify service's dependencies: its settings and channels, read from the
config when the container is set up."""
import json
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from .channels import channels_from_config


def _numbers(raw, default, kind=float):
    if not raw:
        return default
    return tuple(kind(part) for part in str(raw).split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """What the rules need from LUOSHI_* config (defaults in brackets):
    NOTIFY_DEDUP_HOURS [24], NOTIFY_DIGEST_THRESHOLD [5] messages to one recipient
    in one evaluation, NOTIFY_RETRY_DELAYS [60,300,1800,7200] seconds (their count
    + 1 is the number of attempts), NOTIFY_BATCH [200] messages claimed at once,
    ESCALATION_GRACE_DAYS [2,2] before unit head and before the office,
    ESCALATION_DAYS [working|calendar], NOTIFY_OFFICE_UNIT [the unit of kind
    office], NOTIFY_LEADERS [JSON list of {name, phone, email, user}],
    WEBHOOK_URLS [comma-separated], BULLETIN_WEEKDAY [0 = Monday] and
    BULLETIN_HOUR [8] local."""

    dedup_hours: float = 24
    digest_threshold: int = 5
    retry_delays: tuple = (60, 300, 1800, 7200)
    batch: int = 200
    grace_days: tuple = (2, 2)
    working_days: bool = True
    office_unit: str | None = None
    leaders: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)
    bulletin_weekday: int = 0
    bulletin_hour: int = 8
    pdf_font: str | None = None

    @classmethod
    def from_config(cls, config):
        get = config.get
        grace = _numbers(get("LUOSHI_ESCALATION_GRACE_DAYS"), (2, 2), int)
        if len(grace) == 1:
            grace = grace * 2
        return cls(
            dedup_hours=float(get("LUOSHI_NOTIFY_DEDUP_HOURS") or 24),
            digest_threshold=int(get("LUOSHI_NOTIFY_DIGEST_THRESHOLD") or 5),
            retry_delays=_numbers(get("LUOSHI_NOTIFY_RETRY_DELAYS"), (60, 300, 1800, 7200)),
            batch=int(get("LUOSHI_NOTIFY_BATCH") or 200),
            grace_days=grace,
            working_days=(get("LUOSHI_ESCALATION_DAYS") or "working") != "calendar",
            office_unit=get("LUOSHI_NOTIFY_OFFICE_UNIT") or None,
            leaders=json.loads(get("LUOSHI_NOTIFY_LEADERS") or "[]"),
            webhooks=[url.strip() for url in (get("LUOSHI_WEBHOOK_URLS") or "").split(",")
                      if url.strip()],
            bulletin_weekday=int(get("LUOSHI_BULLETIN_WEEKDAY") or 0),
            bulletin_hour=int(get("LUOSHI_BULLETIN_HOUR") or 8),
            pdf_font=get("LUOSHI_PDF_FONT") or None,
        )


class Delivery(DependencyProvider):
    """`settings` and `channels` ({name: factory of a Channel}) of the service."""

    def setup(self):
        config = self.container.config
        self.settings = Settings.from_config(config)
        self.channels = channels_from_config(config)

    def get_dependency(self, worker_ctx):
        return self
