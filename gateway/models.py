"""The gateway's own tables: who may call, and what it already answered.

All models live here so one metadata holds the whole schema.
"""
import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    """Now in UTC, naive: SQLite keeps no time zone, so every column is UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Nullable: they came after the first users, whose rows have none.
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set by an admin's password reset: until the user chooses a new password,
    # its tokens reach nothing but the password change.
    must_change_password: Mapped[bool | None] = mapped_column(Boolean)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_sign_in_from: Mapped[str | None] = mapped_column(String(64))
    # The person behind the account, as people see it (the username is for
    # signing in); nullable: the first users had none.
    name: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))


class Token(Base):
    """A bearer token, kept only as its digest so a database copy signs no one in."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Moved on by use, at most once a minute (auth.LAST_USE_PRECISION); a token
    # unused for LUOSHI_TOKEN_IDLE_MINUTES is refused before it expires.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApiKey(Base):
    """A machine client's key, kept as its digest, scoped to unit codes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    units: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Recorded at most once a minute (auth.LAST_USE_PRECISION), so that a busy
    # county system does not turn every read into a write.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_from: Mapped[str | None] = mapped_column(String(64))
    # Null: the key never expires.
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # "read" or "write"; null is a key from before keys had an access level,
    # which could always write.
    access: Mapped[str | None] = mapped_column(String(8))


class IdempotencyRecord(Base):
    """What a caller's request under an Idempotency-Key answered.

    `answer` is null while the first request with the key is being served.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    body_digest: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class LoginFailure(Base):
    """A failed sign-in (or password change) for a username, for the lock-out."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(256), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """One write request and its outcome. Rows are only ever inserted: no code
    path updates or deletes them.

    `hash` is the sha256 of the row's canonical form (audit.canonical), which
    holds `prev_hash`, the hash of the row written before it: changing,
    removing or reordering a row breaks the chain (`python -m gateway.audit
    verify`). Both are null on rows from before the chain.
    """

    __tablename__ = "audit_log"
    # The path is filtered by its prefix (GET /api/v1/audit): on PostgreSQL its
    # index holds pattern operators, which serve LIKE 'prefix%' whatever the
    # database's collation; on SQLite it is a plain index, read as a range.
    # The log is listed newest first by (at, id), which one index orders and
    # bounds by time, and another for each user.
    __table_args__ = (Index("ix_audit_log_path", "path",
                            postgresql_ops={"path": "varchar_pattern_ops"}),
                      Index("ix_audit_log_at_id", "at", "id"),
                      Index("ix_audit_log_user_at_id", "user", "at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(16))
    api_key: Mapped[str | None] = mapped_column(String(64))
    # The units the caller acts for (null: every unit) and those the body names.
    caller_units: Mapped[list[str] | None] = mapped_column(JSON)
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000))
    route: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(64))
    request: Mapped[dict | list | str | None] = mapped_column(JSON)
    response: Mapped[dict | list | str | None] = mapped_column(JSON)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The one row (id 1) naming the last row of the audit chain.

    Every writer takes it first (an UPDATE: a row lock on PostgreSQL, the write
    lock on SQLite), so writers in every process append one chain in turn; and
    the verifier compares it with the table's last row, so rows cut from the
    end are found too.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str | None] = mapped_column(String(64))
    # Bumped by every writer, so that taking the lock is a real write.
    writes: Mapped[int] = mapped_column(Integer, default=0)


class AuditPending(Base):
    """An audited request under way: written before the request reaches a
    route, removed in the transaction that writes its AuditEntry. One left
    behind is a request whose outcome the log could not record (the gateway
    answered 503, or died): `verify` lists them for an operator to check."""

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000))
    address: Mapped[str | None] = mapped_column(String(64))

