"""The caller's scope, passed in every RPC that acts for someone.

`caller` is {"user", "role", "units"}; `units` None means every unit. The gateway
checks it too, but a service never trusts that alone. Who may do what is the
authorisation table (policy/authorisation.json), which the gateway follows too:
`require_allowed` and `allowed` read it.
"""
from policy import policy, relation

from .errors import Forbidden

ROLES = ("admin", "leader", "operator", "evaluator")


def role(caller):
    return (caller or {}).get("role")


def require_role(caller, *roles):
    if role(caller) not in roles:
        raise Forbidden("not allowed for this role")


def require_writer(caller):
    """Leaders read everything and write nothing."""
    if role(caller) not in ("admin", "operator", "evaluator"):
        raise Forbidden("not allowed for this role")


def unit_scope(caller):
    """The unit codes the caller acts for, or None for every unit."""
    if caller is None:
        raise Forbidden("no caller")
    if caller.get("role") in ("admin", "leader") and caller.get("units") is None:
        return None
    return set(caller.get("units") or ())


def require_allowed(caller, action):
    """Forbidden unless the caller's role may do `action` on some unit."""
    if not policy().role_may(action, role(caller)):
        raise Forbidden("not allowed for this role")


def allowed(caller, action, unit, covers_below=None):
    """Whether the caller may do `action` on `unit` by the authorisation table.
    `covers_below(unit)`: whether the unit lies under one of the caller's (a
    service that does not know the unit tree passes none)."""
    if caller is None:
        return False
    units = None if caller.get("role") in ("admin", "leader") and caller.get("units") is None \
        else (caller.get("units") or ())
    return policy().allows(action, role(caller), relation(units, unit, covers_below))
