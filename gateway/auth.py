"""Who is calling: users with argon2 passwords, opaque bearer tokens, API keys
for machine clients, and the `Caller` every route hands to the services.

Tokens and API keys are random strings the gateway stores only as HMAC-SHA256
digests, so they can be revoked and a database copy signs no one in. Repeated
sign-in failures lock a username out for a while; every authenticated request
spends from its caller's rate limit (ratelimit.py).
"""
import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .db import Database
from .models import ApiKey, LoginFailure, Token, User, utcnow
from .settings import Settings

log = logging.getLogger(__name__)

# Leaders read everything and write nothing.
WRITER_ROLES = ("admin", "operator", "evaluator")
# Roles that see every unit; the others act for the unit their account names.
CITY_WIDE_ROLES = ("admin", "leader")

TOKEN_URL = "/api/v1/auth/token"
bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
hasher = PasswordHasher()
# How stale an API key's recorded last use may get before a request refreshes it.
LAST_USE_PRECISION = dt.timedelta(minutes=1)


def hash_password(password: str) -> str:
    return hasher.hash(password)


@cache
def _unknown_user_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; an unknown user costs the same time."""
    try:
        hasher.verify(user.password_hash if user else _unknown_user_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def new_credential() -> str:
    return secrets.token_urlsafe(32)


def credential_digest(settings: Settings, credential: str) -> str:
    key = settings.secret.get_secret_value().encode()
    return hmac.new(key, credential.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user, or a machine client's API key (`api_key` is its name).

    `units` is None for callers who see every unit, else the unit codes they
    may read and write.
    """

    user: str
    role: str
    units: list[str] | None
    api_key: str | None = None

    @classmethod
    def for_user(cls, user: User) -> "Caller":
        if user.role in CITY_WIDE_ROLES:
            units = None
        else:
            units = [user.unit] if user.unit else []
        return cls(user=user.username, role=user.role, units=units)

    @classmethod
    def for_api_key(cls, key: ApiKey) -> "Caller":
        # A machine client acts as an operator of the units its key covers.
        return cls(user=f"api-key:{key.name}", role="operator", units=list(key.units),
                   api_key=key.name)

    def as_rpc(self) -> dict:
        """The `caller` argument of docs/contracts.md."""
        return {"user": self.user, "role": self.role, "units": self.units}

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    def covers(self, unit: str) -> bool:
        """Whether `unit` is one the caller acts for (see scope.py for units below)."""
        return self.units is None or unit in self.units


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail,
                         headers={"WWW-Authenticate": "Bearer"})


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _record_key_use(request: Request, key: ApiKey) -> None:
    """Note when and from where the key was last used, at most once a minute.

    In its own transaction, so that a request the route then refuses still counts.
    """
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USE_PRECISION:
        return
    with request.app.state.db.session() as db:
        db.execute(update(ApiKey).where(ApiKey.id == key.id).values(
            last_used_at=now, last_used_from=client_address(request)))


