"""People's names beside the logins the services keep (who wrote, issued,
acknowledged, changed): the services record the login, a stable code machines
read; the gateway, which holds the users, adds the name people read at the time
they read it, so a person renamed shows under the new name everywhere."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User

# What the services record when no person acted: the warnings service issues
# notices and ranking freezes periods as "auto", notify acts as "system" without
# a caller; a county system's API key acts as "api-key:<the key's name>".
SYSTEM_ACTORS = {"auto", "system"}
SYSTEM = "系统"
API_KEY_PREFIX = "api-key:"


def names_of(db: Session, logins) -> dict[str, str]:
    """{login: the name people read} of each actor in `logins`: a user's name (its
    login when it has none recorded), 系统 for the platform itself, 接口密钥“name”
    for a county system's key."""
    wanted = {login for login in logins if login}
    names = {login: SYSTEM for login in wanted & SYSTEM_ACTORS}
    names |= {login: f"接口密钥“{login.removeprefix(API_KEY_PREFIX)}”"
              for login in wanted if login.startswith(API_KEY_PREFIX)}
    users = wanted - names.keys()
    if users:
        names |= {username: name or username for username, name in db.execute(
            select(User.username, User.name).where(User.username.in_(users)))}
    return {login: names.get(login, login) for login in wanted}


def with_names(db: Session, rows: list[dict], *fields: str) -> list[dict]:
    """`rows` with `<field>_name` beside each of `fields` (null where the field is),
    the login kept as it was; one query for all of them."""
    names = names_of(db, (row.get(field) for row in rows for field in fields))
    for row in rows:
        for field in fields:
            row[f"{field}_name"] = names.get(row.get(field))
    return rows
