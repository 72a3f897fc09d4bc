"""The caller's scope, passed in every RPC that acts for someone.

`caller` is {"user", "role", "units"}; `units` None means every unit. The gateway
checks it too, but a service never trusts that alone.
"""
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
