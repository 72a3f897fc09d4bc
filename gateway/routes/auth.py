"""Sign-in, sign-out, password changes, and the admin's users and API keys.

An admin's change of a user (disable, role, unit, password reset) revokes the
user's tokens in the same transaction, so its next request is a 401.
"""
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import auth
from ..auth import (
    Admin,
    CurrentCaller,
    authenticate,
    bearer_scheme,
    check_password,
    clear_failures,
    client_address,
    credential_digest,
    forget_callers,
    hash_password,
    issue_token,
    new_credential,
    record_failure,
    refuse_while_locked,
    revoke_other_tokens,
    revoke_token,
)
from ..db import DbSession
from ..messages import refusal
from ..models import ApiKey, User, utcnow
from ..rpc import Rpc, all_items
from ..schemas import (
    ApiKeyIn,
    ApiKeyOut,
    ApiKeySummary,
    CallerOut,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatchIn,
)
from ..text import MESSAGES, text_problem
from .version import PREFIX

# Every change of users, tokens and keys is seen at once by the next request here.
router = APIRouter(prefix=PREFIX, tags=["auth"],
                   dependencies=[Depends(forget_callers, scope="function")])

# Database ids are signed 64-bit integers; a larger number is a 422, not a
# failure deep in a driver.
KeyId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Username = Annotated[str, Path(min_length=1, max_length=64)]
# Roles that must name the unit they act for.
UNIT_ROLES = ("operator", "evaluator")


def require_units_exist(rpc, caller, codes) -> None:
    """422 naming every code the tasks service does not know."""
    wanted = {code for code in codes if code}
    if not wanted:
        return
    known = {unit["code"] for unit in all_items(rpc.tasks.list_units, caller=caller.as_rpc())}
    unknown = sorted(wanted - known)
    if unknown:
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown_units",
                      units="、".join(unknown))


@router.post("/auth/token", response_model=TokenOut)
def sign_in(request: Request, db: DbSession,
            form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    """Exchange a username and password for a bearer token.

    After LUOSHI_LOGIN_MAX_FAILURES wrong passwords for a username within
    LUOSHI_LOGIN_WINDOW_MINUTES, that username is refused with 429 and
    Retry-After, even with the right password, until the window has moved on.
    The lock-out holds for the username from that address only, so that no
    one can lock another user out from elsewhere. A disabled user is refused
    (401, code `user_disabled`); after an admin's password reset the token
    answers `must_change_password` and reaches only the password change.
    """
    settings = request.app.state.settings
    address = client_address(request)
    request.app.state.rate_limiter.take(f"address:{address}")
    for field in ("username", "password"):
        # A form is no schema: checked here before the username is looked up.
        problem = text_problem(getattr(form, field), max_length=256)
        if problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["body", field], "msg": MESSAGES[problem], "type": problem}])
    refuse_while_locked(db, settings, form.username, address)
    user = authenticate(db, form.username, form.password)
    if user is None:
        record_failure(request.app.state.db, settings, form.username, address)
        raise refusal(status.HTTP_401_UNAUTHORIZED, "bad_credentials",
                      headers={"WWW-Authenticate": "Bearer"})
    if user.disabled_at is not None:
        raise refusal(status.HTTP_401_UNAUTHORIZED, "user_disabled",
                      headers={"WWW-Authenticate": "Bearer"})
    clear_failures(db, user.username, address)
    user.last_sign_in_at, user.last_sign_in_from = utcnow(), address
    token, expires_at = issue_token(db, settings, user)
    return TokenOut(access_token=token, expires_at=expires_at.replace(tzinfo=dt.UTC),
                    must_change_password=bool(user.must_change_password))


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(request: Request, body: PasswordChangeIn, db: DbSession,
                    caller: CurrentCaller,
                    token: Annotated[str | None, Depends(bearer_scheme)]):
    """Change the signed-in user's password; every other token of the user is
    revoked, this one stays valid. A wrong `current` counts towards the
    lock-out like a failed sign-in. It ends the need to change a password an
    admin reset."""
    if caller.api_key is not None:
        raise refusal(status.HTTP_403_FORBIDDEN, "no_password_for_key")
    settings = request.app.state.settings
    address = client_address(request)
    refuse_while_locked(db, settings, caller.user, address)
    user = db.scalar(select(User).where(User.username == caller.user))
    if not check_password(user, body.current):
        record_failure(request.app.state.db, settings, caller.user, address)
        raise refusal(status.HTTP_403_FORBIDDEN, "current_password_wrong")
    user.password_hash = hash_password(body.new)
    user.must_change_password = False
    revoke_other_tokens(db, settings, user, keep=token)
    clear_failures(db, user.username, address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, db: DbSession, caller: CurrentCaller,
             token: Annotated[str | None, Depends(bearer_scheme)]):
    """Revoke the bearer token of this request."""
    if token:
        revoke_token(db, request.app.state.settings, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=CallerOut)
def who_am_i(caller: CurrentCaller):
    return CallerOut(user=caller.user, role=caller.role, units=caller.units,
                     api_key=caller.api_key, must_change_password=caller.must_change_password,
                     read_only=caller.read_only, name=caller.name)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, db: DbSession, caller: Admin, rpc: Rpc):
    """A user; its unit must be one the tasks service knows (422 otherwise)."""
    require_units_exist(rpc, caller, [body.unit])
    user = User(username=body.username, password_hash=hash_password(body.password),
                role=body.role, unit=body.unit, name=body.name, phone=body.phone)
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        raise refusal(status.HTTP_409_CONFLICT, "user_exists", username=body.username) from None
    return UserOut.of(user)


