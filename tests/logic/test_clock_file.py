"""The platform's clock (services/common/clock.py): the moment a clock file holds,
or the real time when no file is named or the named file is empty; and a stored
moment as the city's local time."""
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from services.common.clock import CLOCK_FILE, LocalClock, wall_now


def test_a_clock_file_sets_now(tmp_path, monkeypatch):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00+08:00\n")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    assert wall_now() == dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["", "\n", "  \n"])
def test_an_emptied_clock_file_is_the_real_time(tmp_path, monkeypatch, text):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00+08:00")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    assert wall_now().year == 2026 and wall_now().month == 3
    path.write_text(text)
    before = dt.datetime.now(dt.UTC)
    now = wall_now()
    assert before <= now <= dt.datetime.now(dt.UTC)


def test_a_moment_without_its_offset_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    with pytest.raises(ValueError, match=CLOCK_FILE):
        wall_now()


# Zones whose offsets change: by an hour (New York, London), by half an hour at a
# half hour of UTC (Lord Howe, Adelaide), never since 1991 (Shanghai), and one
# with a quarter-hour offset (Kathmandu).
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "Australia/Adelaide", "Asia/Kathmandu"]


@pytest.mark.parametrize("zone", ZONES)
def test_a_stored_moment_is_the_local_time_the_zones_rules_give(zone):
    """LocalClock.local takes an hour's offset once; it must equal the zone's own
    conversion at every moment, the hours the offset changes in above all."""
    clock, rules = LocalClock(ZoneInfo(zone)), ZoneInfo(zone)

    def exact(moment):
        return moment.replace(tzinfo=dt.UTC).astimezone(rules).replace(tzinfo=None)

    moments = []
    start = dt.datetime(2025, 1, 1)
    # Every 7 minutes and 13 seconds of two years: each transition's hour is met
    # at several minutes, and the seconds wander across the hours.
    step = dt.timedelta(minutes=7, seconds=13)
    moment = start
    while moment < dt.datetime(2027, 1, 1):
        moments.append(moment)
        moment += step
    # Each minute, and the instants on either side of it, of the days the offset
    # changes on (a day whose start and end differ in offset).
    def offset(day):
        midnight = dt.datetime.combine(day, dt.time())
        return exact(midnight) - midnight

    days = [start.date() + dt.timedelta(days=n) for n in range(731)]
    changes = [day for day, after in itertools.pairwise(days) if offset(day) != offset(after)]
    for day in changes:
        midnight = dt.datetime.combine(day, dt.time())
        for minute in range(-24 * 60, 2 * 24 * 60):
            at = midnight + dt.timedelta(minutes=minute)
            moments += [at - dt.timedelta(microseconds=1), at, at + dt.timedelta(seconds=1)]
    assert changes or zone in ("Asia/Shanghai", "Asia/Kathmandu")
    wrong = [moment for moment in moments if clock.local(moment) != exact(moment)]
    assert not wrong, wrong[:5]
