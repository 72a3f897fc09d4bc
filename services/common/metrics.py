"""Prometheus metrics of a service process, for every service without code of its own.

`Metrics` is a dependency of `Operations` (which every service mixes in), so it
sees every worker of the container: RPC calls, event handlers and timers. It
counts them and times them by service and entrypoint; consuming.py adds the
retries and parkings of the reliable event handlers and the replies or acks a
dying connection cost; outbox.py counts the events its relay published; and a
collector reads the outbox backlog from the service's database at each scrape.

The metrics are served over HTTP on LUOSHI_METRICS_PORT (read at set-up):
unset or 0 serves nothing, `auto` lets the system choose a free port, a number
is that port. LUOSHI_METRICS_HOST is the address to listen on (0.0.0.0). The
address actually bound is logged. The server is a green thread of the
container, like the workers, so the process stays one eventlet hub.

Metric names are listed in deploy/README.md ("Metrics").
"""
import logging
import time

import eventlet
import eventlet.wsgi
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from .clock import utcnow
from .tables import outbox

log = logging.getLogger(__name__)

# Handler latency: from a few milliseconds (a read) to minutes (a full evaluation).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

# The metric objects live in the process's default registry, beside the process
# collector (CPU, memory, open files). Defining them configures nothing.
HANDLED = Counter(
    "luoshi_messages_handled_total",
    "Messages a service's workers finished (RPC calls, events, timer ticks), "
    "whether they succeeded or raised.",
    ["service", "entrypoint", "kind"])
FAILED = Counter(
    "luoshi_message_failures_total",
    "Workers that raised, by the exception's class name. For RPC an expected "
    "error (NotFound, InvalidInput...) counts here too: it went back to the caller.",
    ["service", "entrypoint", "kind", "error"])
LATENCY = Histogram(
    "luoshi_handler_duration_seconds",
    "Time a worker took, from set-up to its result.",
    ["service", "entrypoint", "kind"], buckets=LATENCY_BUCKETS)
IN_PROGRESS = Gauge(
    "luoshi_workers_in_progress", "Workers running now.", ["service"])
RETRIED = Counter(
    "luoshi_message_retries_total",
    "Event messages whose handler failed and that were sent to a delay queue "
    "to be tried again.",
    ["service", "entrypoint"])
PARKED = Counter(
    "luoshi_messages_parked_total",
    "Event messages moved to <service>.parked: `exhausted` after the last retry, "
    "`rejected` at once (a payload the consumer's schema refuses).",
    ["service", "entrypoint", "reason"])
SETTLE_LOST = Counter(
    "luoshi_settle_failures_total",
    "Acks, requeues and RPC replies lost with a dying broker connection; the "
    "broker delivers the message again (and a caller times out and retries).",
    ["service", "action"])
CONSUMER_RESTARTED = Counter(
    "luoshi_consumer_restarts_total",
    "Times the watchdog found the queue consumer stuck while connected and "
    "started it again (the log holds where it was stuck).",
    ["service"])
PUBLISHED = Counter(
    "luoshi_outbox_published_total",
    "Events the outbox relay of this replica published with the broker's confirm.",
    ["service"])


def entrypoint_kind(entrypoint):
    """rpc, event, timer or the entrypoint's class name."""
    for kind, cls in (("rpc", Rpc), ("event", EventHandler), ("timer", Timer)):
        if isinstance(entrypoint, cls):
            return kind
    return type(entrypoint).__name__.lower()


def metrics_port(config):
    """None (metrics off), 0 (any free port) or the port LUOSHI_METRICS_PORT names."""
    raw = str(config.get("LUOSHI_METRICS_PORT") or "").strip().lower()
    if raw in ("", "0", "off"):
        return None
    if raw == "auto":
        return 0
    port = int(raw)
    if not 0 < port < 65536:
        raise ValueError(f"LUOSHI_METRICS_PORT must be a port, 0 or auto, not {raw!r}")
    return port


