"""The tasks service's settings (services/common/settings.py), validated at start."""
from pydantic import Field

from services.common.settings import ServiceSettings

# Scans and photographs of documents; the gateway refuses larger ones before the broker.
DEFAULT_MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class TasksSettings(ServiceSettings):
    evidence_max_bytes: int = Field(DEFAULT_MAX_EVIDENCE_BYTES, ge=1)
    # How many days before the platform received it a report's or a 13710 stage's
    # own time may lie; older is refused. Timeliness is judged by receipt.
    report_backdate_days: int = Field(3, ge=0, le=366)
