"""A service trusts only callers the gateway signed: over the broker, as anyone
with broker credentials would call it, an unsigned or tampered admin caller is
refused before the entrypoint runs, and a signed one is served."""
import datetime as dt

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy

from services.common.callers import sign
from services.common.settings import LOCAL_CALLER_KEY
from services.tasks.service import Service
from tests.support.services import prepare, service_config

ADMIN = {"user": "admin", "role": "admin", "units": None}
UNIT = {"code": "yz", "name": "袁州区", "kind": "county"}


@pytest.fixture
def tasks(container_factory, amqp_uri, tmp_path):
    config = service_config(amqp_uri, tmp_path)
    prepare(config, "tasks")
    container = container_factory(Service, config)
    container.start()
    with ServiceRpcProxy("tasks", config, timeout=30) as proxy:
        yield proxy


def signed(caller, key=LOCAL_CALLER_KEY.encode()):
    return sign(caller, key, dt.datetime.now(dt.UTC))


def refused_code(call):
    with pytest.raises(RemoteError) as raised:
        call()
    assert raised.value.exc_type == "CallerNotTrusted"
    return raised.value.value


def test_an_unsigned_admin_caller_is_refused(tasks):
    assert "caller_unsigned" in refused_code(lambda: tasks.create_unit(UNIT, caller=ADMIN))
    # By position as by keyword.
    assert "caller_unsigned" in refused_code(lambda: tasks.create_unit(UNIT, ADMIN))
    assert tasks.list_units(caller=signed(ADMIN))["total"] == 0  # nothing was created


def test_a_tampered_or_foreign_caller_is_refused(tasks):
    operator = signed({"user": "op", "role": "operator", "units": ["zs"]})
    assert "caller_bad_signature" in refused_code(
        lambda: tasks.create_unit(UNIT, caller={**operator, "role": "admin", "units": None}))
    assert "caller_bad_signature" in refused_code(
        lambda: tasks.create_unit(UNIT, caller=signed(ADMIN, key=b"guessed")))
    assert tasks.list_units(caller=signed(ADMIN))["total"] == 0


def test_a_signed_caller_is_served_and_calls_without_one_still_work(tasks):
    assert tasks.create_unit(UNIT, caller=signed(ADMIN))["code"] == "yz"
    assert tasks.list_units(caller=signed(ADMIN))["total"] == 1
    assert tasks.health()["status"] == "ok"
