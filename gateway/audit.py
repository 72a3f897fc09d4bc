"""The audit log: one row for every write request (POST, PUT, PATCH, DELETE),
and for every export and file download (what leaves the platform in bulk),
whoever made it and however it ended.

A row holds who (user, role, API key, the caller's units), what (method, path,
route, the ids in the path, the units the body names, the body itself with
passwords and keys redacted, and the JSON answer when it is small), how it
ended (status), when and from which address. It is written to the gateway's
own database once the status is known and before the answer reaches the
client. Rows are only inserted: the code has no path that changes or deletes
them, and `GET /api/v1/audit` reads them.
"""
import json
import logging
import re
import time
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .models import AuditEntry
from .text import escaped

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reads that hand out files: the task library and ranking exports, evidence
# files, bulletins and accountability records. Their answers are kept as type
# and size only.
AUDITED_READS = re.compile(
    r"^/api/v1/(tasks/export\.xlsx|tasks/[^/]+/evidence/[^/]+|bulletins/[^/]+\.(pdf|html)"
    r"|rankings/[^/]+/export|accountability/[^/]+/export\.docx)$")
# Fields whose values never reach the log, at any depth of a body or answer.
SECRET_FIELDS = frozenset({
    "password", "current", "new", "key", "access_token", "refresh_token", "token",
    "secret", "client_secret", "content_b64",
})
REDACTED = "[redacted]"
# A progress batch of 1,000 items is a few hundred KiB; bodies larger than
# this are summarised by their size rather than kept.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_RESPONSE_BYTES = 64 * 1024
# Body fields that name a unit, for the `units` column.
UNIT_FIELDS = ("unit", "lead_unit", "parent", "into")


def redact(value):
    """`value` with the values of SECRET_FIELDS replaced, at any depth."""
    if isinstance(value, dict):
        return {key: REDACTED if str(key).lower() in SECRET_FIELDS else redact(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def named_units(body) -> list[str]:
    """The unit codes a JSON body (an object or a list of them) names."""
    found = set()
    for item in body if isinstance(body, list) else [body]:
        if not isinstance(item, dict):
            continue
        for field in UNIT_FIELDS:
            if isinstance(item.get(field), str):
                found.add(item[field])
        for field in ("units", "cooperating_units"):
            if isinstance(item.get(field), list):
                found.update(code for code in item[field] if isinstance(code, str))
    return sorted(found)


def _size_only(raw: bytes, content_type: str) -> dict:
    return {"content_type": content_type[:100], "bytes": len(raw)}


def request_record(raw: bytes, total: int, content_type: str):
    """What the log keeps of a request body: redacted JSON or form fields, else
    its type and size (a file upload, or a body too large to keep)."""
    if not total:
        return None
    media_type = content_type.split(";")[0].strip().lower()
    if total > len(raw):
        return {"content_type": content_type[:100], "bytes": total}
    try:
        if media_type == "application/json":
            return redact(json.loads(raw))
        if media_type == "application/x-www-form-urlencoded":
            return redact(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
    except (ValueError, UnicodeDecodeError):
        return _size_only(raw, content_type)
    return _size_only(raw, content_type)


def response_record(raw: bytes, content_type: str):
    if not raw:
        return None
    if not content_type.startswith("application/json") or len(raw) > MAX_RESPONSE_BYTES:
        return _size_only(raw, content_type)
    try:
        return redact(json.loads(raw))
    except ValueError:
        return _size_only(raw, content_type)


def audited(method: str, path: str) -> bool:
    """Whether a request gets a row: every write, and the reads that hand out files."""
    return method in WRITE_METHODS or (method == "GET" and AUDITED_READS.match(path) is not None)


class AuditLog:
    """ASGI middleware writing an AuditEntry for every write request.

    The caller comes from `request.state.caller`, left there by
    auth.current_caller; a request refused before that (401, or 413 for its
    size) is logged without one. The answer is held back until its row is
    written, so a client that has its answer finds it in the log. A failure to
    write the row is logged and the answer still goes out: the change it
    describes has already happened in a service.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not audited(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request_type = Headers(scope=scope).get("content-type", "")
        keep_body = not request_type.lower().startswith("multipart/")
        body, total = bytearray(), 0
        started: Message | None = None
        answer = bytearray()
        began = time.monotonic()

        async def recording_receive() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                total += len(chunk)
                if keep_body and len(body) + len(chunk) <= MAX_REQUEST_BYTES:
                    body.extend(chunk)
            return message

        async def holding_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = message
                return
            if message["type"] == "http.response.body" and started is not None:
                answer.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._write(scope, started["status"], bytes(body), total, request_type,
                                  started, bytes(answer), began)
                await send(started)
                await send({"type": "http.response.body", "body": bytes(answer)})
                return
            await send(message)

        try:
            await self.app(scope, recording_receive, holding_send)
        except Exception:
            if started is None:
                await self._write(scope, 500, bytes(body), total, request_type, None, b"",
                                  began)
            raise

    async def _write(self, scope, status, body, total, request_type, started, answer, began):
        response_type = ""
        if started is not None:
            response_type = Headers(raw=started.get("headers", [])).get("content-type", "")
        try:
            entry = self._entry(scope, status, body, total, request_type, answer, response_type)
            await run_in_threadpool(self._insert, scope["app"].state.db, entry)
        except Exception:
            log.exception("could not write the audit entry of %s %s (status %s)",
                          scope["method"], scope["path"], status)
        else:
            log.info("%s %s -> %s by %s in %.0f ms", scope["method"], scope["path"], status,
                     entry["user"], (time.monotonic() - began) * 1000)

    @staticmethod
    def _entry(scope, status, body, total, request_type, answer, response_type) -> dict:
        caller = (scope.get("state") or {}).get("caller")
        request = request_record(body, total, request_type)
        route = scope.get("route")
        client = scope.get("client")
        return {
            "user": caller.user if caller else None,
            "role": caller.role if caller else None,
            "api_key": caller.api_key if caller else None,
            "caller_units": caller.units if caller else None,
            "units": named_units(request),
            "method": scope["method"],
            "path": escaped(scope["path"][:1000]),
            "route": getattr(route, "path", None),
            "target": {escaped(key): escaped(str(value)) for key, value in
                       (scope.get("path_params") or {}).items()} or None,
            "status": status,
            "address": client[0] if client else None,
            # Refused hostile text is logged too, escaped so that the row can be stored.
            "request": escaped(request),
            "response": response_record(answer, response_type),
        }

    @staticmethod
    def _insert(database, entry: dict) -> None:
        with database.session() as db:
            db.add(AuditEntry(**entry))
