"""Errors the warnings service raises on purpose (mapped to HTTP by the gateway)."""
from services.common.errors import EXPECTED, InvalidInput  # noqa: F401 — re-exported
