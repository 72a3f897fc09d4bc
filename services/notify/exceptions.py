"""Errors the notify service raises on purpose (mapped to HTTP by the gateway)."""
from services.common.errors import (  # noqa: F401 — re-exported for the entrypoints
    EXPECTED,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