class OutboxBacklog:
    """A collector that counts the outbox's unsent events at each scrape. Every
    replica of a service reads the same database, so every replica reports the
    same figure: aggregate it with max(), not sum()."""

    def __init__(self):
        self.engines = {}

    def track(self, service_name, engine):
        self.engines[service_name] = engine

    def forget(self, service_name):
        self.engines.pop(service_name, None)

    def describe(self):
        # Described without scraping, so registering it touches no database.
        return [GaugeMetricFamily("luoshi_outbox_unsent_events", ""),
                GaugeMetricFamily("luoshi_outbox_oldest_unsent_seconds", "")]

    def collect(self):
        unsent = GaugeMetricFamily(
            "luoshi_outbox_unsent_events",
            "Events committed but not yet published by the outbox relay.", labels=["service"])
        oldest = GaugeMetricFamily(
            "luoshi_outbox_oldest_unsent_seconds",
            "Age of the oldest unpublished event (0 when none waits).", labels=["service"])
        for service_name, engine in list(self.engines.items()):
            try:
                reader = engine.execution_options(luoshi_readonly=True)
                with reader.begin() as connection:
                    count, first = connection.execute(
                        select(func.count(), func.min(outbox.c.created_at))
                        .where(outbox.c.sent_at.is_(None))).one()
            except Exception:  # a scrape must not fail because the database did
                log.warning("could not read the outbox backlog of %s", service_name,
                            exc_info=True)
                continue
            unsent.add_metric([service_name], count)
            oldest.add_metric([service_name],
                              (utcnow() - first).total_seconds() if first else 0)
        yield unsent
        yield oldest


BACKLOG = OutboxBacklog()
REGISTRY.register(BACKLOG)


class _QuietLog:
    """eventlet.wsgi logs every request; scrapes every few seconds are noise."""

    def write(self, text):
        pass


class Metrics(DependencyProvider):
    """Counts and times every worker of the container and serves the process's
    metrics on LUOSHI_METRICS_PORT. Gives workers nothing (None)."""

    def __init__(self):
        self.started_at = {}
        self.server_socket = None
        self.address = None

    def setup(self):
        config = self.container.config
        self.service_name = self.container.service_name
        self.port = metrics_port(config)
        self.host = config.get("LUOSHI_METRICS_HOST") or "0.0.0.0"

    def start(self):
        # Any dependency that relays an outbox (sessions.Database) is asked for
        # its engine by what it has, not by its class: the sessions module
        # counts what its relay publishes here.
        for dependency in self.container.dependencies:
            if getattr(dependency, "relay_enabled", False):
                BACKLOG.track(self.service_name, dependency.engine)
        if self.port is None:
            return
        self.server_socket = eventlet.listen((self.host, self.port))
        self.address = self.server_socket.getsockname()[:2]
        self.container.spawn_managed_thread(self._serve, identifier="metrics-http")
        log.info("metrics of %s on http://%s:%s/metrics", self.service_name, *self.address)

    def _serve(self):
        # Ends when the container kills its managed threads; a failure of the
        # metrics server is logged and must never take the service down with it.
        try:
            eventlet.wsgi.server(self.server_socket, make_wsgi_app(REGISTRY),
                                 log=_QuietLog(), log_output=False)
        except Exception:
            log.exception("the metrics server of %s stopped", self.service_name)
        finally:
            self.server_socket.close()

    def stop(self):
        BACKLOG.forget(self.service_name)

    def kill(self):
        BACKLOG.forget(self.service_name)

    def get_dependency(self, worker_ctx):
        return None

    def worker_setup(self, worker_ctx):
        self.started_at[worker_ctx] = time.perf_counter()
        IN_PROGRESS.labels(self.service_name).inc()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        entrypoint = worker_ctx.entrypoint
        labels = (self.service_name, entrypoint.method_name, entrypoint_kind(entrypoint))
        started = self.started_at.get(worker_ctx)
        if started is not None:
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
        HANDLED.labels(*labels).inc()
        if exc_info is not None:
            FAILED.labels(*labels, exc_info[0].__name__).inc()

    def worker_teardown(self, worker_ctx):
        if self.started_at.pop(worker_ctx, None) is not None:
            IN_PROGRESS.labels(self.service_name).dec()
