"""What a ranking container keeps in memory between its workers."""
import datetime as dt
import time
from contextlib import contextmanager

from nameko.extensions import DependencyProvider


class LastScoring:
    """How long this container's last scoring of the live standings took."""

    clock = staticmethod(time.perf_counter)

    def __init__(self):
        self.took = dt.timedelta(0)

    @contextmanager
    def timed(self):
        started = self.clock()
        yield
        self.took = dt.timedelta(seconds=self.clock() - started)


class ScoringClock(DependencyProvider):
    """The container's LastScoring: a timer's worker reads and sets it. Each
    replica knows its own scorings, which is what its share of a core is about."""

    def setup(self):
        self.last = LastScoring()

    def get_dependency(self, worker_ctx):
        return self.last
