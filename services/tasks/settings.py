"""The tasks service's settings (services/common/settings.py), validated at start."""
from pydantic import Field

from services.common.settings import ServiceSettings

# Scans and photographs of documents; the gateway refuses larger ones before the broker.
DEFAULT_MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class TasksSettings(ServiceSettings):
    evidence_max_bytes: int = Field(DEFAULT_MAX_EVIDENCE_BYTES, ge=1)
