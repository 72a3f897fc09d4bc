"""The caller context the gateway signs and the services verify: what one
signs the other trusts, and nothing else (unsigned, tampered, extended, stale,
from the future or under another key)."""
import datetime as dt

import pytest

from gateway import callers as gateway_callers
from gateway.settings import Settings
from services.common import callers
from services.common.errors import CallerNotTrusted
from services.common.settings import ServiceSettings, SettingsError

KEY = b"a-real-shared-key"
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
AGE = dt.timedelta(seconds=120)
ADMIN = {"user": "admin", "role": "admin", "units": None}
OPERATOR = {"user": "yz-op", "role": "operator", "units": ["yz"]}


def refusal(caller, now=NOW, key=KEY):
    with pytest.raises(CallerNotTrusted) as raised:
        callers.trusted(caller, key, now, AGE)
    return raised.value.detail["code"]


@pytest.mark.parametrize("caller", [ADMIN, OPERATOR, {"user": "张三", "role": "evaluator",
                                                      "units": ["U01", "U02"]}])
def test_what_the_gateway_signs_a_service_trusts(caller):
    signed = gateway_callers.sign(caller, KEY, NOW)
    assert signed == callers.sign(caller, KEY, NOW)  # the two copies agree
    assert callers.trusted(signed, KEY, NOW + dt.timedelta(seconds=5), AGE) == caller


def test_no_caller_is_no_one():
    assert callers.trusted(None, KEY, NOW, AGE) is None


def test_an_unsigned_caller_is_refused():
    assert refusal(dict(ADMIN)) == "caller_unsigned"
    assert refusal({**ADMIN, "issued_at": NOW.isoformat()}) == "caller_unsigned"
    assert refusal("admin") == "caller_unsigned"


def test_a_tampered_caller_is_refused():
    signed = gateway_callers.sign(OPERATOR, KEY, NOW)
    assert refusal({**signed, "role": "admin"}) == "caller_bad_signature"
    assert refusal({**signed, "units": None}) == "caller_bad_signature"
    assert refusal({**signed, "issued_at": NOW.isoformat()}) == "caller_bad_signature"
    assert refusal({**signed, "extra": "x"}) == "caller_bad_signature"
    assert refusal(signed, key=b"another-key") == "caller_bad_signature"


def test_a_stale_or_future_caller_is_refused():
    signed = gateway_callers.sign(ADMIN, KEY, NOW)
    assert callers.trusted(signed, KEY, NOW + AGE, AGE) == ADMIN
    assert refusal(signed, now=NOW + AGE + dt.timedelta(seconds=1)) == "caller_stale"
    assert refusal(signed, now=NOW - AGE - dt.timedelta(seconds=1)) == "caller_stale"


def test_the_refusal_says_in_chinese_what_to_do():
    with pytest.raises(CallerNotTrusted) as raised:
        callers.trusted(dict(ADMIN), KEY, NOW, AGE)
    assert "签名" in raised.value.detail["message"]


def test_a_placeholder_key_is_refused_outside_local_development():
    with pytest.raises(SettingsError, match="LUOSHI_CALLER_KEY"):
        ServiceSettings.from_config({"LUOSHI_ENV": "production"})
    assert ServiceSettings.from_config({"LUOSHI_ENV": "production",
                                        "LUOSHI_CALLER_KEY": "k" * 32}).env == "production"
    with pytest.raises(ValueError, match="LUOSHI_CALLER_KEY"):
        Settings(env="production", secret="s" * 32, admin_password="p" * 16)
    Settings(env="production", secret="s" * 32, admin_password="p" * 16, caller_key="k" * 32)
