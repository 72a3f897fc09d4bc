"""The expected errors of every service. The gateway maps them to HTTP by name
(gateway/errors.py), so a name here is part of the contract."""
import json


class ServiceError(Exception):
    """Base of the expected errors; the message is for people, or JSON details."""

    def __init__(self, detail):
        self.detail = detail
        message = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        super().__init__(message)


class InvalidInput(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class TooLarge(ServiceError):
    pass


class CalendarNotCovered(ServiceError):
    pass


class CallerNotTrusted(ServiceError):
    """The `caller` of an RPC lacks the gateway's signature, fails it, or is stale
    (services/common/callers.py). Raised before the entrypoint runs."""


EXPECTED = (InvalidInput, NotFound, Conflict, Forbidden, TooLarge, CalendarNotCovered,
            CallerNotTrusted)
