"""The warnings service's settings (services/common/settings.py), validated at start."""
from pydantic import Field

from services.common.settings import ServiceSettings


class WarningsSettings(ServiceSettings):
    # The local hour after which the daily evaluation runs.
    evaluation_hour: int = Field(1, ge=0, le=23)
    # How often each replica looks whether the daily evaluation is due (seconds).
    evaluation_tick_seconds: float = Field(300, gt=0)
