"""The platform with several replicas of each service, every replica serving its
metrics on a port of its own, and what a test reads of it: databases, queues,
metrics."""
import json
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

import psycopg
from prometheus_client.parser import text_string_to_metric_families

from services.common.config import SERVICES
from tests.faults.harness import Platform, free_port
from tests.support.dates import PROVISIONAL_YEAR

REPLICAS = {"tasks": 2, "warnings": 3, "ranking": 2, "notify": 2}
FIGURES = []
LEADER = {"name": "市长", "email": "mayor@example.invalid", "user": "mayor"}


class ReplicatedPlatform(Platform):
    def __init__(self, amqp_uri, data_dir, databases, replicas):
        # A Monday in a year nobody has entered: the calendar is provisional.
        super().__init__(amqp_uri, data_dir, day=PROVISIONAL_YEAR)
        self.databases = databases
        self.replicas = replicas
        self.env.update({f"LUOSHI_{service.upper()}_DB_URL": url
                         for service, url in databases.items()})
        self.env.update({
            # Every replica's timers tick every second: the daily evaluation and
            # the weekly bulletin (due on the platform's day from midnight) are
            # asked for many times, and must be done once.
            "LUOSHI_EVALUATION_HOUR": "0", "LUOSHI_EVALUATION_TICK_SECONDS": "1",
            "LUOSHI_NOTIFY_TICK_SECONDS": "1",
            "LUOSHI_BULLETIN_WEEKDAY": str(self.clock.day.weekday()),
            "LUOSHI_BULLETIN_HOUR": "0", "LUOSHI_NOTIFY_LEADERS": json.dumps([LEADER]),
            # The timer issues the bulletin itself, unsigned: its one message to the
            # leader shows the replicas drew it up and sent it once.
            "LUOSHI_BULLETIN_SIGN_OFF": "0",
            "LUOSHI_TIMEZONE": "Asia/Shanghai", "LUOSHI_RATE_LIMIT_PER_MINUTE": "0",
            "LUOSHI_METRICS_HOST": "127.0.0.1", "LUOSHI_LOG_LEVEL": "INFO",
        })
        # replica name -> (service, metrics port)
        self.replica_names = {
            f"{service}-{number}": service
            for service, count in replicas.items() for number in range(1, count + 1)}
        self.metrics_ports = {name: free_port() for name in self.replica_names}

    def command(self, name):
        if name == "gateway":
            return super().command(name)
        return [sys.executable, "-m", "services.launch.runner", self.replica_names[name]]

    def start(self, name):
        if name != "gateway":
            self.env["LUOSHI_METRICS_PORT"] = str(self.metrics_ports[name])
        try:
            super().start(name)
        finally:
            self.env.pop("LUOSHI_METRICS_PORT", None)

    def start_all(self):
        subprocess.run([sys.executable, "-m", "services.launch.migrate"], env=self.env,
                       check=True, capture_output=True)
        for name in (*self.replica_names, "gateway"):
            self.start(name)
        self.wait_ready(timeout=180)

    # What the test reads --------------------------------------------------------

    def sql(self, service, statement):
        url = self.databases[service].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as connection:
            return connection.execute(statement).fetchall()

    def consumers(self):
        """{queue: consumers} of the vhost, as RabbitMQ counts them."""
        vhost = urlsplit(self.amqp_uri).path.lstrip("/")
        out = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers", "messages",
             "--formatter", "json"], check=True, capture_output=True, timeout=60,
            text=True).stdout
        return {row["name"]: (row["consumers"], row["messages"]) for row in json.loads(out)}

    def scrape(self, name):
        """[(metric, labels, value)] of one replica's /metrics."""
        port = self.metrics_ports[name]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
        return [(sample.name, sample.labels, sample.value)
                for family in text_string_to_metric_families(text) for sample in family.samples]

    def metric(self, name, metric, **labels):
        """The sum of one metric's samples whose labels include `labels`, for one replica."""
        return sum(value for sample, found, value in self.scrape(name)
                   if sample == metric and labels.items() <= found.items())

    def per_replica(self, service, metric, **labels):
        return {name: self.metric(name, metric, **labels)
                for name, owner in self.replica_names.items() if owner == service}

    def settled(self):
        """True once no event waits to be published or consumed anywhere."""
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} died: {self.log(name)[-3000:]}"
        for service in SERVICES:
            ((unsent,),) = self.sql(service, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            assert unsent == 0, f"{service}: {unsent} events not yet published"
        waiting = {queue: messages for queue, (_, messages) in self.consumers().items()
                   if messages and not queue.endswith(".parked") and ".retry." not in queue
                   and not queue.startswith("rpc.reply-")}
        assert not waiting, f"queued: {waiting}"
        return True