@router.get("/users", response_model=list[UserOut])
def list_users(db: DbSession, caller: Admin):
    """Every user with its role, unit, status (`active`, `disabled`,
    `password_reset`) and last sign-in; never a password."""
    return [UserOut.of(row) for row in db.scalars(select(User).order_by(User.id))]


def _user(db, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise refusal(status.HTTP_404_NOT_FOUND, "user_not_found", username=username)
    return user


def _other_live_admins(db, user: User) -> int:
    return db.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.disabled_at.is_(None), User.id != user.id))


@router.patch("/users/{username}", response_model=UserOut)
def change_user(request: Request, username: Username, body: UserPatchIn, db: DbSession,
                caller: Admin, rpc: Rpc):
    """Disable or enable a user, change its role or unit, or its name and phone.
    A change of what it may do revokes every token of the user at once, so its
    next request is a 401 and it signs in again under what it now is; a new name
    or phone does not. The last enabled admin can be neither disabled nor
    demoted (409); a new unit must exist (422)."""
    user = _user(db, username)
    given = body.model_fields_set
    role = body.role if "role" in given and body.role is not None else user.role
    unit = body.unit if "unit" in given else user.unit
    if role in UNIT_ROLES and unit is None:
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "unit_needed",
                      role=auth.ROLE_NAMES[role])
    if unit != user.unit:
        require_units_exist(rpc, caller, [unit])
    losing_admin = user.role == "admin" and (role != "admin" or body.disabled)
    if losing_admin and user.disabled_at is None and not _other_live_admins(db, user):
        raise refusal(status.HTTP_409_CONFLICT, "last_admin")
    disabled_at = user.disabled_at
    if body.disabled is not None:
        disabled_at = (user.disabled_at or utcnow()) if body.disabled else None
    access_changed = (role, unit, disabled_at) != (user.role, user.unit, user.disabled_at)
    user.role, user.unit, user.disabled_at = role, unit, disabled_at
    for field in ("name", "phone"):
        if field in given:
            setattr(user, field, getattr(body, field))
    if access_changed:
        revoke_other_tokens(db, request.app.state.settings, user, keep=None)
    return UserOut.of(user)


@router.post("/users/{username}/password-reset", response_model=PasswordResetOut)
def reset_password(request: Request, username: Username, db: DbSession, caller: Admin,
                   body: PasswordResetIn | None = None):
    """Set a temporary password (the body's, else a drawn one, answered only
    here); the user must change it at its next sign-in. Every token of the
    user is revoked and its failed sign-ins forgotten."""
    user = _user(db, username)
    password = body.password if body and body.password else new_credential()[:16]
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoke_other_tokens(db, request.app.state.settings, user, keep=None)
    clear_failures(db, user.username)
    return PasswordResetOut(username=user.username, password=password)


@router.post("/api-keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED)
def create_api_key(request: Request, body: ApiKeyIn, db: DbSession, caller: Admin, rpc: Rpc):
    """A key for a machine client, scoped to `units` (each must exist, 422
    otherwise), `read` or `write`, expiring at `expires_at` when given; the
    key is answered only here."""
    if body.expires_at is not None and body.expires_at.replace(tzinfo=None) <= utcnow():
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "expiry_in_past")
    require_units_exist(rpc, caller, body.units)
    key = new_credential()
    row = ApiKey(name=body.name, units=body.units, access=body.access,
                 expires_at=body.expires_at.replace(tzinfo=None) if body.expires_at else None,
                 digest=credential_digest(request.app.state.settings, key))
    db.add(row)
    try:
        db.flush()
    except IntegrityError:
        raise refusal(status.HTTP_409_CONFLICT, "api_key_exists", name=body.name) from None
    return _key_out(row, key)


def _key_out(row: ApiKey, key: str) -> ApiKeyOut:
    return ApiKeyOut(id=row.id, name=row.name, units=row.units, key=key,
                     expires_at=row.expires_at.replace(tzinfo=dt.UTC) if row.expires_at else None,
                     access=row.access or "write")


@router.get("/api-keys", response_model=list[ApiKeySummary])
def list_api_keys(db: DbSession, caller: Admin):
    """Every API key, revoked ones included, with its last use; never a secret."""
    return [ApiKeySummary.of(row) for row in db.scalars(select(ApiKey).order_by(ApiKey.id))]


def _api_key(db, key_id: int) -> ApiKey:
    row = db.get(ApiKey, key_id)
    if row is None:
        raise refusal(status.HTTP_404_NOT_FOUND, "api_key_not_found", key_id=key_id)
    return row


@router.post("/api-keys/{key_id}/rotate", response_model=ApiKeyOut)
def rotate_api_key(request: Request, key_id: KeyId, db: DbSession, caller: Admin):
    """A new secret for the key, answered only here; the old one stops working
    at once. A revoked key is not brought back (409)."""
    row = _api_key(db, key_id)
    if row.revoked_at is not None:
        raise refusal(status.HTTP_409_CONFLICT, "api_key_revoked", key_id=key_id)
    key = new_credential()
    row.digest = credential_digest(request.app.state.settings, key)
    row.rotated_at = utcnow()
    return _key_out(row, key)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: KeyId, db: DbSession, caller: Admin):
    row = _api_key(db, key_id)
    row.revoked_at = row.revoked_at or utcnow()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
