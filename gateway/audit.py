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

A body over SUMMARY_BYTES is kept as a summary instead (request_record: its
SHA-256, its size, and for a JSON list how many items and the keys of the first
few), so that the log, kept for ever, does not hold every progress batch whole;
the digest still ties the row to the exact bytes the caller sent.

The log fails closed. A pending mark is written before the request reaches a
route; if it cannot be, the request is refused (503) and nothing is done. The
row is written with the outcome, in the transaction that removes the mark; if
it cannot be, the client gets 503 instead of its answer, never a success the
log does not hold, and the mark stays for an operator (`verify` lists it).

Each row carries the sha256 of its canonical form, which includes the hash of
the row before it: `python -m gateway.audit verify` (make audit-verify) walks
the chain and says in Chinese where it breaks.
"""
import argparse
import datetime as dt
import hashlib
import json
import logging
import re
import sys
import time
from urllib.parse import parse_qsl

from sqlalchemy import delete, select, update
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import Database
from .messages import message
from .models import AuditChainHead, AuditEntry, AuditPending, utcnow
from .settings import Settings
from .text import escaped

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reads that hand out files: the task library and ranking exports, evidence
# files, bulletins and accountability records. Their answers are kept as type
# and size only.
AUDITED_READS = re.compile(
    r"^/api/v1/(tasks/(export|ledger)\.xlsx|tasks/[^/]+/evidence/[^/]+|bulletins/[^/]+\.(pdf|html|docx)"
    r"|rankings/[^/]+/export|accountability/[^/]+/export\.docx)$")
# Fields whose values never reach the log, at any depth of a body or answer.
SECRET_FIELDS = frozenset({
    "password", "current", "new", "key", "access_token", "refresh_token", "token",
    "secret", "client_secret", "content_b64",
    # A group robot's address: its token is the robot's key.
    "webhook_url",
})
REDACTED = "[redacted]"
# A body up to this size is read to be kept (or its items counted); a larger one
# is summarised by its type, size and digest alone.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
# Bodies larger than this are kept as a summary, not whole: a progress batch of
# 1,000 items is a few hundred KiB, and counties post one a day for years.
SUMMARY_BYTES = 16 * 1024
# A summary names the first few items of a JSON list by these fields (a task's
# code, a report's task and unit), each cut to SUMMARY_KEY_CHARS.
SUMMARY_ITEMS = 5
SUMMARY_ITEM_KEYS = ("code", "task", "target", "unit")
SUMMARY_KEY_CHARS = 100
MAX_RESPONSE_BYTES = 64 * 1024
# The hash the first row of the chain follows.
GENESIS = "0" * 64
# The fields a row's hash covers, in the canonical form's (sorted) order.
HASHED_FIELDS = ("address", "api_key", "at", "caller_units", "method", "path", "prev_hash",
                 "request", "response", "role", "route", "status", "target", "units", "user")
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


def request_body(raw: bytes, total: int, content_type: str):
    """A request's JSON or form fields, redacted; None for any other body (a file
    upload, one too large to read whole, one that does not parse)."""
    if not raw or total > len(raw):
        return None
    media_type = content_type.split(";")[0].strip().lower()
    try:
        if media_type == "application/json":
            return redact(json.loads(raw))
        if media_type == "application/x-www-form-urlencoded":
            return redact(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # A body the route refuses (a nesting bomb among them) is kept by its size.
        return None
    return None


def _first_keys(item) -> dict:
    return {key: item[key][:SUMMARY_KEY_CHARS] for key in SUMMARY_ITEM_KEYS
            if isinstance(item.get(key), str)}


def request_record(body, total: int, content_type: str, sha256: str):
    """What the log keeps of a request of `total` bytes whose SHA-256 is `sha256`:
    `body` (request_body) whole when the request is at most SUMMARY_BYTES; else
    a summary, {summary: true, content_type, bytes, sha256}, with for a JSON list
    its `items` and `first_items` (their SUMMARY_ITEM_KEYS); a body neither JSON
    nor a form by its type and size."""
    if not total:
        return None
    if total > SUMMARY_BYTES:
        summary = {"summary": True, "content_type": content_type[:100], "bytes": total,
                   "sha256": sha256}
        if isinstance(body, list):
            summary["items"] = len(body)
            summary["first_items"] = [_first_keys(item) for item in body[:SUMMARY_ITEMS]
                                      if isinstance(item, dict)]
        return summary
    if body is None:
        return {"content_type": content_type[:100], "bytes": total}
    return body


def response_record(raw: bytes, content_type: str):
    if not raw:
        return None
    if not content_type.startswith("application/json") or len(raw) > MAX_RESPONSE_BYTES:
        return _size_only(raw, content_type)
    try:
        return redact(json.loads(raw))
    except (ValueError, RecursionError):
        return _size_only(raw, content_type)


def audited(method: str, path: str) -> bool:
    """Whether a request gets a row: every write, and the reads that hand out files."""
    return method in WRITE_METHODS or (method == "GET" and AUDITED_READS.match(path) is not None)


def canonical(row: dict) -> bytes:
    """The stable serialisation a row's hash covers: the HASHED_FIELDS as JSON with
    sorted keys, no spaces, every non-ASCII character as its \\u escape (so that
    refused hostile text, an unpaired surrogate included, serialises too), and
    `at` as ISO 8601 to the microsecond (UTC, as stored). The same on SQLite and
    PostgreSQL, and on every read back."""
    values = {name: row.get(name) for name in HASHED_FIELDS}
    at = values["at"]
    if isinstance(at, dt.datetime):
        values["at"] = at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False).encode("ascii")


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def _row_dict(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def append(db, entry: dict) -> AuditEntry:
    """Insert `entry` at the end of the chain in `db`'s transaction.

    The chain's head row is updated first: that locks it (a row lock on
    PostgreSQL, the database's write lock on SQLite) until the transaction
    ends, so concurrent writers, in this process or another, append in turn
    and each reads the hash its predecessor committed.
    """
    db.execute(update(AuditChainHead).where(AuditChainHead.id == 1)
               .values(writes=AuditChainHead.writes + 1))
    head = db.get(AuditChainHead, 1, populate_existing=True)
    if head is None:  # a database made before the chain: start it
        head = AuditChainHead(id=1, writes=1)
        db.add(head)
        db.flush()
    row = dict(entry, at=entry.get("at") or utcnow(), prev_hash=head.last_hash or GENESIS)
    row["hash"] = row_hash(row)
    added = AuditEntry(**row)
    db.add(added)
    db.flush()
    head.last_id, head.last_hash = added.id, added.hash
    return added


class AuditLog:
    """ASGI middleware writing an AuditEntry for every write request.

    The caller comes from `request.state.caller`, left there by
    auth.current_caller; a request refused before that (401, or 413 for its
    size) is logged without one. A pending mark is written before the request
    goes in, and the answer is held back until its row is written, so a
    client that has its answer finds it in the log; if either write fails the
    client gets 503 `audit_unavailable` and no success.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not audited(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        database = scope["app"].state.db
        try:
            pending = await run_in_threadpool(self._begin, database, scope)
        except Exception:
            log.exception("could not write the pending audit mark of %s %s; refused",
                          scope["method"], scope["path"])
            await self._refuse(scope, receive, send, "audit_unavailable")
            return
        request_type = Headers(scope=scope).get("content-type", "")
        keep_body = not request_type.lower().startswith("multipart/")
        body, total, digest = bytearray(), 0, hashlib.sha256()
        started: Message | None = None
        answer = bytearray()
        began = time.monotonic()

        async def recording_receive() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                total += len(chunk)
                digest.update(chunk)
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
                written = await self._write(scope, pending, started["status"], bytes(body),
                                            total, digest.hexdigest(), request_type, started,
                                            bytes(answer), began)
                if not written:
                    await self._refuse(scope, receive, send, "audit_outcome_unrecorded")
                    return
                await send(started)
                await send({"type": "http.response.body", "body": bytes(answer)})
                return
            await send(message)

        try:
            await self.app(scope, recording_receive, holding_send)
        except Exception:
            if started is None:
                await self._write(scope, pending, 500, bytes(body), total, digest.hexdigest(),
                                  request_type, None, b"", began)
            raise

    @staticmethod
    async def _refuse(scope, receive, send, code: str) -> None:
        await JSONResponse({"detail": message(code)}, status_code=503,
                           headers={"Retry-After": "30"})(scope, receive, send)

    @staticmethod
    def _begin(database, scope) -> int:
        client = scope.get("client")
        with database.session() as db:
            mark = AuditPending(method=scope["method"], path=escaped(scope["path"][:1000]),
                                address=client[0] if client else None)
            db.add(mark)
            db.flush()
            return mark.id

    async def _write(self, scope, pending, status, body, total, sha256, request_type, started,
                     answer, began) -> bool:
        """Write the row of the request's outcome and remove its pending mark;
        False when that failed."""
        response_type = ""
        if started is not None:
            response_type = Headers(raw=started.get("headers", [])).get("content-type", "")
        try:
            entry = self._entry(scope, status, body, total, sha256, request_type, answer,
                                response_type)
            await run_in_threadpool(self._insert, scope["app"].state.db, entry, pending)
        except Exception:
            log.exception("could not write the audit entry of %s %s (status %s); the client "
                          "is told so and pending mark %s stays", scope["method"],
                          scope["path"], status, pending)
            return False
        log.info("%s %s -> %s by %s in %.0f ms", scope["method"], scope["path"], status,
                 entry["user"], (time.monotonic() - began) * 1000)
        return True
    @staticmethod
    def _entry(scope, status, body, total, sha256, request_type, answer, response_type) -> dict:
        caller = (scope.get("state") or {}).get("caller")
        # The units come from the whole body, a summarised one's too.
        parsed = request_body(body, total, request_type)
        route = scope.get("route")
        client = scope.get("client")
        return {
            "user": caller.user if caller else None,
            "role": caller.role if caller else None,
            "api_key": caller.api_key if caller else None,
            "caller_units": caller.units if caller else None,
            "units": named_units(parsed),
            "method": scope["method"],
            "path": escaped(scope["path"][:1000]),
            "route": getattr(route, "path", None),
            "target": {escaped(key): escaped(str(value)) for key, value in
                       (scope.get("path_params") or {}).items()} or None,
            "status": status,
            "address": client[0] if client else None,
            # Refused hostile text is logged too, escaped so that the row can be stored.
            "request": escaped(request_record(parsed, total, request_type, sha256)),
            "response": response_record(answer, response_type),
        }

    @staticmethod
    def _insert(database, entry: dict, pending: int) -> None:
        with database.session() as db:
            append(db, entry)
            db.execute(delete(AuditPending).where(AuditPending.id == pending))


# Verifying the chain --------------------------------------------------------------

# A pending mark younger than this is most likely a request still being served.
IN_FLIGHT = dt.timedelta(minutes=5)


def verify(database, batch: int = 1000, in_flight: dt.timedelta = IN_FLIGHT) -> list[str]:
    """What is wrong with the chain in `database`, in Chinese: empty when every
    row's hash matches its content and follows the row before it, the head
    names the last row, and no request older than `in_flight` is left pending."""
    problems = []
    previous_hash, previous_id, chained, unchained = None, None, 0, 0
    with database.session() as db:
        last_id = 0
        while True:
            rows = db.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                              .order_by(AuditEntry.id).limit(batch)).all()
            if not rows:
                break
            for entry in rows:
                last_id = entry.id
                if entry.hash is None and entry.prev_hash is None and previous_hash is None:
                    unchained += 1  # written before the log was chained
                    continue
                expected_prev = previous_hash or GENESIS
                if entry.prev_hash != expected_prev:
                    after = f"第 {previous_id} 条" if previous_id else "链首"
                    problems.append(
                        f"审计链在第 {entry.id} 条处断开：它记录的上一条哈希与{after}不符"
                        "（其间的记录可能被删除、插入或调换）。")
                if entry.hash != row_hash(_row_dict(entry)):
                    problems.append(
                        f"第 {entry.id} 条审计记录的内容与其哈希不符：该记录已被篡改。")
                previous_hash, previous_id = entry.hash, entry.id
                chained += 1
            db.expunge_all()
        head = db.get(AuditChainHead, 1)
        if head is not None and (head.last_id, head.last_hash) != (previous_id, previous_hash):
            problems.append(
                f"审计链的链头指向第 {head.last_id} 条，而表中最后一条带哈希的记录是"
                f"第 {previous_id} 条：末尾的记录可能被删除或篡改。")
        for mark in db.scalars(select(AuditPending).where(AuditPending.at <= utcnow() - in_flight)
                               .order_by(AuditPending.id)):
            problems.append(
                f"{mark.at:%Y年%m月%d日 %H:%M:%S}（UTC）来自 {mark.address or '未知地址'} 的 "
                f"{mark.method} {mark.path} 未记下结果：请核实该操作是否已生效。")
    if unchained:
        log.info("%s rows from before the chain are not covered by it", unchained)
    return problems


def main(argv=None) -> int:
    """`python -m gateway.audit verify [--db-url URL]`: 0 when the chain holds,
    1 when it breaks (each break printed in Chinese)."""
    parser = argparse.ArgumentParser(prog="python -m gateway.audit",
                                     description="核验审计日志的哈希链")
    parser.add_argument("command", choices=["verify"])
    parser.add_argument("--db-url", help="默认为网关的数据库（LUOSHI_GATEWAY_DB_URL）")
    args = parser.parse_args(argv)
    database = Database(args.db_url or Settings().db_url)
    try:
        problems = verify(database)
        with database.session() as db:
            total = db.scalar(select(AuditChainHead.last_id).where(AuditChainHead.id == 1))
    finally:
        database.dispose()
    if problems:
        for problem in problems:
            print(problem)
        print(f"审计链核验未通过：发现 {len(problems)} 处问题。")
        return 1
    print(f"审计链完整（最后一条记录为第 {total or 0} 条）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
