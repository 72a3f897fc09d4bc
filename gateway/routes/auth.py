"""Sign-in, sign-out, and the admin's users and API keys."""
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.exc import IntegrityError

from ..auth import (
    Admin,
    CurrentCaller,
    authenticate,
    bearer_scheme,
    credential_digest,
    hash_password,
    issue_token,
    new_credential,
    revoke_token,
)
from ..db import DbSession
from ..models import ApiKey, User, utcnow
from ..schemas import ApiKeyIn, ApiKeyOut, CallerOut, TokenOut, UserIn, UserOut

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
def sign_in(request: Request, db: DbSession,
            form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    """Exchange a username and password for a bearer token."""
    user = authenticate(db, form.username, form.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "incorrect username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    token, expires_at = issue_token(db, request.app.state.settings, user)
    return TokenOut(access_token=token, expires_at=expires_at.replace(tzinfo=dt.UTC))


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


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: int, db: DbSession, caller: Admin):
    row = db.get(ApiKey, key_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no API key {key_id}")
    row.revoked_at = row.revoked_at or utcnow()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
