"""Who is calling: users with argon2 passwords, opaque bearer tokens, API keys
for machine clients, and the `Caller` every route hands to the services.

Tokens and API keys are random strings the gateway stores only as HMAC-SHA256
digests, so they can be revoked and a database copy signs no one in. Repeated
sign-in failures lock a username out for a while from the address they came
from, so that a stranger elsewhere cannot lock out `admin`; every
authenticated request spends from its caller's rate limit (ratelimit.py).

A disabled user's tokens are refused at once; a user whose password an admin
reset reaches nothing but the password change until it picks a new one; an
API key may expire and may be read-only. Refusals carry a stable code and
Chinese words (messages.py).
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
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from policy import policy

from .db import Database
from .messages import refusal
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
# What a user whose password an admin reset may still reach: enough to choose
# a new one, see who it is, and sign out.
PASSWORD_CHANGE_ROUTES = frozenset({"/api/v1/auth/password", "/api/v1/auth/me",
                                    "/api/v1/auth/logout"})
# What people read for the bootstrap `admin` in headers and histories, until the
# office gives the account a person's name (migration 0005 names older ones).
BOOTSTRAP_ADMIN_NAME = "系统管理员"
ROLE_NAMES = {"admin": "管理员", "leader": "领导", "operator": "单位联络员",
              "evaluator": "评价人"}


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
    may read and write. A read-only API key's caller reads what its units may
    and writes nothing.
    """

    user: str
    role: str
    units: list[str] | None
    api_key: str | None = None
    read_only: bool = False
    # After an admin's password reset, until the user picks its own.
    must_change_password: bool = False
    # The person's name, for people to read. Not part of the caller the services
    # receive, which names people by login; a route that needs the name in a
    # service's text passes it as data (a thread message's author_name).
    name: str | None = None

    @classmethod
    def for_user(cls, user: User) -> "Caller":
        if user.role in CITY_WIDE_ROLES:
            units = None
        else:
            units = [user.unit] if user.unit else []
        return cls(user=user.username, role=user.role, units=units,
                   must_change_password=bool(user.must_change_password), name=user.name)

    @classmethod
    def for_api_key(cls, key: ApiKey) -> "Caller":
        # A machine client acts as an operator of the units its key covers.
        return cls(user=f"api-key:{key.name}", role="operator", units=list(key.units),
                   api_key=key.name, read_only=key.access == "read")

    def as_rpc(self) -> dict:
        """The `caller` argument of docs/contracts.md."""
        return {"user": self.user, "role": self.role, "units": self.units}

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES and not self.read_only

    def covers(self, unit: str) -> bool:
        """Whether `unit` is one the caller acts for (see scope.py for units below)."""
        return self.units is None or unit in self.units


def _unauthorised(code: str):
    return refusal(status.HTTP_401_UNAUTHORIZED, code, headers={"WWW-Authenticate": "Bearer"})


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass
class _Known:
    """What a valid credential stood for when the database was last asked."""
    caller: Caller
    row_id: int
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None


def _look_up(request: Request, api_key: str | None, digest: str, now: dt.datetime):
    """The credential's caller from the database, or None. A session of its own,
    closed before the route runs: a request-scoped one would hold a pooled
    connection through the route's RPCs, and under many concurrent readers the
    requests queued for a connection then fill the thread pool that the holders
    need to give theirs back."""
    settings = request.app.state.settings
    with request.app.state.db.session() as db:
        if api_key:
            key = db.scalar(select(ApiKey).where(
                ApiKey.digest == digest, ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)))
            return key and _Known(Caller.for_api_key(key), key.id, key.last_used_at,
                                  key.expires_at)
        # A disabled user's tokens are revoked when it is disabled; the
        # condition here also holds should a token have escaped that.
        where = [Token.digest == digest, Token.revoked_at.is_(None), Token.expires_at > now,
                 User.disabled_at.is_(None)]
        if settings.token_idle_minutes:
            idle = dt.timedelta(minutes=settings.token_idle_minutes)
            where.append(func.coalesce(Token.last_used_at, Token.created_at) > now - idle)
        found = db.execute(select(User, Token).join(Token).where(*where)).first()
        if found is None:
            return None
        user, token = found
        return _Known(Caller.for_user(user), token.id, token.last_used_at, token.expires_at)


