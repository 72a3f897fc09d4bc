"""The ranking service's settings (services/common/settings.py), validated at start.
Its rules (periods, groups, weights) are data the office edits, not settings."""
from services.common.settings import ServiceSettings


class RankingSettings(ServiceSettings):
    pass
