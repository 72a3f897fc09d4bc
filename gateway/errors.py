"""Every error leaves the gateway as JSON `{"detail": ...}` with its HTTP status.

The services' expected errors travel as nameko RemoteErrors named in
docs/contracts.md; this is the one place that maps those names to HTTP.
"""
import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from pydantic import BaseModel

from .rpc import ServicesUnavailable

log = logging.getLogger(__name__)

REMOTE_ERROR_STATUS = {
    "InvalidInput": 422,
    "NotFound": 404,
    "Conflict": 409,
    "Forbidden": 403,
    "TooLarge": 413,
    "CalendarNotCovered": 422,
    # The service did not trust the caller the gateway signed: the two hold
    # different LUOSHI_CALLER_KEYs or their clocks disagree. Not the client's
    # doing, so a 5xx; the detail says so in Chinese, and it is logged.
    "CallerNotTrusted": 502,
}


class ErrorOut(BaseModel):
    """Every error answer: a text, a list of field errors, or an object of them."""

    detail: Any


# Documented on every API route, so that clients (and schema-driven tests) know
# each status the gateway may answer and its shape.
ERROR_RESPONSES = {
    code: {"model": ErrorOut, "description": description} for code, description in {
        400: "the body cannot be read",
        401: "no valid bearer token or API key",
        403: "the caller's role or units do not allow it",
        404: "no such item",
        409: "a conflict with the current state, or an Idempotency-Key reused",
        413: "the body, a file or a batch is too large",
        422: "a parameter or field is wrong",
        429: "too many requests or failed sign-ins; see Retry-After",
        502: "a service failed",
        503: "the services cannot be reached; see Retry-After",
        504: "a service did not answer in time",
    }.items()
}


def remote_error_detail(exc: RemoteError):
    """The message of a service's error: its JSON object when it is one, else its text."""
    try:
        parsed = json.loads(exc.value)
    except (TypeError, ValueError):
        parsed = None
    return parsed if isinstance(parsed, dict) else exc.value or exc.exc_type


def on_remote_error(request: Request, exc: RemoteError) -> JSONResponse:
    status = REMOTE_ERROR_STATUS.get(exc.exc_type)
    if status is None:
        # The message of an unexpected error may hold a traceback or a query.
        log.error("%s %s: service raised %s: %s", request.method, request.url.path,
                  exc.exc_type, exc.value)
        return JSONResponse({"detail": "a service failed to answer"}, status_code=502)
    if status >= 500:
        log.error("%s %s: service refused with %s: %s", request.method, request.url.path,
                  exc.exc_type, exc.value)
    return JSONResponse({"detail": remote_error_detail(exc)}, status_code=status)


def on_rpc_timeout(request: Request, exc: RpcTimeout) -> JSONResponse:
    log.error("%s %s: RPC timed out", request.method, request.url.path)
    return JSONResponse({"detail": "a service did not answer in time"}, status_code=504)


def on_services_unavailable(request: Request, exc: ServicesUnavailable) -> JSONResponse:
    log.error("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "services are unavailable, try again shortly"},
                        status_code=503, headers={"Retry-After": "5"})


def on_unknown_service(request: Request, exc: UnknownService) -> JSONResponse:
    log.error("%s %s: no %s service is running", request.method, request.url.path,
              exc.args[0])
    return JSONResponse({"detail": f"the {exc.args[0]} service is unavailable"},
                        status_code=503, headers={"Retry-After": "5"})


def on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Without the rejected input: it may be a password, or a thousand progress items.
    errors = [{key: value for key, value in error.items() if key != "input"}
              for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`; FastAPI's own answers HTTPException."""
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(RemoteError, on_remote_error)
    app.add_exception_handler(RpcTimeout, on_rpc_timeout)
    app.add_exception_handler(ServicesUnavailable, on_services_unavailable)
    app.add_exception_handler(UnknownService, on_unknown_service)
    app.add_exception_handler(Exception, on_unexpected)
