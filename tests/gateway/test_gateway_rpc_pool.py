"""The pool of cluster proxies, with nameko's ClusterRpcProxy replaced by a
stand-in that records how it is started and stopped."""
import datetime as dt
import threading
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from nameko.exceptions import RemoteError, RpcTimeout

from gateway import rpc as rpc_module
from gateway.app import create_app
from gateway.rpc import LentProxy, RpcPool, ServicesUnavailable, all_items
from services.common.callers import trusted


class StandInProxy:
    """Replaces ClusterRpcProxy: `start()` gives a proxy whose calls run `behaviour`."""

    started: ClassVar[list] = []
    refuse_to_start = False
    behaviour = staticmethod(lambda service, method, kwargs: {"service": service, **kwargs})

    def __init__(self, config, timeout=None):
        self.config, self.timeout, self.stopped = config, timeout, False

    def start(self):
        if StandInProxy.refuse_to_start:
            raise ConnectionRefusedError(111, "Connection refused")
        StandInProxy.started.append(self)
        return _Cluster()

    def stop(self):
        self.stopped = True


class _Cluster:
    def __getattr__(self, service):
        return _Service(service)


class _Service:
    def __init__(self, name):
        self.name = name

    def __getattr__(self, method):
        return lambda **kwargs: StandInProxy.behaviour(self.name, method, kwargs)


@pytest.fixture(autouse=True)
def stand_in(monkeypatch):
    monkeypatch.setattr(rpc_module, "ClusterRpcProxy", StandInProxy)
    monkeypatch.setattr(StandInProxy, "started", [])
    monkeypatch.setattr(StandInProxy, "refuse_to_start", False)
    # Saved so that a test's own behaviour is undone after it.
    monkeypatch.setattr(StandInProxy, "behaviour", StandInProxy.__dict__["behaviour"])
    return StandInProxy


def test_nothing_connects_before_the_first_call():
    pool = RpcPool("amqp://broker/", size=3, timeout=1)
    assert StandInProxy.started == []
    with pool.connection() as proxy:
        assert proxy.tasks.get_unit(code="U01") == {"service": "tasks", "code": "U01"}
    assert len(StandInProxy.started) == 1
    assert StandInProxy.started[0].config == {"AMQP_URI": "amqp://broker/", "serializer": "json"}
    assert StandInProxy.started[0].timeout == 1


def test_a_proxy_is_reused_by_later_requests():
    pool = RpcPool("amqp://broker/", size=2, timeout=1)
    for _ in range(5):
        with pool.connection() as proxy:
            proxy.tasks.list_units()
    assert len(StandInProxy.started) == 1


def test_concurrent_requests_get_their_own_proxies_up_to_the_size():
    pool = RpcPool("amqp://broker/", size=2, timeout=0.2)
    with pool.connection() as first, pool.connection() as second:
        assert first is not second
        with pytest.raises(ServicesUnavailable, match="busy"), pool.connection():
            pass
    assert len(StandInProxy.started) == 2


def test_a_waiting_request_gets_the_next_free_proxy():
    pool = RpcPool("amqp://broker/", size=1, timeout=5)
    taken, release, got = threading.Event(), threading.Event(), []

    def hold():
        with pool.connection():
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)

    def wait_for_it():
        with pool.connection() as proxy:
            got.append(proxy)

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    release.set()
    holder.join(5)
    waiter.join(5)
    assert len(got) == 1 and len(StandInProxy.started) == 1


def test_a_broker_that_is_down_is_services_unavailable_and_retried_next_time(stand_in):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)
    stand_in.refuse_to_start = True
    with pytest.raises(ServicesUnavailable), pool.connection():
        pass
    stand_in.refuse_to_start = False
    with pool.connection() as proxy:
        assert proxy.tasks.get_unit(code="U01")


@pytest.mark.parametrize("broken", [
    ConnectionResetError(104, "Connection reset by peer"),
    RuntimeError("This consumer has been disconnected, and can no longer be used"),
])
def test_a_broken_connection_is_dropped_and_reconnected(stand_in, broken):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)

    def fail(service, method, kwargs):
        raise broken

    stand_in.behaviour = staticmethod(fail)
    with pytest.raises(ServicesUnavailable), pool.connection() as proxy:
        proxy.tasks.get_unit(code="U01")
    assert StandInProxy.started[0].stopped
    with pool.connection():
        pass
    assert len(StandInProxy.started) == 2


def test_an_rpc_timeout_is_raised_and_drops_the_proxy(stand_in):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)

    def slow(service, method, kwargs):
        raise RpcTimeout(1)

    stand_in.behaviour = staticmethod(slow)
    with pytest.raises(RpcTimeout), pool.connection() as proxy:
        proxy.tasks.get_unit(code="U01")
    assert StandInProxy.started[0].stopped


def test_a_remote_error_keeps_the_proxy(stand_in):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)

    def refuse(service, method, kwargs):
        raise RemoteError("NotFound", "no such unit")

    stand_in.behaviour = staticmethod(refuse)
    with pytest.raises(RemoteError), pool.connection() as proxy:
        proxy.tasks.get_unit(code="U9")
    with pool.connection():
        pass
    assert len(StandInProxy.started) == 1 and not StandInProxy.started[0].stopped


