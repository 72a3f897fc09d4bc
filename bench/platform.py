"""The platform as `make run` starts it (deploy/run.py): the migrate step, each
service, and the gateway under uvicorn, as child processes of the bench, on a
RabbitMQ vhost and databases of their own (named bench_*), removed afterwards.
"""
import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcProxy

from deploy.run import die_with_parent, terminate_all
from services.common.callers import sign
from services.common.config import SERVICES
from services.common.settings import LOCAL_CALLER_KEY

BASE_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
BASE_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-" + "admin-password"
RPC_TIMEOUT = 120  # seconds


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=120).stdout


@contextmanager
def private_vhost(prefix="bench"):
    """The AMQP URI of a fresh vhost named bench_<hex>, deleted afterwards."""
    base = os.environ.get("LUOSHI_BENCH_AMQP_URI") or BASE_AMQP
    parts = urlsplit(base)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _ctl("add_vhost", name)
    _ctl("set_permissions", "-p", name, parts.username or "guest", ".*", ".*", ".*")
    try:
        yield urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    finally:
        try:
            _ctl("delete_vhost", name)
        except (subprocess.SubprocessError, OSError):
            pass


def queue_depths(amqp_uri):
    """{queue: ready + unacknowledged messages} of the vhost, as RabbitMQ last
    counted them: a quorum queue's count is refreshed every few seconds, so a
    queue just emptied may still show messages here (see ready_messages)."""
    vhost = urlsplit(amqp_uri).path.lstrip("/")
    out = _ctl("list_queues", "-p", vhost, "name", "messages")
    depths = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            depths[parts[0]] = int(parts[1])
    return depths


