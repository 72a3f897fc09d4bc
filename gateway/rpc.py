"""Blocking RPC from FastAPI's worker threads to the nameko services.

A `ClusterRpcProxy` is single-threaded, so the gateway keeps a fixed number of
them and lends each to one request at a time, from its first call to the end of
its route.
"""
import logging
import queue
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from amqp.exceptions import AMQPError
from fastapi import Depends, Request
from kombu.exceptions import KombuError
from nameko.exceptions import RemoteError, RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy
from starlette.concurrency import run_in_threadpool

from .auth import CurrentCaller
from .callers import signed_kwargs
from .settings import LOCAL_CALLER_KEY

log = logging.getLogger(__name__)

# A proxy that raised one of these may hold a dead connection or a stale reply
# queue; it is dropped and its slot connects afresh on next use.
BROKEN = (OSError, AMQPError, KombuError, RpcTimeout, RuntimeError)
# The standalone proxy sends no heartbeats, so a firewall or load balancer may cut
# an idle connection silently; a proxy idle this long is replaced before use.
MAX_IDLE_SECONDS = 300
# Lists answer at most this many items a call (docs/contracts.md).
MAX_PAGE = 1000


class ServicesUnavailable(Exception):
    """The broker could not be reached, or every RPC connection stayed busy."""


@dataclass
class _Connection:
    standalone: ClusterRpcProxy
    proxy: object
    used_at: float

    def stop(self):
        try:
            self.standalone.stop()
        except Exception:  # a broken connection may fail to close; it is dropped anyway
            log.debug("closing an RPC proxy failed", exc_info=True)


class _SigningCluster:
    """A cluster proxy whose method calls sign their `caller` at the moment they
    are sent (callers.py), and report (service, method, outcome, seconds) to
    `observe` when given: `proxy.tasks.get_task(...)` as before."""

    def __init__(self, proxy, caller_key, observe):
        self._proxy, self._caller_key, self._observe = proxy, caller_key, observe

    def __getattr__(self, service):
        return _SigningService(getattr(self._proxy, service), service, self._caller_key,
                               self._observe)


class _SigningService:
    def __init__(self, proxy, service, caller_key, observe):
        self._proxy, self._service = proxy, service
        self._caller_key, self._observe = caller_key, observe

    def __getattr__(self, method):
        call = getattr(self._proxy, method)
        service, observe, key = self._service, self._observe, self._caller_key

        def timed(*args, **kwargs):
            kwargs = signed_kwargs(kwargs, key)
            if observe is None:
                return call(*args, **kwargs)
            started, outcome = time.perf_counter(), "error"
            try:
                answer = call(*args, **kwargs)
                outcome = "ok"
                return answer
            except RemoteError:
                outcome = "remote_error"
                raise
            except RpcTimeout:
                outcome = "timeout"
                raise
            finally:
                observe(service, method, outcome, time.perf_counter() - started)

        return timed


class RpcPool:
    """`size` slots in a queue, each holding a started proxy or None.

    A slot that is None connects when a request takes it, so nothing touches
    the broker before the first call, and a slot whose proxy broke reconnects
    on its next use. A request waits up to `timeout` seconds for a free slot.
    """

    def __init__(self, amqp_uri: str, size: int, timeout: float, observe=None,
                 caller_key: bytes = LOCAL_CALLER_KEY.encode()):
        self._config = {"AMQP_URI": amqp_uri, "serializer": "json"}
        self._caller_key = caller_key
        self._timeout = timeout
        # observe(service, method, outcome, seconds) after every call, for metrics.
        self._observe = observe
        self._closed = False
        # Last in, first out: the busiest proxies stay warm and the rest stay
        # unconnected until load needs them.
        self._slots = queue.LifoQueue()
        for _ in range(size):
            self._slots.put(None)

    def _connect(self) -> _Connection:
        standalone = ClusterRpcProxy(self._config, timeout=self._timeout)
        try:
            proxy = standalone.start()
        except BROKEN as exc:
            raise ServicesUnavailable("the message broker cannot be reached") from exc
        return _Connection(standalone, proxy, time.monotonic())

    @contextmanager
    def connection(self):
        """Lend a started cluster proxy (`proxy.tasks.get_task(...)`) for one request.

        Raises ServicesUnavailable when the broker is down or no slot frees up in
        time; an RPC timeout or a broken connection is re-raised after the proxy
        is dropped.
        """
        try:
            slot = self._slots.get(timeout=self._timeout)
        except queue.Empty:
            raise ServicesUnavailable("every RPC connection is busy") from None
        try:
            if slot is not None and time.monotonic() - slot.used_at > MAX_IDLE_SECONDS:
                slot.stop()
                slot = None
            if slot is None:
                slot = self._connect()
            yield _SigningCluster(slot.proxy, self._caller_key, self._observe)
            slot.used_at = time.monotonic()
        except BROKEN as exc:
            log.warning("dropping an RPC connection after %r", exc)
            if slot is not None:
                slot.stop()
                slot = None
            if isinstance(exc, RpcTimeout):
                raise
            raise ServicesUnavailable("the connection to the message broker broke") from exc
        finally:
            self._give_back(slot)

    def _give_back(self, slot):
        if self._closed and slot is not None:
            slot.stop()
            slot = None
        self._slots.put(slot)

    def close(self) -> None:
        """Stop every idle proxy; proxies lent out stop when they come back."""
        self._closed = True
        for _ in range(self._slots.qsize()):
            slot = self._slots.get_nowait()
            if slot is not None:
                slot.stop()
            self._slots.put(None)


