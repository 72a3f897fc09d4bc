"""The caller context of an RPC, signed by the gateway and verified here.

Whoever can publish to the broker can call any RPC entrypoint, so a service
trusts a `caller` ({"user", "role", "units"}) only when it carries the
gateway's signature: `issued_at` (ISO 8601 with offset) and `signature`, the
hex HMAC-SHA256, under the key the gateway and the services share
(LUOSHI_CALLER_KEY), of the canonical form below. A caller signed longer ago
than the allowed age (or as far ahead, for clocks that disagree) is refused,
so a captured caller cannot be replayed for long.

The canonical form is part of the contract (docs/contracts.md); the gateway
keeps its own copy (gateway/callers.py), since it imports no service code.
Pure code: no nameko, no settings. consuming.Rpc applies it to every RPC
entrypoint before the entrypoint runs.
"""
import datetime as dt
import hashlib
import hmac
import json

from .errors import CallerNotTrusted

SIGNED_FIELDS = ("user", "role", "units")
PROOF_FIELDS = ("issued_at", "signature")
# What a person reads when a refusal reaches the portal: the platform's own
# parts disagree, which the person cannot fix.
MESSAGES = {
    "caller_unsigned": "服务收到未经网关签名的调用者身份，已拒绝。请联系系统管理员检查部署配置。",
    "caller_bad_signature": ("服务无法核验调用者身份的签名，已拒绝。"
                             "请联系系统管理员核对网关与各服务的 LUOSHI_CALLER_KEY 是否一致。"),
    "caller_stale": ("调用者身份的签名已过期或时间不符，已拒绝。"
                     "请重试；如反复出现，请联系系统管理员校准各服务器的时钟。"),
}


def canonical(caller: dict, issued_at: str) -> bytes:
    """The bytes the signature covers: user, role, units and issued_at as JSON
    with sorted keys, no spaces and ASCII escapes."""
    values = {field: caller.get(field) for field in SIGNED_FIELDS}
    values["issued_at"] = issued_at
    return json.dumps(values, sort_keys=True, ensure_ascii=True,
                      separators=(",", ":")).encode("ascii")


def signature(key: bytes, caller: dict, issued_at: str) -> str:
    return hmac.new(key, canonical(caller, issued_at), hashlib.sha256).hexdigest()


def sign(caller: dict, key: bytes, now: dt.datetime) -> dict:
    """`caller` with its proof, as the gateway sends it (for tools and tests that
    call the services as the gateway would)."""
    issued_at = now.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    plain = {field: caller.get(field) for field in SIGNED_FIELDS}
    return {**plain, "issued_at": issued_at, "signature": signature(key, plain, issued_at)}


def _refuse(code: str) -> CallerNotTrusted:
    return CallerNotTrusted({"code": code, "message": MESSAGES[code]})


def trusted(caller, key: bytes, now: dt.datetime, max_age: dt.timedelta) -> dict | None:
    """The plain caller ({"user", "role", "units"}) of a signed one, or None
    for no caller (timers and the services' own calls act for no one, and an
    entrypoint given none grants nothing). Raises CallerNotTrusted for a caller
    without a proof, with a wrong signature, with fields the signature does not
    cover, or signed more than `max_age` from `now`."""
    if caller is None:
        return None
    if not isinstance(caller, dict) or not all(field in caller for field in PROOF_FIELDS):
        raise _refuse("caller_unsigned")
    issued_at, proof = caller["issued_at"], caller["signature"]
    if (set(caller) - set(SIGNED_FIELDS) - set(PROOF_FIELDS) or not isinstance(issued_at, str)
            or not isinstance(proof, str)):
        raise _refuse("caller_bad_signature")
    if not hmac.compare_digest(proof, signature(key, caller, issued_at)):
        raise _refuse("caller_bad_signature")
    try:
        issued = dt.datetime.fromisoformat(issued_at)
    except ValueError:
        raise _refuse("caller_bad_signature") from None
    if issued.tzinfo is None or abs(now - issued) > max_age:
        raise _refuse("caller_stale")
    return {field: caller.get(field) for field in SIGNED_FIELDS}