def ready_messages(amqp_uri, queues):
    """{queue: messages ready for a consumer now} of `queues`, asked of each queue
    itself (a passive declare on one connection): exact at the moment, and cheap,
    unlike a listing. Messages delivered and not yet acknowledged are not
    counted: a service's `activity()` says how many it holds."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        return {name: channel.queue_declare(queue=name, passive=True).message_count
                for name in queues}


@contextmanager
def postgres_databases(names):
    """{name: SQLAlchemy URL} of fresh PostgreSQL databases bench_<name>_<hex>."""
    import psycopg

    base = os.environ.get("LUOSHI_TEST_PG_URL") or BASE_PG
    suffix = uuid.uuid4().hex[:8]
    made = {name: f"bench_{name}_{suffix}" for name in names}
    with psycopg.connect(base, autocommit=True) as admin:
        for database in made.values():
            admin.execute(f'CREATE DATABASE "{database}"')
    parts = urlsplit(base)
    try:
        yield {name: urlunsplit(parts._replace(scheme="postgresql+psycopg", path="/" + db))
               for name, db in made.items()}
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            for database in made.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def peak_rss_mb(pid):
    """(VmHWM, VmRSS) of a process in MB, read from /proc/<pid>/status."""
    figures = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                figures[name] = int(value.split()[0]) / 1024
    except OSError:
        return None, None
    return figures.get("VmHWM"), figures.get("VmRSS")


class Platform:
    """The processes of one platform; `start()` migrates and waits until ready."""

    def __init__(self, amqp_uri, data_dir, db_urls=None, extra_env=None):
        self.amqp_uri, self.data_dir = amqp_uri, Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The gateway's operations port: /readyz and /metrics.
        self.ops_port = free_port()
        self.ops_url = f"http://127.0.0.1:{self.ops_port}"
        self.log_dir = self.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "LUOSHI_AMQP_URI": amqp_uri,
                    "LUOSHI_DATA_DIR": str(self.data_dir), "LUOSHI_ADMIN_PASSWORD": PASSWORD,
                    # A benchmark measures capacity: the per-user request limit
                    # (600 a minute) would measure the limiter instead.
                    "LUOSHI_RATE_LIMIT_PER_MINUTE": "0",
                    # Loading imports 1,000 tasks per request.
                    "LUOSHI_RPC_TIMEOUT": "300",
                    "LUOSHI_NOTIFY_TICK_SECONDS": "1",
                    "LUOSHI_OPS_PORT": str(self.ops_port),
                    "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        self.db_urls = dict(db_urls or {})
        for service, url in self.db_urls.items():
            self.env[f"LUOSHI_{service.upper()}_DB_URL"] = url
        self.processes = {}
        self._queues = None
        self.metrics_ports = {}
        self._token = None
        # One RPC proxy for the run, taken in turn: a proxy per call declared and
        # deleted a reply queue each time, work the broker did on the cores the
        # platform is measured on (the bench polls several times a second).
        self._cluster, self._proxy, self._rpc_lock = None, None, threading.Lock()

    def command(self, name):
        if name == "gateway":  # as deploy/run.py starts it
            return [sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
                    "--host", "127.0.0.1", "--port", str(self.port)]
        return [sys.executable, "-m", "services.launch.runner", name]

    def start(self, services=SERVICES, gateway=True, timeout=180):
        subprocess.run([sys.executable, "-m", "services.launch.migrate", *services],
                       env=self.env, check=True, capture_output=True)
        for name in (*services, *(("gateway",) if gateway else ())):
            # Each service's own metrics port, so that the bench can say which
            # handlers a phase's time went to (handler_seconds).
            self.metrics_ports[name] = free_port()
            env = {**self.env, "LUOSHI_METRICS_PORT": str(self.metrics_ports[name])}
            with open(self.log_dir / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen(
                    self.command(name), env=env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            if self._ready(services, gateway):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the platform did not get ready in {timeout}s; "
                                   f"see {self.log_dir}")
            time.sleep(0.3)

    def _ready(self, services, gateway):
        try:
            if gateway:
                return httpx.get(f"{self.ops_url}/readyz", timeout=10).status_code == 200
            return all(self.rpc(service, "health", timeout=3)["status"] == "ok"
                       for service in services)
        except Exception:  # not up yet
            return False

    def check_alive(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = (self.log_dir / f"{name}.log").read_text(errors="replace")
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{log[-2000:]}")

    def stop(self):
        with self._rpc_lock:
            if self._cluster is not None:
                self._cluster.stop()
                self._cluster = self._proxy = None
        terminate_all(self.processes, 30)

    def memory(self):
        """{process: {"peak_mb", "rss_mb"}} of the running processes."""
        answer = {}
        for name, process in self.processes.items():
            peak, rss = peak_rss_mb(process.pid)
            answer[name] = {"pid": process.pid, "peak_mb": round(peak, 1) if peak else None,
                            "rss_mb": round(rss, 1) if rss else None}
        return answer

    def pids(self):
        return {name: process.pid for name, process in self.processes.items()}

    def consumed_queues(self):
        """The queues the services consume (their events' and RPC queues; not the
        retry and parked queues, nor callers' reply queues), listed once: every
        consumer declares its queue when its service starts."""
        if self._queues is None:
            self._queues = sorted(
                name for name in queue_depths(self.amqp_uri)
                if not name.endswith(".parked") and ".retry." not in name
                and not name.startswith("rpc.reply-"))
        return self._queues

    def servers(self):
        """The servers outside the platform it runs on, as bench.cpu names them."""
        return ("broker", "postgres") if self.db_urls else ("broker",)

    def handler_seconds(self):
        """{"service.entrypoint": seconds its workers have taken so far}, from each
        service's luoshi_handler_duration_seconds; a phase's share is the
        difference of two readings."""
        answer = {}
        for name, port in self.metrics_ports.items():
            if name == "gateway":
                continue
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            except httpx.HTTPError:
                continue
            for line in text.splitlines():
                if line.startswith("luoshi_handler_duration_seconds_sum{"):
                    labels, value = line[len("luoshi_handler_duration_seconds_sum{"):].split("} ")
                    found = dict(part.split("=", 1) for part in labels.split(","))
                    answer[f"{name}.{found['entrypoint'].strip(chr(34))}"] = float(value)
        return answer

    # Talking to it ---------------------------------------------------------

    def token(self):
        if self._token is None:
            answer = httpx.post(f"{self.url}/api/v1/auth/token", timeout=30,
                                data={"username": "admin", "password": PASSWORD})
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return self._token

    def headers(self):
        return {"Authorization": f"Bearer {self.token()}"}

    def http(self, timeout=300):
        return httpx.Client(base_url=self.url, headers=self.headers(), timeout=timeout)

    def rpc(self, service, method, timeout=RPC_TIMEOUT, **kwargs):
        if isinstance(kwargs.get("caller"), dict):
            # Signed as the gateway signs it: the services trust no other caller.
            key = self.env.get("LUOSHI_CALLER_KEY") or LOCAL_CALLER_KEY
            kwargs["caller"] = sign(kwargs["caller"], key.encode(), dt.datetime.now(dt.UTC))
        if timeout != RPC_TIMEOUT:  # a question with a deadline of its own
            with ClusterRpcProxy({"AMQP_URI": self.amqp_uri, "serializer": "json"},
                                 timeout=timeout) as cluster:
                return getattr(getattr(cluster, service), method)(**kwargs)
        with self._rpc_lock:
            if self._proxy is None:
                self._cluster = ClusterRpcProxy(
                    {"AMQP_URI": self.amqp_uri, "serializer": "json"}, timeout=RPC_TIMEOUT)
                self._proxy = self._cluster.start()
            return getattr(getattr(self._proxy, service), method)(**kwargs)


def new_run_dir(out):
    folder = Path(out) / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove(folder):
    shutil.rmtree(folder, ignore_errors=True)