def test_a_long_idle_proxy_is_replaced(monkeypatch):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)
    with pool.connection():
        pass
    monkeypatch.setattr(rpc_module, "MAX_IDLE_SECONDS", -1)
    with pool.connection():
        pass
    assert [proxy.stopped for proxy in StandInProxy.started] == [True, False]


def test_close_stops_idle_proxies_and_those_that_come_back_later():
    pool = RpcPool("amqp://broker/", size=2, timeout=1)
    with pool.connection():
        pass
    with pool.connection() as _busy:
        with pool.connection():
            pass
        pool.close()
    assert all(proxy.stopped for proxy in StandInProxy.started)


def test_a_request_borrows_a_slot_on_its_first_call_and_gives_it_back():
    pool = RpcPool("amqp://broker/", size=1, timeout=0.2)
    lent = LentProxy(pool)
    assert getattr(lent, "__wrapped__", None) is None  # introspection borrows nothing
    assert not lent.holds_a_slot and StandInProxy.started == []
    assert lent.tasks.get_unit(code="U01") == {"service": "tasks", "code": "U01"}
    assert lent.warnings.get_dashboard() == {"service": "warnings"}  # the same slot
    assert lent.holds_a_slot and len(StandInProxy.started) == 1
    with pytest.raises(ServicesUnavailable, match="busy"), pool.connection():
        pass
    lent.give_back()
    lent.give_back()  # twice is harmless
    with pytest.raises(RuntimeError, match="after the end"):
        lent.tasks.get_unit(code="U01")  # would hold a slot for good
    with pool.connection() as proxy:
        assert proxy.tasks.get_unit(code="U02")
    assert len(StandInProxy.started) == 1 and not StandInProxy.started[0].stopped


def test_a_request_that_broke_its_connection_drops_it_on_giving_back(stand_in):
    pool = RpcPool("amqp://broker/", size=1, timeout=1)
    lent = LentProxy(pool)

    def fail(service, method, kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")

    stand_in.behaviour = staticmethod(fail)
    with pytest.raises(ConnectionResetError) as caught:
        lent.tasks.get_unit(code="U01")
    with pytest.raises(ServicesUnavailable, match="broke"):
        lent.give_back(caught.value)
    assert StandInProxy.started[0].stopped
    with pool.connection():  # the slot came back, and connects afresh
        pass
    assert len(StandInProxy.started) == 2


def test_the_one_screen_at_hand_is_answered_while_every_slot_is_busy(settings, stand_in):
    stand_in.behaviour = staticmethod(lambda service, method, kwargs: (
        {"counts": {"green": 1, "yellow": 0, "red": 0}, "units": []}
        if method == "get_dashboard" else {"items": [], "total": 0}))
    with TestClient(create_app(settings.model_copy(update={"rpc_timeout": 0.5}))) as client:
        headers = signed_in_as_admin(client)
        first = client.get("/api/v1/dashboard", headers=headers)
        assert first.status_code == 200
        with client.app.state.rpc_pool.connection():  # the only slot, held elsewhere
            again = client.get("/api/v1/dashboard", headers=headers)
            units = client.get("/api/v1/units/U01", headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert units.status_code == 503  # a route that does call still waits, then says so


def test_all_items_pages_through_a_list():
    items = list(range(2345))
    calls = []

    def list_things(limit, offset, **filters):
        calls.append((limit, offset, filters))
        return {"items": items[offset:offset + limit], "total": len(items)}

    assert all_items(list_things, colour="red") == items
    assert calls == [(1000, 0, {"colour": "red"}), (1000, 1000, {"colour": "red"}),
                     (1000, 2000, {"colour": "red"})]


def signed_in_as_admin(client):
    token = client.post("/api/v1/auth/token",
                        data={"username": "admin", "password": "admin-test-password"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_routes_use_the_pool_when_not_overridden(settings, stand_in):
    with TestClient(create_app(settings)) as client:
        headers = signed_in_as_admin(client)
        response = client.get("/api/v1/units/U01", headers=headers)
    answer = response.json()
    assert (answer["service"], answer["code"]) == ("tasks", "U01")
    # The caller leaves signed, as a service will only trust it so.
    assert trusted(answer["caller"], settings.caller_key.get_secret_value().encode(),
                   dt.datetime.now(dt.UTC), dt.timedelta(seconds=60)) == {
        "user": "admin", "role": "admin", "units": None}
    assert StandInProxy.started[0].stopped  # the app closed its pool on shutdown


def test_every_call_is_reported_with_its_service_method_and_outcome(stand_in):
    seen = []
    pool = RpcPool("amqp://broker/", size=1, timeout=1,
                   observe=lambda *args: seen.append(args[:3]))

    def behaviour(service, method, kwargs):
        if method == "get_task":
            raise RemoteError("NotFound", "no such task")
        if method == "evaluate":
            raise RpcTimeout(1)
        return {}

    stand_in.behaviour = staticmethod(behaviour)
    with pool.connection() as proxy:
        proxy.tasks.list_units()
        with pytest.raises(RemoteError):
            proxy.tasks.get_task(code="T-9")
    with pytest.raises(RpcTimeout), pool.connection() as proxy:
        proxy.warnings.evaluate(as_of="2026-01-01")
    assert seen == [("tasks", "list_units", "ok"), ("tasks", "get_task", "remote_error"),
                    ("warnings", "evaluate", "timeout")]
