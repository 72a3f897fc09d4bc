"""Replicas tier: the platform as separate processes with several replicas of
every service (tasks 2, warnings 3, ranking 2, notify 2) and one gateway, as
`LUOSHI_REPLICAS_<SERVICE>=... make run` starts them.

Real: everything — RabbitMQ (a private vhost; queue consumers are read with
`rabbitmqctl`, so these tests run where it works), one PostgreSQL database per
service (replicas of a service share it, as in production; the gateway keeps
SQLite in a temporary folder), HTTP, and every replica's metrics endpoint.
Faked: nothing. The timers tick every second instead of every few minutes, and
the weekly bulletin is due today, so that they run many times during a test.
The figures each test observed are printed at the end of the run.
"""
import pytest

from tests.replicas.platform import FIGURES, REPLICAS, ReplicatedPlatform
from tests.support.broker import private_vhost
from tests.support.postgres import private_database


@pytest.fixture
def platform(tmp_path):
    with private_vhost(prefix="metrics_") as amqp_uri, \
            private_database(prefix="metrics_") as tasks_db, \
            private_database(prefix="metrics_") as warnings_db, \
            private_database(prefix="metrics_") as ranking_db, \
            private_database(prefix="metrics_") as notify_db:
        databases = {"tasks": tasks_db, "warnings": warnings_db, "ranking": ranking_db,
                     "notify": notify_db}
        running = ReplicatedPlatform(amqp_uri, tmp_path, databases, REPLICAS)
        try:
            running.start_all()
            yield running
        finally:
            running.stop_all()


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("replicas: what the test observed")
    for line in FIGURES:
        terminalreporter.write_line(line)
