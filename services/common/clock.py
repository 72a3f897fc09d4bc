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

    def day_of(self, moment):
        """The city's day of a moment (a datetime or an ISO text); a moment without
        an offset is UTC."""
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).date()


class Clock(DependencyProvider):
    def setup(self):
        self.clock = LocalClock(ZoneInfo(self.container.config.get("LUOSHI_TIMEZONE")
                                         or "Asia/Shanghai"))

    def get_dependency(self, worker_ctx):
        return self.clock
