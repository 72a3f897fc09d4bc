"""The local clock of the city, as a dependency: "today" is a date in the
supervision office's time zone (LUOSHI_TIMEZONE, default Asia/Shanghai), not UTC."""
import datetime as dt
from zoneinfo import ZoneInfo

from nameko.extensions import DependencyProvider

# Moments as the tables keep them: naive UTC.

def utcnow():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def iso(value):
    """A stored date or moment as ISO 8601 text; anything else as it is."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def utc_iso(moment):
    """A stored (naive UTC) moment as answers carry it, ISO 8601 with its Z; None
    stays None."""
    return moment.isoformat() + "Z" if moment is not None else None



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
