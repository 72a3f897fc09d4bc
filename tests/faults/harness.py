"""A platform of real processes that a test can kill, restart and starve of its
broker: the migrate step, each service, and the gateway, as `make run` starts
them, plus a county system that posts progress the way a careful client does."""
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import httpx
from nameko.standalone.rpc import ClusterRpcProxy

from deploy.run import terminate_all
from services.common.config import SERVICES
from tests.support.broker import queue_states
from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock, judge_by_plain_rules
from tests.support.waiting import eventually

PASSWORD = "faults-admin-password"
# Each fault test's counts, printed at the end of the run (conftest.py).
FIGURES = []
TASKS_PER_CLIENT = 100
BATCHES_PER_CLIENT = 10
REPORTS_PER_TASK_PER_BATCH = 10  # 100 tasks x 10 reports = 1,000 updates a batch


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Platform:
    """The processes, on a clock the test holds (`day`, at 9 in the morning)."""

    def __init__(self, amqp_uri, data_dir, day=IN_PACKAGE_YEAR):
        self.amqp_uri, self.data_dir = amqp_uri, data_dir
        self.clock = PlatformClock(data_dir / "clock", day)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The gateway's operations port: /readyz and /metrics.
        self.ops_port = free_port()
        self.ops_url = f"http://127.0.0.1:{self.ops_port}"
        self.env = {**os.environ, "LUOSHI_AMQP_URI": amqp_uri, "LUOSHI_DATA_DIR": str(data_dir),
                    "LUOSHI_OPS_PORT": str(self.ops_port),
                    "LUOSHI_ADMIN_PASSWORD": PASSWORD, "LUOSHI_RETRY_DELAYS": "0.5,1,2",
                    "LUOSHI_RPC_TIMEOUT": "10", "PYTHONUNBUFFERED": "1",
                    **self.clock.environment}
        self.processes = {}
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)

    def command(self, name):
        if name == "gateway":
            return [sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
                    "--host", "127.0.0.1", "--port", str(self.port)]
        return [sys.executable, "-m", "services.launch.runner", name]

    def start(self, name):
        log = open(self.data_dir / "logs" / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            self.command(name), env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        log.close()

    def start_all(self):
        subprocess.run([sys.executable, "-m", "services.launch.migrate"], env=self.env,
                       check=True, capture_output=True)
        for name in (*SERVICES, "gateway"):
            self.start(name)
        self.wait_ready()

    def wait_ready(self, timeout=90):
        def ready():
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited: {self.log(name)[-2000:]}"
            try:
                return httpx.get(f"{self.ops_url}/readyz", timeout=10).status_code == 200
            except httpx.HTTPError:
                return False
        eventually(ready, timeout=timeout, interval=0.3)

    def kill(self, name):
        """SIGKILL: no clean-up, no flush, as a crash or an OOM kill."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self):
        terminate_all(self.processes, 30)

    def log(self, name):
        path = self.data_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def complaints(self, lines=30):
        """The last warnings and errors each process logged, for a failure message."""
        report = []
        for name in self.processes:
            found = [line for line in self.log(name).splitlines()
                     if any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))]
            report.append(f"--- {name}: {len(found)} warnings and errors, the last ones:")
            report.extend(found[-lines:])
        return "\n".join(report)

    def token(self):
        answer = httpx.post(f"{self.url}/api/v1/auth/token",
                            data={"username": "admin", "password": PASSWORD}, timeout=30)
        answer.raise_for_status()
        return answer.json()["access_token"]

    def rpc(self, service, method, **kwargs):
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=30) as cluster:
            return getattr(getattr(cluster, service), method)(**kwargs)

    def query(self, service, sql):
        with sqlite3.connect(self.data_dir / f"{service}.db", timeout=30) as connection:
            return connection.execute(sql).fetchone()

    def settled(self):
        """True once no event waits to be published or consumed anywhere; else says
        what still waits."""
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} died: {self.log(name)[-3000:]}"
        (unsent,) = self.query("tasks", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        (unsent_w,) = self.query("warnings",
                                 "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        # Events only: a reply to an RPC whose caller gave up (its proxy was
        # dropped when the broker went away) may stay in that proxy's queue.
        waiting = {name: state for name, state in queue_states(self.amqp_uri).items()
                   if state["messages"] and not name.endswith(".parked")
                   and ".retry." not in name and not name.startswith("rpc.reply-")}
        assert unsent == unsent_w == 0 and not waiting, (
            f"unsent events: tasks {unsent}, warnings {unsent_w}; queued: {waiting}")
        return True


class CountySystem:
    """Posts batches of progress in order, each under its own Idempotency-Key,
    retrying a batch (same key, same body) until the platform acknowledges it."""

    def __init__(self, platform, token, batches):
        self.platform, self.token, self.batches = platform, token, batches
        self.sent = sum(len(batch) for batch in batches)
        self.acknowledged = 0
        self.accepted = 0
        self.retries = 0
        self.errors = []
        self.done = threading.Event()
        self.acked_batches = 0
        self.prefix = uuid.uuid4().hex[:8]

    def run(self, deadline_seconds=300):
        deadline = time.monotonic() + deadline_seconds
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.platform.url, timeout=60) as http:
            for number, batch in enumerate(self.batches):
                key = f"{self.prefix}-{number}"
                while True:
                    if time.monotonic() > deadline:
                        self.errors.append(f"batch {number} not acknowledged in time")
                        self.done.set()
                        return
                    try:
                        answer = http.post("/api/v1/progress", json=batch,
                                           headers={**headers, "Idempotency-Key": key})
                    except httpx.HTTPError as exc:
                        answer = exc
                    if isinstance(answer, httpx.Response) and answer.status_code == 200:
                        body = answer.json()
                        self.acknowledged += len(batch)
                        self.accepted += body["accepted"]
                        self.acked_batches += 1
                        if body["rejected"]:
                            self.errors.append(f"batch {number}: {body['rejected']} rejected")
                        break
                    if isinstance(answer, httpx.Response) and answer.status_code < 500 \
                            and answer.status_code != 409:
                        self.errors.append(f"batch {number}: {answer.status_code} "
                                           f"{answer.text[:300]}")
                        self.done.set()
                        return
                    self.retries += 1
                    time.sleep(0.3)  # back off before retrying; bounded by the deadline
        self.done.set()

    def start(self):
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread


def build_city(platform):
    """Two counties with 100 tasks each, created over the API; answers (token,
    [batches of county 0, batches of county 1]), 20,000 updates in all, each
    task's percentage rising to 100 over its county's batches."""
    token = platform.token()
    today = platform.clock.day
    plan = {"start_date": (today - dt.timedelta(days=100)).isoformat(),
            "due_date": (today + dt.timedelta(days=100)).isoformat()}
    clients = []
    with httpx.Client(base_url=platform.url, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        # Calendar days: the faults' counts were set for them.
        judge_by_plain_rules(http)
        for county in ("c0", "c1"):
            http.post("/api/v1/units", json={"code": county, "name": f"县{county}",
                                             "kind": "county"}).raise_for_status()
            codes = [f"{county}-T{number:03d}" for number in range(TASKS_PER_CLIENT)]
            # In one request, as a county system sends its library.
            http.post("/api/v1/tasks/batch", json=[{
                "code": code, "title": f"重点任务{code}", "lead_unit": county, **plan,
                "targets": [{"due_date": plan["due_date"], "planned_percent": 100}],
            } for code in codes]).raise_for_status()
            clients.append([
                [{"task": code, "unit": county,
                  "percent": batch * REPORTS_PER_TASK_PER_BATCH + step + 1}
                 for code in codes for step in range(REPORTS_PER_TASK_PER_BATCH)]
                for batch in range(BATCHES_PER_CLIENT)])
    return token, clients
