"""The local runner behind `make run`: migrates, starts every service's replicas and
the gateway as child processes, loads the demo city, then waits for Ctrl-C.

Environment:
    LUOSHI_PORT                 the gateway's port (8000)
    LUOSHI_DATA_DIR             databases, evidence and logs (./var)
    LUOSHI_DEMO                 0 skips the demo city (1)
    LUOSHI_DEMO_WEEKS           the past weeks the demo city replays (deploy/demo.py)
    LUOSHI_CLOCK_FILE           the platform's clock (services/common/clock.py); unset:
                                <data dir>/clock, owned by the runner, emptied (the
                                real time) at each start and once the demo is loaded
    LUOSHI_REPLICAS_<SERVICE>   replicas of tasks, warnings, ranking, notify (1 each)
    LUOSHI_ADMIN_PASSWORD       the admin's password; generated on the first run when unset
    LUOSHI_METRICS_PORT         unset or 0: no service metrics; N: the replicas serve theirs
                                on N, N+1, ... in turn; auto: each on a free port. The
                                runner prints which replica serves on which port.
    LUOSHI_OPS_PORT             the gateway's operations port (/healthz, /readyz,
                                /metrics); unset or auto: a free port, printed

Each child's output goes to <data dir>/logs/<name>.log.
"""
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES

START_SECONDS = 120
STOP_SECONDS = 20


class Stop(Exception):
    """Ctrl-C or SIGTERM."""


class ChildDied(Exception):
    """A child exited while the platform should be running; args: the Child."""


def _stop(signum, frame):
    raise Stop


PR_SET_PDEATHSIG = 1


def die_with_parent():
    """Run in a child before it starts (Popen's preexec_fn): on Linux the child is
    sent SIGTERM when the process that started it dies, however it dies (a
    SIGKILL from a timeout included), so no service outlives its runner."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One process started by the runner, its output appended to its own log."""

    def __init__(self, name, argv, env, log_dir):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with open(self.log_path, "ab") as log:
            log.write(f"--- started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            log.flush()
            # A session of its own keeps the terminal's Ctrl-C away from the child, so
            # that the runner alone decides how everything stops.
            self.process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)


def real_time(path):
    """Empty the clock file: the platform follows the real time."""
    spare = path.with_suffix(".next")
    spare.write_text("")
    os.replace(spare, path)


def tail(path, lines=15):
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def check_alive(children):
    for child in children:
        if child.process.poll() is not None:
            raise ChildDied(child)


