"""End-to-end tier: the platform as `make run` starts it (migrations, the four
services and the gateway as separate processes), driven over HTTP only.

Real: everything — RabbitMQ (a private vhost), SQLite databases in a temporary
folder, the processes, HTTP on a free local port. Faked: nothing.
"""
import pytest

from tests.support.platform import PASSWORD, Platform, free_port, running_platform  # noqa: F401
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("luoshi")) as platform:
        yield platform


def wait(check, timeout=30):
    return eventually(check, timeout=timeout, interval=0.2)


