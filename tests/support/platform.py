"""The platform as `make run` starts it (migrations, the four services and the
gateway as separate processes) on a private RabbitMQ vhost and a free local
port, for the tiers that drive it from outside (end to end, browser)."""
import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager

import httpx

from deploy.run import die_with_parent
from tests.support.broker import private_vhost
from tests.support.waiting import eventually

PASSWORD = "e2e-admin-password-1"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Platform:
    def __init__(self, process, url, data_dir, ops_url=None):
        self.process, self.url, self.data_dir = process, url, data_dir
        # The gateway's operations port: /readyz and /metrics.
        self.ops_url = ops_url
        self.http = httpx.Client(base_url=url, timeout=30)
        self.token = None

    def login(self, username="admin", password=PASSWORD):
        answer = self.http.post("/api/v1/auth/token",
                                data={"username": username, "password": password})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def log(self, name):
        path = self.data_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def running_platform(data_dir, environment=None, clock=None):
    """Start `python -m deploy.run` with no demo city (and `environment`'s extra
    variables, such as databases), on `clock` (a tests.support.dates.PlatformClock)
    when given; yield the Platform; stop it with SIGTERM and check it stopped
    cleanly."""
    port, ops_port = free_port(), free_port()
    if clock is not None:
        environment = {**clock.environment, **(environment or {})}
    with private_vhost() as amqp_uri:
        env = {**os.environ, "LUOSHI_AMQP_URI": amqp_uri, "LUOSHI_DATA_DIR": str(data_dir),
               "LUOSHI_PORT": str(port), "LUOSHI_OPS_PORT": str(ops_port), "LUOSHI_DEMO": "0",
               "LUOSHI_ADMIN_PASSWORD": PASSWORD, "LUOSHI_RETRY_DELAYS": "0.5,1",
               **(environment or {})}
        output = open(data_dir / "run.out", "wb")
        process = subprocess.Popen([sys.executable, "-m", "deploy.run"], env=env,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        platform = Platform(process, f"http://127.0.0.1:{port}", data_dir,
                            f"http://127.0.0.1:{ops_port}")
        platform.amqp_uri = amqp_uri
        platform.clock = clock
        platform.env = env

        def started():
            assert process.poll() is None, (data_dir / "run.out").read_text()
            return b"Luoshi runs at" in (data_dir / "run.out").read_bytes()

        try:
            eventually(started, timeout=180, interval=0.5)
            yield platform
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                platform.exit_code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
            finally:
                output.close()
                platform.http.close()
            assert platform.exit_code == 0, (data_dir / "run.out").read_text()
