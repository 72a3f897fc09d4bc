"""End-to-end tier: the platform as `make run` starts it (migrations, the four
services and the gateway as separate processes), driven over HTTP only.

Real: everything — RabbitMQ (a private vhost), SQLite databases in a temporary
folder, the processes, HTTP on a free local port. Faked: nothing. The platform's
clock is set by the tests (tests/support/dates.py), never the real date.
"""
import pytest

from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock
from tests.support.platform import PASSWORD, Platform, free_port, running_platform  # noqa: F401
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    clock = PlatformClock(tmp_path_factory.mktemp("clock") / "now", IN_PACKAGE_YEAR)
    with running_platform(tmp_path_factory.mktemp("luoshi"), clock=clock) as platform:
        yield platform


def wait(check, timeout=30):
    return eventually(check, timeout=timeout, interval=0.2)


