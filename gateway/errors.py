"""Every error leaves the gateway as JSON `{"detail": ...}` with its HTTP status.

The services' expected errors travel as nameko RemoteErrors named in
docs/contracts.md; this is the one place that maps those names to HTTP.

People never meet English: a refusal of the schemas (422) and a service's
refusal carry, beside their `detail` (unchanged, for integrators), a stable
`code` and a Chinese `message` at the top of the answer; the gateway's own
refusals and the generic failures carry them as `{"detail": {"code", "message"}}`
(messages.py holds every word).
"""
import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .messages import (
    FIELD_LABELS,
    FIELD_PHRASES,
    REMOTE_ERRORS,
    REMOTE_MESSAGES,
    REMOTE_PATTERNS,
    SERVICE_NAMES,
    STATUS_NAMES,
    VALUE_NAMES,
    message,
)
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
    """Every error answer: a text, a list of field errors, or an object of them;
    its stable code and Chinese words at the top (a refused input, a service's
    refusal) or as the detail itself (`{"code", "message"}`, the gateway's own)."""

    detail: Any
    code: str | None = Field(None, description="stable code for machines, e.g. invalid_input")
    message: str | None = Field(None, description="what went wrong and what to do, in Chinese")


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


CJK = re.compile("[\u3400-\u9fff]")
_PATTERNS = [(re.compile(pattern, re.DOTALL), code) for pattern, code in REMOTE_PATTERNS]
# Where a loc says where an error is, not what field: left out of its label.
_LOCATIONS = {"body", "query", "path", "header", "cookie"}
# Most messages a 422's top-level `message` joins; the rest are in `detail`.
_JOINED = 5


def chinese(text) -> bool:
    return isinstance(text, str) and bool(CJK.search(text))


def remote_error_detail(exc: RemoteError):
    """The message of a service's error: its JSON object when it is one, else its text."""
    try:
        parsed = json.loads(exc.value)
    except (TypeError, ValueError):
        parsed = None
    return parsed if isinstance(parsed, dict) else exc.value or exc.exc_type


def _label(name, parent=None) -> str:
    name = str(name)
    return (FIELD_LABELS.get(f"{parent}.{name}") or FIELD_LABELS.get(name)
            or FIELD_LABELS.get(name.lower()) or f"“{name}”")


def field_label(loc) -> str:
    """Where an error is, as people read it: `("body", "targets", 0, "due_date")`
    is 计划目标第1项的“截止日期”, the field named last in quotes."""
    parts = [part for part in loc or () if part not in _LOCATIONS]
    # A union's member or a validator's tag ("literal['a','b']", "function-after[…]")
    # names a type, not a field.
    parts = [part for part in parts
             if not (isinstance(part, str) and ("[" in part or part.startswith("constrained")))]
    if not parts:
        return "提交的内容"
    words, parent = [], None
    for position, part in enumerate(parts):
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            words.append(f"第{int(part) + 1}项")
            continue
        if isinstance(part, str) and part.startswith("第") and part.endswith("行"):
            words.append(part)
            continue
        label = _label(part, parent)
        if words:
            words.append("的")
        # The field named last is quoted: 计划目标第1项的“截止日期”.
        last = position == len(parts) - 1
        words.append(f"“{label}”" if last and not label.startswith("“") else label)
        parent = part
    return "".join(words)


def _value(value) -> str:
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        return f"{int(value[:4])}年{int(value[5:7])}月{int(value[8:])}日"
    if hasattr(value, "year") and hasattr(value, "day"):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _expected(text: str) -> str:
    """pydantic's "'county', 'department' or 'office'" as people read it."""
    values = re.findall(r"'([^']*)'", text or "")
    named = [f"{value}（{VALUE_NAMES[value]}）" if value in VALUE_NAMES else value
             for value in values]
    if not named:
        return "规定的值之一"
    if len(named) == 1:
        return named[0]
    return "、".join(named[:-1]) + "或" + named[-1]


def field_error_message(error: dict) -> str:
    """The Chinese words of one of pydantic's errors: its field and what to do."""
    kind = error.get("type", "")
    ctx = dict(error.get("ctx") or {})
    params = {key: _value(value) for key, value in ctx.items()}
    params["expected"] = _expected(str(ctx.get("expected", "")))
    params["field"] = field_label(error.get("loc"))
    if "role" in ctx:
        params["role"] = VALUE_NAMES.get(str(ctx["role"]), str(ctx["role"]))
    template = FIELD_PHRASES.get(kind, FIELD_PHRASES["fallback"])
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        template = FIELD_PHRASES["string_empty"]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"^\S+$":
        template = FIELD_PHRASES["string_pattern_mismatch_spaces"]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return FIELD_PHRASES["fallback"].format(**params)


