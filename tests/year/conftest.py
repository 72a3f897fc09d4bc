"""The simulated year: a small city driven through a whole year over HTTP only.

Real: everything, as in the end-to-end tier: RabbitMQ (a private vhost), SQLite
databases in a temporary folder, the four services and the gateway as separate
processes, HTTP on a free local port. The platform's clock is the one thing set
from outside: LUOSHI_CLOCK_FILE holds the simulated moment, which the test moves
on day by day, so the year takes minutes and never depends on the real date.
"""
import datetime as dt

import pytest

from tests.support.dates import PlatformClock
from tests.support.platform import running_platform


@pytest.fixture(scope="module")
def clock(tmp_path_factory):
    return PlatformClock(tmp_path_factory.mktemp("clock") / "now", dt.date(2026, 3, 2))


@pytest.fixture(scope="module")
def platform(tmp_path_factory, clock):
    env = {"LUOSHI_CLOCK_FILE": str(clock.path),
           # The board answers what was just evaluated, not a copy seconds old.
           "LUOSHI_DASHBOARD_SECONDS": "0",
           # The year's evaluations are the test's, day by day; the daily timer's
           # own run would only repeat one of them.
           "LUOSHI_EVALUATION_TICK_SECONDS": "86400",
           # A year of one office's requests in minutes: no per-client limit.
           "LUOSHI_RATE_LIMIT_PER_MINUTE": "0"}
    with running_platform(tmp_path_factory.mktemp("luoshi"), environment=env) as platform:
        yield platform