def stop_all(children):
    """SIGTERM to every child, up to STOP_SECONDS for them to finish, then SIGKILL."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    running = {child.name: child.process for child in children
               if child.process.poll() is None}
    if running:
        print(f"stopping {len(running)} processes ...", flush=True)
    terminate_all(running, STOP_SECONDS, on_kill=lambda name: print(
        f"  {name} did not stop in {STOP_SECONDS}s; killing it", flush=True))


def terminate_all(processes, seconds, on_kill=None):
    """Stop {name: Popen} as an orchestrator does: SIGTERM to all at once (each
    finishes what it is doing), then SIGKILL to whichever has not exited within
    `seconds` of the first signal, reported to `on_kill(name)`."""
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + seconds
    for name, process in processes.items():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            if on_kill:
                on_kill(name)
            process.kill()
            process.wait()


def free_port(host):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def metrics_ports(names, setting, host):
    """{replica name: port} for LUOSHI_METRICS_PORT `setting`: {} when off (unset
    or 0), consecutive ports from a number, free ones for `auto`. Replicas on one
    machine cannot share a port, so each gets its own."""
    setting = (setting or "").strip().lower()
    if setting in ("", "0", "off"):
        return {}
    if setting == "auto":
        return {name: free_port(host) for name in names}
    try:
        first = int(setting)
    except ValueError:
        raise SystemExit(f"LUOSHI_METRICS_PORT is a port, 0 or auto, not {setting!r}") from None
    return {name: first + number for number, name in enumerate(names)}


def admin_password(data_dir):
    """LUOSHI_ADMIN_PASSWORD, else the one generated on the first run.

    The gateway creates the admin once, so a generated password is kept beside
    the gateway's database for the next runs to print the right one.
    """
    password = os.environ.get("LUOSHI_ADMIN_PASSWORD")
    if password:
        return password
    path = data_dir / "admin-password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def wait_until(ready, what, children, seconds=START_SECONDS):
    """Polls `ready()` until it is true; a dead child or the deadline ends the wait."""
    deadline = time.monotonic() + seconds
    while True:
        check_alive(children)
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {seconds}s; see the logs.")
        time.sleep(0.5)


class Gateway:
    """Just enough of the HTTP API to see the platform come up."""

    def __init__(self, url, ops_url, password):
        self.http = httpx.Client(base_url=url, timeout=10)
        # /readyz is on the operations port only.
        self.ops = httpx.Client(base_url=ops_url, timeout=10)
        self.password = password
        self.token = None

    def healthy(self):
        return self.http.get("/healthz").status_code == 200

    def services_ready(self):
        return self.ops.get("/readyz").status_code == 200

    def has_units(self):
        answer = self.get("/api/v1/units", params={"limit": 1})
        answer.raise_for_status()
        return bool(answer.json()["items"])

    def get(self, path, **kwargs):
        if self.token is None:
            answer = self.http.post("/api/v1/auth/token",
                                    data={"username": "admin", "password": self.password})
            if answer.status_code == 401:
                raise SystemExit("the gateway refuses the admin password: its admin was made"
                                 " with another one; set LUOSHI_ADMIN_PASSWORD to that one")
            answer.raise_for_status()
            self.token = answer.json()["access_token"]
        return self.http.get(path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)


def main():
    port = int(os.environ.get("LUOSHI_PORT", "8000"))
    # Local by default: the demo's admin password is printed on the console.
    host = os.environ.get("LUOSHI_HOST", "127.0.0.1")
    data_dir = Path(os.environ.get("LUOSHI_DATA_DIR", "var")).resolve()
    demo = os.environ.get("LUOSHI_DEMO", "1").strip() != "0"
    replicas = {service: int(os.environ.get(f"LUOSHI_REPLICAS_{service.upper()}", "1"))
                for service in SERVICES}
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    password = admin_password(data_dir)
    env = {**os.environ, "LUOSHI_DATA_DIR": str(data_dir), "LUOSHI_ADMIN_PASSWORD": password,
           "PYTHONUNBUFFERED": "1"}
    # The demo replays the city's past weeks by moving every service's clock; a
    # clock set by whoever started the runner (a rehearsal) is theirs to keep.
    own_clock = not os.environ.get(CLOCK_FILE)
    if own_clock:
        env[CLOCK_FILE] = str(data_dir / "clock")
        real_time(data_dir / "clock")  # a replay cut short left a moment in it
    url = f"http://127.0.0.1:{port}"
    ops_setting = os.environ.get("LUOSHI_OPS_PORT", "auto").strip()
    ops_port = free_port(host) if ops_setting in ("", "auto") else int(ops_setting)
    env["LUOSHI_OPS_PORT"], env["LUOSHI_OPS_HOST"] = str(ops_port), host
    ops_url = f"http://127.0.0.1:{ops_port}"

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    children = []
    try:
        print(f"data in {data_dir}; logs in {log_dir}/<name>.log", flush=True)
        print("migrating databases ...", flush=True)
        migrate_log = log_dir / "migrate.log"
        with open(migrate_log, "ab") as log:
            migrated = subprocess.run([sys.executable, "-m", "services.launch.migrate"],
                                      env=env, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT)
        if migrated.returncode != 0:
            print(f"migrations failed; the end of {migrate_log}:\n{tail(migrate_log)}",
                  file=sys.stderr)
            return 1

        names = [(service, service if count == 1 else f"{service}-{number}")
                 for service, count in replicas.items() for number in range(1, count + 1)]
        ports = metrics_ports([name for _, name in names],
                              os.environ.get("LUOSHI_METRICS_PORT"), host)
        for service, name in names:
            child_env = {**env, "LUOSHI_METRICS_PORT": str(ports.get(name, 0)),
                         "LUOSHI_METRICS_HOST": host}
            children.append(Child(name, [sys.executable, "-m", "services.launch.runner",
                                         service], child_env, log_dir))
        children.append(Child("gateway", [
            sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
            "--host", host, "--port", str(port)], env, log_dir))
        print("started " + ", ".join(child.name for child in children), flush=True)

        gateway = Gateway(url, ops_url, password)
        wait_until(gateway.healthy, "the gateway to answer /healthz", children)
        wait_until(gateway.services_ready, "the services to answer", children)
        print("the gateway and the services answer", flush=True)

        # Present while the demo loads: a load cut short (Ctrl-C) leaves a city half
        # replayed, its routing rules still kept to the inbox.
        loading = data_dir / "demo-loading"
        if loading.exists():
            print("the demo city's load was cut short on an earlier run: its past is"
                  " partly replayed and its messages go to the inbox only; `make clean`"
                  " loads it afresh", flush=True)
        if demo and not gateway.has_units():
            print("loading the demo city ...", flush=True)
            weeks = os.environ.get("LUOSHI_DEMO_WEEKS")
            started = time.monotonic()
            loading.touch()
            try:
                loaded = subprocess.run([sys.executable, "-m", "deploy.demo", "--url", url,
                                         *(["--weeks", weeks] if weeks else [])], env=env)
            finally:
                if own_clock:
                    real_time(data_dir / "clock")
            loading.unlink()
            print(f"the demo city took {time.monotonic() - started:.0f}s", flush=True)
            if loaded.returncode != 0:
                print("the demo city was not fully loaded (see above); carrying on",
                      flush=True)

        for name, port in ports.items():
            print(f"metrics of {name}: http://{host}:{port}/metrics", flush=True)
        print(f"metrics of the gateway: {ops_url}/metrics (readiness: {ops_url}/readyz)",
              flush=True)
        print(f"\nLuoshi runs at {url}/  (API docs: {url}/docs)\n"
              f"sign in as admin, password {password}\n"
              f"logs: {log_dir}/<name>.log — Ctrl-C stops everything\n", flush=True)
        while True:
            check_alive(children)
            time.sleep(1)
    except Stop:
        return 0
    except ChildDied as died:
        child = died.args[0]
        code = child.process.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        print(f"{child.name} {how}; the end of {child.log_path}:\n{tail(child.log_path)}",
              file=sys.stderr)
        return 1
    finally:
        stop_all(children)


if __name__ == "__main__":
    sys.exit(main())