def invalid_input(errors: list[dict]) -> dict:
    """The body of a 422 for pydantic's `errors`: each with its Chinese `message`
    beside its `loc`, `msg` and `type`, and the code and words of the whole."""
    items = []
    for error in errors:
        item = {key: value for key, value in error.items() if key != "input"}
        item["message"] = field_error_message(error)
        items.append(item)
    words = list(dict.fromkeys(item["message"] for item in items))
    joined = "".join(words[:_JOINED])
    if len(words) > _JOINED:
        joined += f"另有 {len(words) - _JOINED} 处需要修改。"
    return {"detail": jsonable_encoder(items), "code": "invalid_input",
            "message": joined or message("invalid_input")["message"]}


def read_service_text(text: str) -> tuple[str, str] | None:
    """(code, Chinese words) of a service's English refusal the table knows, or None."""
    text = (text or "").strip()
    for pattern, code in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            params = {key: value or "" for key, value in found.groupdict().items()}
            if "status" in params:
                params["status"] = STATUS_NAMES.get(params["status"], params["status"])
            if "week" in params:  # a day the service says the machine's way
                params["week"] = _value(params["week"])
            # "task is closed", "the record is closed" name no item.
            for name in ("task", "record"):
                if code in ("task_not_active", "record_not_open"):
                    params[name] = f" {params[name]} " if params.get(name) else ""
            return code, REMOTE_MESSAGES[code].format(**params)
    return None


def _text_words(text: str, fallback: str) -> tuple[str | None, str]:
    """(code or None, Chinese words) of a service's text."""
    if chinese(text):
        # "text_control_character: 文本含有…": the code first, then the words.
        head, _, words = text.partition(": ")
        if words and re.fullmatch(r"[a-z_]+", head):
            return head, words
        return None, text
    known = read_service_text(text) if isinstance(text, str) else None
    return known if known else (None, fallback)


def _key_parts(key) -> tuple:
    """A service's field key as a loc: "rules[0].channels" is ("rules", 0, "channels")."""
    if not isinstance(key, str):
        return (key,)
    parts = []
    for name in key.split("."):
        head, *indexes = re.split(r"\[(\d+)\]", name)
        parts += [head] if head else []
        parts += [int(index) for index in indexes if index]
    return tuple(parts) or (key,)


def _leaves(detail, path=()):
    """(path, leaf) of a service's errors by field, at any depth; a `{"code",
    "message"}` object is one leaf."""
    if isinstance(detail, dict):
        if isinstance(detail.get("code"), str) and isinstance(detail.get("message"), str):
            yield path, detail
            return
        if isinstance(detail.get("reason"), (str, dict, list)) and "row" in detail:
            # A sheet's row error {row, field?, code?, reason}: placed by its row.
            where = (f"第{detail['row']}行",)
            if isinstance(detail.get("field"), str):
                # A nested field's path ("targets[1].unit") names which target.
                where = (*where, *_key_parts(detail["field"]))
            if isinstance(detail.get("code"), str) and chinese(detail["reason"]):
                yield where, f"{detail['code']}: {detail['reason']}"
            else:
                yield from _leaves(detail["reason"], where)
            return
        for key, value in detail.items():
            yield from _leaves(value, (*path, *_key_parts(key)))
    elif isinstance(detail, (list, tuple)):
        for index, value in enumerate(detail):
            # marshmallow's list of words for one field is not a list of items.
            yield from _leaves(value, path if isinstance(value, str) else (*path, index))
    elif isinstance(detail, str):
        # Counts and flags beside the errors ({"created": 0, "errors": [...]}) say nothing.
        yield path, detail


def explain_remote(exc_type: str, detail) -> tuple[str, str]:
    """(code, Chinese message) of a service's refusal `detail` (text, a `{"code",
    "message"}` object, or errors by field, at any depth)."""
    default_code, default_words = REMOTE_ERRORS.get(exc_type, REMOTE_ERRORS["InvalidInput"])
    codes, words = [], []
    for path, leaf in _leaves(detail):
        if isinstance(leaf, dict):
            code = leaf["code"]
            text = leaf["message"] if chinese(leaf["message"]) else default_words
        else:
            code, text = _text_words(str(leaf), None)
            if text is None:
                text = FIELD_PHRASES["fallback"].format(field=field_label(path)) if path \
                    else default_words
        row = path and isinstance(path[0], str) and path[0].startswith("第") and \
            path[0].endswith("行")
        if row and field_label(path) not in text:
            text = f"{path[0]}：{text}" if text.startswith("“") or len(path) == 1 \
                else f"{field_label(path)}：{text}"
        elif path and not isinstance(leaf, dict) and not text.startswith(("“", "第")) and \
                field_label(path) not in text:
            text = f"{field_label(path)}：{text}"
        codes.append(code)
        words.append(text)
    words = list(dict.fromkeys(words))
    if not words:
        return default_code, default_words
    message_text = "".join(word if word.endswith(("。", "！", "？")) else word + "。"
                           for word in words[:_JOINED])
    if len(words) > _JOINED:
        message_text += f"另有 {len(words) - _JOINED} 处需要修改。"
    # One code for the whole only when every part said the same.
    return (codes[0] if len(set(codes)) == 1 and codes[0] else default_code), message_text


