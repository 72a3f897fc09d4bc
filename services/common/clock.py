"""The local clock of the city, as a dependency: "today" is a date in the
supervision office's time zone (LUOSHI_TIMEZONE, default Asia/Shanghai), not UTC."""
import datetime as dt
from zoneinfo import ZoneInfo

from nameko.extensions import DependencyProvider


class LocalClock:
    def __init__(self, zone):
        self.zone = zone

    def now(self):
        return dt.datetime.now(self.zone)

    def today(self):
        return self.now().date()


class Clock(DependencyProvider):
    def setup(self):
        self.clock = LocalClock(ZoneInfo(self.container.config.get("LUOSHI_TIMEZONE")
                                         or "Asia/Shanghai"))

    def get_dependency(self, worker_ctx):
        return self.clock