class LentProxy:
    """The cluster proxy of one request, borrowed from the pool on its first RPC:
    a request answered without one (the one screen already at hand) neither waits
    for a slot nor hops to a thread for it."""

    def __init__(self, pool: RpcPool):
        self._pool = pool
        self._lent = None  # the pool's lending while a slot is held
        self._proxy = None
        self._ended = False

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)  # introspection must not borrow a slot
        if self._ended:
            # Borrowing again would hold a slot nothing gives back.
            raise RuntimeError("an RPC after the end of the route that was lent it")
        if self._proxy is None:
            lent = self._pool.connection()
            self._proxy = lent.__enter__()
            self._lent = lent
        return getattr(self._proxy, service)

    @property
    def holds_a_slot(self) -> bool:
        return self._lent is not None

    def give_back(self, error: BaseException | None = None) -> None:
        """Return the slot, if one was borrowed. With the route's `error` the pool
        drops a broken connection and may raise what the error means instead."""
        lent, self._lent, self._proxy = self._lent, None, None
        self._ended = True
        if lent is None:
            return
        if error is None:
            lent.__exit__(None, None, None)
        else:
            lent.__exit__(type(error), error, error.__traceback__)


async def get_rpc(request: Request, caller: CurrentCaller):
    """FastAPI dependency: the cluster proxy lent to this request, connected on its
    first call.

    It waits for `caller`, so a request without valid credentials is answered
    401 without taking a connection or touching the broker.
    """
    lent = LentProxy(request.app.state.rpc_pool)
    try:
        yield lent
    except BaseException as error:
        if lent.holds_a_slot:
            # Dropping a broken connection waits on its socket: not in the event loop.
            await run_in_threadpool(lent.give_back, error)
        raise
    else:
        lent.give_back()  # back into the queue: nothing to wait for


# Scoped to the route function, so the proxy returns to the pool as soon as the
# route is done, before the answer is sent.
Rpc = Annotated[Any, Depends(get_rpc, scope="function")]


def present(**filters) -> dict:
    """The filters that were given: an absent one is left out, not sent as null."""
    return {name: value for name, value in filters.items() if value is not None}


def with_titles(rpc, caller, items: list[dict]) -> list[dict]:
    """`items` that name a task (`task`: its code), each with the task's `title`
    as the tasks service lets `caller` (as_rpc) read it: people read tasks by
    their titles, not their codes."""
    codes = sorted({item["task"] for item in items})
    titles = {found["code"]: found.get("title") for found in rpc.tasks.list_tasks(
        caller=caller, codes=codes, limit=MAX_PAGE)["items"]} if codes else {}
    for item in items:
        item["title"] = titles.get(item["task"])
    return items


def all_items(method, **filters) -> list:
    """Every item of a list query (answer `{"items", "total"}`), page by page."""
    items = []
    while True:
        page = method(limit=MAX_PAGE, offset=len(items), **filters)
        items.extend(page["items"])
        if not page["items"] or len(items) >= page["total"]:
            return items
