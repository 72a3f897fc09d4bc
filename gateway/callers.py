"""The caller context the gateway signs for the services.

Every RPC that acts for someone carries `caller` ({"user", "role", "units"});
a service trusts it only with `issued_at` (ISO 8601 with offset) and
`signature`, the hex HMAC-SHA256 under LUOSHI_CALLER_KEY of the canonical form
below (docs/contracts.md). The services verify it in one place
(services/common/callers.py), the same rules kept apart because the gateway
imports no service code; a logic test checks the two agree.
"""
import datetime as dt
import hashlib
import hmac
import json

SIGNED_FIELDS = ("user", "role", "units")


def canonical(caller: dict, issued_at: str) -> bytes:
    values = {field: caller.get(field) for field in SIGNED_FIELDS}
    values["issued_at"] = issued_at
    return json.dumps(values, sort_keys=True, ensure_ascii=True,
                      separators=(",", ":")).encode("ascii")


def sign(caller: dict, key: bytes, now: dt.datetime | None = None) -> dict:
    """`caller` with its proof, signed `now` (default: this moment)."""
    now = now or dt.datetime.now(dt.UTC)
    issued_at = now.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    plain = {field: caller.get(field) for field in SIGNED_FIELDS}
    proof = hmac.new(key, canonical(plain, issued_at), hashlib.sha256).hexdigest()
    return {**plain, "issued_at": issued_at, "signature": proof}


def signed_kwargs(kwargs: dict, key: bytes) -> dict:
    """The keywords of an RPC with its `caller`, if any, signed at this moment."""
    caller = kwargs.get("caller")
    if not isinstance(caller, dict):
        return kwargs
    return {**kwargs, "caller": sign(caller, key)}