def _record_use(request: Request, known: _Known, now: dt.datetime) -> None:
    """Note when (and for a key, from where) the credential was last used, at most
    once a minute, in its own transaction, so that a request the route then
    refuses still counts. A token's use moves its idle clock on."""
    with request.app.state.db.session() as db:
        if known.caller.api_key:
            db.execute(update(ApiKey).where(ApiKey.id == known.row_id).values(
                last_used_at=now, last_used_from=client_address(request)))
        else:
            db.execute(update(Token).where(Token.id == known.row_id).values(last_used_at=now))


async def current_caller(
    request: Request,
    token: Annotated[str | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Caller:
    """FastAPI dependency: the Caller of a bearer token or an X-API-Key; 401 otherwise.

    The caller is also left on `request.state.caller` for the audit log, and one
    request is taken from its rate limit (429 once spent). A request without
    valid credentials spends from its address's limit, so guessing is throttled.
    A credential seen within `auth_cache_seconds` is answered here, in the event
    loop; the database is asked in a worker thread otherwise.
    """
    settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    known_callers = request.app.state.known_callers
    now = utcnow()
    credential = api_key or token
    known = None
    if credential:
        digest = credential_digest(settings, credential)
        known = known_callers.get(digest)
        if known is not None and known.expires_at is not None and known.expires_at <= now:
            known = None
        if known is None:
            generation = known_callers.generation
            known = await run_in_threadpool(_look_up, request, api_key, digest, now)
            if known is not None:
                known_callers.keep(digest, known, generation)
    if known is None:
        limiter.take(f"address:{client_address(request)}")
        if api_key:
            raise _unauthorised("api_key_invalid")
        raise _unauthorised("token_invalid" if token else "not_authenticated")
    caller = known.caller
    limiter.take(f"key:{caller.api_key}" if caller.api_key else f"user:{caller.user}")
    if known.last_used_at is None or now - known.last_used_at >= LAST_USE_PRECISION:
        known.last_used_at = now
        await run_in_threadpool(_record_use, request, known, now)
    route = getattr(request.scope.get("route"), "path", None)
    if caller.must_change_password and route not in PASSWORD_CHANGE_ROUTES:
        raise refusal(status.HTTP_403_FORBIDDEN, "password_change_required")
    request.state.caller = caller
    return caller


def caller_at_hand(state, headers: dict) -> Caller | None:
    """The caller of a request's credential (`headers`: lower-case names) when the
    gateway knows it already and the full check would add nothing: known within
    `auth_cache_seconds`, unexpired, its last use recorded lately, no password to
    change, and its rate limit not spent. None sends the request down the full
    path, which answers whatever else (401, 403, 429) as every route does."""
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    api_key = headers.get("x-api-key")
    credential = api_key or (token.strip() if scheme.lower() == "bearer" else None)
    if not credential:
        return None
    known = state.known_callers.get(credential_digest(state.settings, credential))
    now = utcnow()
    if known is None or (known.expires_at is not None and known.expires_at <= now) or \
            known.last_used_at is None or now - known.last_used_at >= LAST_USE_PRECISION or \
            known.caller.must_change_password:
        return None
    caller = known.caller
    try:
        state.rate_limiter.take(f"key:{caller.api_key}" if caller.api_key
                                else f"user:{caller.user}")
    except HTTPException:
        return None
    return caller


def forget_callers(request: Request):
    """FastAPI dependency of the routes that change users, tokens and keys: once
    the change is committed (this runs after the route's own session has
    closed), every caller this gateway knew is asked of the database again."""
    yield
    if request.method != "GET":
        request.app.state.known_callers.forget()


def require_writer(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if caller.read_only:
        raise refusal(status.HTTP_403_FORBIDDEN, "api_key_read_only")
    if not caller.can_write:
        raise refusal(status.HTTP_403_FORBIDDEN, "read_only_role",
                      role=ROLE_NAMES.get(caller.role, caller.role))
    return caller


def require_admin(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if caller.role != "admin":
        raise refusal(status.HTTP_403_FORBIDDEN, "admin_only")
    return caller


def require_evaluator(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """The lead units' evaluators, and the office entering an evaluation for one."""
    if caller.role not in ("admin", "evaluator"):
        raise refusal(status.HTTP_403_FORBIDDEN, "evaluators_only")
    return caller


def permitted(action: str):
    """FastAPI dependency for a route that does `action`: the caller, after a 403
    for a read-only key or a role the authorisation table (policy/) gives no
    part in it. Which units the caller may do it on is checked once the unit
    is known."""
    def check(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        table = policy()
        if caller.read_only:
            raise refusal(status.HTTP_403_FORBIDDEN, "api_key_read_only")
        if not table.role_may(action, caller.role):
            if set(table.actions[action]) == {"admin"}:
                raise refusal(status.HTTP_403_FORBIDDEN, "admin_only")
            raise refusal(status.HTTP_403_FORBIDDEN, "role_not_allowed",
                          role=ROLE_NAMES.get(caller.role, caller.role))
        return caller

    return check


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


# A token that expired (revoked or not) signs no one in again; kept a day for
# whoever looks into a sign-in, then forgotten at the next one, so that a sign-in
# a person a day does not grow the table for as long as the office runs. Who
# signed in, and when, stays in the audit log.
KEEP_EXPIRED_TOKENS = dt.timedelta(days=1)


def issue_token(db: Session, settings: Settings, user: User) -> tuple[str, dt.datetime]:
    """A new bearer token for `user` and when it expires (naive UTC); the tokens
    expired for over KEEP_EXPIRED_TOKENS are forgotten."""
    token = new_credential()
    now = utcnow()
    db.execute(delete(Token).where(Token.expires_at < now - KEEP_EXPIRED_TOKENS))
    expires_at = now + dt.timedelta(minutes=settings.token_ttl_minutes)
    db.add(Token(digest=credential_digest(settings, token), user_id=user.id,
                 expires_at=expires_at))
    return token, expires_at


def revoke_token(db: Session, settings: Settings, token: str) -> None:
    row = db.scalar(select(Token).where(Token.digest == credential_digest(settings, token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_other_tokens(db: Session, settings: Settings, user: User,
                        keep: str | None) -> None:
    """Revoke every live token of `user` but `keep` (the one in use; None: all)."""
    kept = credential_digest(settings, keep) if keep else ""
    db.execute(update(Token).where(
        Token.user_id == user.id, Token.revoked_at.is_(None), Token.digest != kept,
    ).values(revoked_at=utcnow()))


def _from(address: str | None):
    return LoginFailure.address.is_(None) if address is None else LoginFailure.address == address


def locked_for(db: Session, settings: Settings, username: str, address: str | None) -> int:
    """Seconds until `username` may try a password again from `address`; 0 when
    it may now.

    Locked while the window holds `login_max_failures` failures for the pair:
    it opens when enough of the oldest have left the window. Counting by
    username alone would let anyone lock `admin` out from anywhere.
    """
    window = dt.timedelta(minutes=settings.login_window_minutes)
    now = utcnow()
    failures = db.scalars(select(LoginFailure.at).where(
        LoginFailure.username == username, _from(address), LoginFailure.at > now - window,
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


def clear_failures(db: Session, username: str, address=...) -> None:
    """Forget `username`'s failures from `address` (from every address when
    not given: an admin's password reset)."""
    where = [LoginFailure.username == username]
    if address is not ...:
        where.append(_from(address))
    db.execute(delete(LoginFailure).where(*where))


def refuse_while_locked(db: Session, settings: Settings, username: str,
                        address: str | None) -> None:
    """429 with Retry-After while `username` is locked out at `address`."""
    seconds = locked_for(db, settings, username, address)
    if seconds:
        log.warning("locked-out username %r tried again from %s", username[:64], address)
        raise refusal(status.HTTP_429_TOO_MANY_REQUESTS, "sign_in_locked",
                      headers={"Retry-After": str(seconds)}, seconds=seconds)


def ensure_admin(db: Session, settings: Settings) -> str | None:
    """Add the bootstrap user `admin` if missing, named 系统管理员, with
    LUOSHI_ADMIN_PASSWORD or else a random password, which is returned for the
    caller to show once the user is committed."""
    if db.scalar(select(User.id).where(User.username == "admin")) is not None:
        return None
    generated = None
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = generated = secrets.token_urlsafe(12)
    db.add(User(username="admin", password_hash=hash_password(password), role="admin",
                name=BOOTSTRAP_ADMIN_NAME))
    return generated
