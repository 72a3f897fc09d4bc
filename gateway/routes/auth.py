"""Sign-in, sign-out, password changes, and the admin's users and API keys."""
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth import (
    Admin,
    CurrentCaller,
    authenticate,
    bearer_scheme,
    check_password,
    clear_failures,
    client_address,
    credential_digest,
    hash_password,
    issue_token,
    new_credential,
    record_failure,
    refuse_while_locked,
    revoke_other_tokens,
    revoke_token,
)
from ..db import DbSession
from ..models import ApiKey, User, utcnow
from ..schemas import (
    ApiKeyIn,
    ApiKeyOut,
    ApiKeySummary,
    CallerOut,
    PasswordChangeIn,
    TokenOut,
    UserIn,
    UserOut,
)
from ..text import MESSAGES, text_problem
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["auth"])

# Database ids are signed 64-bit integers; a larger number is a 422, not a
# failure deep in a driver.
KeyId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("/auth/token", response_model=TokenOut)
def sign_in(request: Request, db: DbSession,
            form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    """Exchange a username and password for a bearer token.

    After LUOSHI_LOGIN_MAX_FAILURES wrong passwords for a username within
    LUOSHI_LOGIN_WINDOW_MINUTES, that username is refused with 429 and
    Retry-After, even with the right password, until the window has moved on.
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
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "incorrect username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    clear_failures(db, user.username)
    token, expires_at = issue_token(db, settings, user)
    return TokenOut(access_token=token, expires_at=expires_at.replace(tzinfo=dt.UTC))


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(request: Request, body: PasswordChangeIn, db: DbSession,
                    caller: CurrentCaller,
                    token: Annotated[str | None, Depends(bearer_scheme)]):
    """Change the signed-in user's password; every other token of the user is
    revoked, this one stays valid. A wrong `current` counts towards the
    lock-out like a failed sign-in."""
    if caller.api_key is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an API key has no password")
    settings = request.app.state.settings
    address = client_address(request)
    refuse_while_locked(db, settings, caller.user, address)
    user = db.scalar(select(User).where(User.username == caller.user))
    if not check_password(user, body.current):
        record_failure(request.app.state.db, settings, caller.user, address)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    user.password_hash = hash_password(body.new)
    revoke_other_tokens(db, settings, user, keep=token)
    clear_failures(db, user.username)
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
                     api_key=caller.api_key)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, db: DbSession, caller: Admin):
    user = User(username=body.username, password_hash=hash_password(body.password),
                role=body.role, unit=body.unit)
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"user {body.username} exists") from None
    return UserOut(id=user.id, username=user.username, role=user.role, unit=user.unit)


@router.get("/users", response_model=list[UserOut])
def list_users(db: DbSession, caller: Admin):
    """Every user with its role and unit; never a password."""
    return [UserOut(id=row.id, username=row.username, role=row.role, unit=row.unit)
            for row in db.scalars(select(User).order_by(User.id))]


@router.post("/api-keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED)
def create_api_key(request: Request, body: ApiKeyIn, db: DbSession, caller: Admin):
    """A key for a machine client, scoped to `units`; the key is answered only here."""
    key = new_credential()
    row = ApiKey(name=body.name, units=body.units,
                 digest=credential_digest(request.app.state.settings, key))
    db.add(row)
    try:
        db.flush()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"API key {body.name} exists") from None
    return ApiKeyOut(id=row.id, name=row.name, units=row.units, key=key)


@router.get("/api-keys", response_model=list[ApiKeySummary])
def list_api_keys(db: DbSession, caller: Admin):
    """Every API key, revoked ones included, with its last use; never a secret."""
    return [ApiKeySummary.of(row) for row in db.scalars(select(ApiKey).order_by(ApiKey.id))]


def _api_key(db, key_id: int) -> ApiKey:
    row = db.get(ApiKey, key_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no API key {key_id}")
    return row


@router.post("/api-keys/{key_id}/rotate", response_model=ApiKeyOut)
def rotate_api_key(request: Request, key_id: KeyId, db: DbSession, caller: Admin):
    """A new secret for the key, answered only here; the old one stops working
    at once. A revoked key is not brought back (409)."""
    row = _api_key(db, key_id)
    if row.revoked_at is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"API key {key_id} is revoked")
    key = new_credential()
    row.digest = credential_digest(request.app.state.settings, key)
    row.rotated_at = utcnow()
    return ApiKeyOut(id=row.id, name=row.name, units=row.units, key=key)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: KeyId, db: DbSession, caller: Admin):
    row = _api_key(db, key_id)
    row.revoked_at = row.revoked_at or utcnow()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
