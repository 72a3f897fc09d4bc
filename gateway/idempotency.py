"""Answer a repeated request once: the Idempotency-Key of the creating POSTs
(units, tasks, commitments, evidence, progress).

A client that lost an answer sends the same request again under the same key
and gets the stored answer, without the services doing the work twice. The
key is claimed in its own committed transaction before the work starts, so
two concurrent requests with one key cannot both do it. Keys belong to their
caller and name one request: the same key on another endpoint or with another
body is a 409. Answers are kept in the gateway's database for
LUOSHI_IDEMPOTENCY_RETENTION_DAYS (default 7) and then pruned.
"""
import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request, status
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .models import IdempotencyRecord, utcnow

# A claim without an answer this old belongs to a request that died (the process
# stopped mid-call); the key is free again. Far longer than any RPC timeout.
ABANDONED_AFTER = dt.timedelta(minutes=15)
# Pruning is a range delete on an indexed column; once an hour per process is plenty.
PRUNE_EVERY_SECONDS = 3600

IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=200,
    description="repeat a request under the same key to get its first answer again")]

_pruned_at: dict[int, float] = {}
_prune_lock = threading.Lock()


def prune(database: Database, retention: dt.timedelta, force: bool = False) -> None:
    """Delete records older than `retention`, at most once an hour unless `force`."""
    now = time.monotonic()
    with _prune_lock:
        last = _pruned_at.get(id(database))
        if not force and last is not None and now - last < PRUNE_EVERY_SECONDS:
            return
        _pruned_at[id(database)] = now
    with database.session() as db:
        db.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < utcnow() - retention))


def body_digest(payload) -> str:
    """sha256 of the body in a canonical form, so spacing and key order do not count."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a lone surrogate in a body is the services' to refuse, per item.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail)


def _claim(database: Database, caller: str, key: str, digest: str):
    """None when this request now holds the key, else the answer stored under it."""
    try:
        with database.session() as db:
            record = db.scalar(select(IdempotencyRecord).where(
                IdempotencyRecord.caller == caller, IdempotencyRecord.key == key))
            if record is None:
                db.add(IdempotencyRecord(caller=caller, key=key, body_digest=digest))
                return None
            if record.body_digest != digest:
                raise _conflict("this Idempotency-Key was used with another body or endpoint")
            if record.answer is not None:
                return record.answer
            if record.created_at > utcnow() - ABANDONED_AFTER:
                raise _conflict("a request with this Idempotency-Key is still being served")
            record.created_at = utcnow()
            return None
    except IntegrityError:  # another request claimed the key a moment before us
        raise _conflict("a request with this Idempotency-Key is still being served") from None


def once(database: Database, caller: str, key: str, payload, work: Callable[[], dict]) -> dict:
    """`work()`'s answer, computed at most once per (caller, key).

    The same key with the same payload answers what the first request answered;
    with another payload, or while the first is running, it is a 409. When
    `work` raises, the key is released so the client can try again.
    """
    stored = _claim(database, caller, key, body_digest(payload))
    if stored is not None:
        return stored
    mine = (IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
    try:
        answer = work()
    except BaseException:
        with database.session() as db:
            db.execute(delete(IdempotencyRecord).where(*mine))
        raise
    with database.session() as db:
        db.scalar(select(IdempotencyRecord).where(*mine)).answer = answer
    return answer


def answer_once(request: Request, caller, key: str | None, body, work: Callable[[], dict]):
    """`work()`'s answer, once per Idempotency-Key `key` of `caller` (a Caller);
    without a key, simply `work()`. `body` is what the client sent, as JSON."""
    if key is None:
        return work()
    settings = request.app.state.settings
    database = request.app.state.db
    prune(database, dt.timedelta(days=settings.idempotency_retention_days))
    fingerprint = {"endpoint": f"{request.method} {request.url.path}", "body": body}
    return once(database, caller.user, key, fingerprint, work)
