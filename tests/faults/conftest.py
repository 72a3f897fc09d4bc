"""Fault tier: the platform as separate processes (migrate, four services, the
gateway) under a county system's ingest, while a test kills a service with
SIGKILL or restarts the broker.

Real: everything — RabbitMQ (a private vhost; the broker restart uses
`rabbitmqctl stop_app`/`start_app`, so these tests need to run where rabbitmqctl
works), SQLite databases in a temporary folder, HTTP. Faked: nothing.
Each test's figures (sent, acknowledged, stored, evaluated, parked) are printed
at the end of the run.
"""
import pytest

from tests.faults.harness import FIGURES, Platform, build_city
from tests.support.broker import private_vhost


@pytest.fixture
def platform(tmp_path):
    with private_vhost() as amqp_uri:
        running = Platform(amqp_uri, tmp_path)
        try:
            running.start_all()
            yield running
        finally:
            running.stop_all()


@pytest.fixture
def city(platform):
    """Two counties with 100 tasks each; answers (token, batches of each county)."""
    return build_city(platform)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("fault tests: what was sent, acknowledged, stored, evaluated")
    for row in FIGURES:
        terminalreporter.write_line(
            f"{row['test']}: sent {row['sent']}, acknowledged {row['acknowledged']}, "
            f"stored {row['stored']}, evaluated {row['evaluated']}, parked {row['parked']}, "
            f"client retries {row['retries']}")