def explain_rejection(result: dict) -> dict:
    """A rejected item of a progress batch with its Chinese `message` (and a `code`
    when the service gave none), its `reason` kept as the service gave it."""
    if result.get("status") != "rejected" or "message" in result:
        return result
    code, words = explain_remote("InvalidInput", result.get("reason"))
    return {**result, "code": result.get("code") or code, "message": words}


def _coded(status: int, code: str, headers: dict | None = None, **params) -> JSONResponse:
    return JSONResponse({"detail": message(code, **params)}, status_code=status,
                        headers=headers)


def on_remote_error(request: Request, exc: RemoteError) -> JSONResponse:
    status = REMOTE_ERROR_STATUS.get(exc.exc_type)
    if status is None:
        # The message of an unexpected error may hold a traceback or a query.
        log.error("%s %s: service raised %s: %s", request.method, request.url.path,
                  exc.exc_type, exc.value)
        return _coded(502, "service_failed")
    if status >= 500:
        log.error("%s %s: service refused with %s: %s", request.method, request.url.path,
                  exc.exc_type, exc.value)
    detail = remote_error_detail(exc)
    code, words = explain_remote(exc.exc_type, detail)
    return JSONResponse({"detail": detail, "code": code, "message": words},
                        status_code=status)


def on_rpc_timeout(request: Request, exc: RpcTimeout) -> JSONResponse:
    log.error("%s %s: RPC timed out", request.method, request.url.path)
    return _coded(504, "service_timeout")


def on_services_unavailable(request: Request, exc: ServicesUnavailable) -> JSONResponse:
    log.error("%s %s: %s", request.method, request.url.path, exc)
    return _coded(503, "services_unavailable", headers={"Retry-After": "5"})


def on_unknown_service(request: Request, exc: UnknownService) -> JSONResponse:
    log.error("%s %s: no %s service is running", request.method, request.url.path,
              exc.args[0])
    name = str(exc.args[0])
    return _coded(503, "service_unavailable", headers={"Retry-After": "5"},
                  service=SERVICE_NAMES.get(name, f"{name} 服务"))


def on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Without the rejected input: it may be a password, or a thousand progress items.
    return JSONResponse(invalid_input(exc.errors()), status_code=422)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTPException: the gateway's coded refusals as they are; field errors
    and English words (FastAPI's "Not Found", a check in a route) with a code
    and Chinese words beside the `detail`."""
    detail = exc.detail
    if isinstance(detail, dict) or chinese(detail):
        return await http_exception_handler(request, exc)
    headers = getattr(exc, "headers", None)
    if isinstance(detail, list) and all(isinstance(item, dict) and "loc" in item
                                        for item in detail):
        return JSONResponse(invalid_input(detail), status_code=exc.status_code,
                            headers=headers)
    known = read_service_text(detail) if isinstance(detail, str) else None
    if known:
        code, words = known
    elif exc.status_code in (404, 405):
        code = {404: "route_not_found", 405: "method_not_allowed"}[exc.status_code]
        words = message(code)["message"]
    else:
        code = f"http_{exc.status_code}"
        words = message("http_error", status=exc.status_code)["message"]
    return JSONResponse({"detail": detail, "code": code, "message": words},
                        status_code=exc.status_code, headers=headers)


def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return _coded(500, "internal_error")


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RemoteError, on_remote_error)
    app.add_exception_handler(RpcTimeout, on_rpc_timeout)
    app.add_exception_handler(ServicesUnavailable, on_services_unavailable)
    app.add_exception_handler(UnknownService, on_unknown_service)
    app.add_exception_handler(Exception, on_unexpected)


def worded_row_error(error: dict) -> dict:
    """A service's error of one row of many ({row, field, reason}, the reason in
    the service's words) with a stable `code` and Chinese `message` beside it, so
    that an import's or a batch's refusal reads to a person as every other does."""
    field, reason = error.get("field"), error.get("reason")
    code, words = explain_remote("InvalidInput",
                                 {field: reason} if isinstance(field, str) else reason)
    return {**error, "code": error.get("code") or code, "message": words}
