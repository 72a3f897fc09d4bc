"""The simulated year: a small city driven through a whole year over HTTP only.

Real: everything, as in the end-to-end tier: RabbitMQ (a private vhost), SQLite
databases in a temporary folder, the four services and the gateway as separate
processes, HTTP on a free local port. The platform's clock is the one thing set
from outside: LUOSHI_CLOCK_FILE holds the simulated moment, which the test moves
on day by day, so the year takes minutes and never depends on the real date.
"""
import datetime as dt
import os

import pytest

from tests.support.platform import running_platform

ZONE = dt.timezone(dt.timedelta(hours=8))


class SimulatedClock:
    """The platform's time: a moment in a file, replaced whole at each move."""

    def __init__(self, path):
        self.path = path
        self.day = None

    def set(self, day, hour=9):
        moment = dt.datetime.combine(day, dt.time(hour), ZONE)
        spare = self.path.with_suffix(".next")
        spare.write_text(moment.isoformat())
        os.replace(spare, self.path)  # never half written for a reader
        self.day = day


@pytest.fixture(scope="module")
def clock(tmp_path_factory):
    clock = SimulatedClock(tmp_path_factory.mktemp("clock") / "now")
    clock.set(dt.date(2026, 3, 2))
    return clock


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