def current_caller(
    request: Request,
    token: Annotated[str | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Caller:
    """FastAPI dependency: the Caller of a bearer token or an X-API-Key; 401 otherwise.

    The caller is also left on `request.state.caller` for the audit log, and one
    request is taken from its rate limit (429 once spent). A request without
    valid credentials spends from its address's limit, so guessing is throttled.
    """
    settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    caller = key = user = None
    # A session of its own, closed before the route runs: a request-scoped one
    # would hold a pooled connection through the route's RPCs, and under many
    # concurrent readers the requests queued for a connection then fill the
    # thread pool that the holders need to give theirs back.
    with request.app.state.db.session() as db:
        if api_key:
            key = db.scalar(select(ApiKey).where(
                ApiKey.digest == credential_digest(settings, api_key),
                ApiKey.revoked_at.is_(None)))
        elif token:
            user = db.scalar(select(User).join(Token).where(
                Token.digest == credential_digest(settings, token),
                Token.revoked_at.is_(None),
                Token.expires_at > utcnow()))
    if key is not None:
        caller = Caller.for_api_key(key)
        limiter.take(f"key:{key.name}")
        _record_key_use(request, key)
    elif user is not None:
        caller = Caller.for_user(user)
        limiter.take(f"user:{user.username}")
    if caller is None:
        limiter.take(f"address:{client_address(request)}")
        if api_key:
            raise _unauthorised("invalid API key")
        raise _unauthorised("invalid or expired token" if token else "not authenticated")
    request.state.caller = caller
    return caller


def require_writer(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if not caller.can_write:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"the {caller.role} role is read-only")
    return caller


def require_admin(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if caller.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return caller


def require_evaluator(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """The lead units' evaluators, and the office entering an evaluation for one."""
    if caller.role not in ("admin", "evaluator"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "evaluators and admins only")
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
Writer = Annotated[Caller, Depends(require_writer)]
Admin = Annotated[Caller, Depends(require_admin)]
Evaluator = Annotated[Caller, Depends(require_evaluator)]


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The user whose password this is, rehashed when argon2's parameters moved on."""
    user = db.scalar(select(User).where(User.username == username))
    if not check_password(user, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def issue_token(db: Session, settings: Settings, user: User) -> tuple[str, dt.datetime]:
    """A new bearer token for `user` and when it expires (naive UTC)."""
    token = new_credential()
    expires_at = utcnow() + dt.timedelta(minutes=settings.token_ttl_minutes)
    db.add(Token(digest=credential_digest(settings, token), user_id=user.id,
                 expires_at=expires_at))
    return token, expires_at


def revoke_token(db: Session, settings: Settings, token: str) -> None:
    row = db.scalar(select(Token).where(Token.digest == credential_digest(settings, token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_other_tokens(db: Session, settings: Settings, user: User,
                        keep: str | None) -> None:
    """Revoke every live token of `user` but `keep` (the one in use)."""
    kept = credential_digest(settings, keep) if keep else ""
    db.execute(update(Token).where(
        Token.user_id == user.id, Token.revoked_at.is_(None), Token.digest != kept,
    ).values(revoked_at=utcnow()))


def locked_for(db: Session, settings: Settings, username: str) -> int:
    """Seconds until `username` may try a password again; 0 when it may now.

    Locked while the window holds `login_max_failures` failures: it opens when
    enough of the oldest have left the window.
    """
    window = dt.timedelta(minutes=settings.login_window_minutes)
    now = utcnow()
    failures = db.scalars(select(LoginFailure.at).where(
        LoginFailure.username == username, LoginFailure.at > now - window,
    ).order_by(LoginFailure.at)).all()
    excess = len(failures) - settings.login_max_failures
    if excess < 0:
        return 0
    opens_at = failures[excess] + window
    return max(1, math.ceil((opens_at - now).total_seconds()))


def record_failure(database: Database, settings: Settings, username: str,
                   address: str | None) -> None:
    """Count a wrong password for `username`, in its own transaction so that it
    outlives the refused request; failures older than the window are dropped."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    with database.session() as db:
        db.execute(delete(LoginFailure).where(LoginFailure.at <= utcnow() - window))
        db.add(LoginFailure(username=username[:256], address=address))
    log.warning("wrong password for %r from %s", username[:64], address)


def clear_failures(db: Session, username: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.username == username))


def refuse_while_locked(db: Session, settings: Settings, username: str,
                        address: str | None) -> None:
    """429 with Retry-After while `username` is locked out."""
    seconds = locked_for(db, settings, username)
    if seconds:
        log.warning("locked-out username %r tried again from %s", username[:64], address)
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed sign-ins; try again in {seconds} s",
                            headers={"Retry-After": str(seconds)})


def ensure_admin(db: Session, settings: Settings) -> str | None:
    """Add the bootstrap user `admin` if missing, with LUOSHI_ADMIN_PASSWORD or
    else a random password, which is returned for the caller to show once the
    user is committed."""
    if db.scalar(select(User.id).where(User.username == "admin")) is not None:
        return None
    generated = None
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = generated = secrets.token_urlsafe(12)
    db.add(User(username="admin", password_hash=hash_password(password), role="admin"))
    return generated
