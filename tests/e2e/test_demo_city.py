"""The demo city `make run` loads, loaded through the public API of a running
platform: every step succeeds, and what it leaves is what the portal shows.

The platform runs on a clock the test sets, once on a day in a year the holiday
package covers and once in a year nobody has entered (the calendar provisional):
the loader takes its dates from that clock, so the city it builds is the same
around either day, whatever the real date. It replays its last twelve weeks on
that clock (a year in `make run`), then sets it back to the test's day."""
import datetime as dt
import subprocess
import sys

import pytest

from tests.e2e.conftest import PASSWORD
from tests.support.dates import IN_PACKAGE_YEAR, PROVISIONAL_YEAR, PlatformClock
from tests.support.platform import running_platform

WEEKS = 12


@pytest.fixture(scope="module", params=[IN_PACKAGE_YEAR, PROVISIONAL_YEAR], ids=str)
def platform(request, tmp_path_factory):
    clock = PlatformClock(tmp_path_factory.mktemp("clock") / "now", request.param)
    with running_platform(tmp_path_factory.mktemp("luoshi"), clock=clock) as platform:
        yield platform


def load_demo(platform):
    # The loader runs beside the platform, with its environment (its clock).
    return subprocess.run(
        [sys.executable, "-m", "deploy.demo", "--url", platform.url, "--password", PASSWORD,
         "--tasks", "40", "--seed", "7", "--weeks", str(WEEKS)],
        capture_output=True, text=True, timeout=600, env=platform.env)


def test_the_demo_city_loads_and_leaves_a_published_ranking(platform):
    done = load_demo(platform)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tasks: 40 created" in done.stdout and "0 rejected" in done.stdout, done.stdout
    assert f"evaluated as of {platform.clock.day}" in done.stdout, done.stdout
    day = platform.clock.day
    assert f"replayed {7 * WEEKS + day.weekday()} days" in done.stdout, done.stdout
    admin = platform.login()
    # The clock is the test's again: the platform's today is the test's day.
    assert platform.clock.path.read_text() == platform.clock.moment.isoformat()

    periods = platform.http.get("/api/v1/rankings/periods", headers=admin).json()
    published = [item for item in periods["items"] if item["status"] == "published"]
    last = day.year * 4 + (day.month - 1) // 3 - 1
    assert f"{last // 4}-Q{last % 4 + 1}" in [item["period"] for item in published], periods
    county = platform.http.get("/api/v1/rankings", headers=admin, params={
        "period": published[0]["period"], "group": "county"}).json()
    assert county["status"] == "published" and county["entries"], county
    assert county["red_list"] is not None and county["black_list"] is not None

    current = periods["current"]["period"]
    assert current == f"{day.year}-Q{(day.month - 1) // 3 + 1}", periods
    given = platform.http.get(f"/api/v1/rankings/{current}/evaluations", headers=admin).json()
    assert given["total"] > 0, given
    board = platform.http.get("/api/v1/dashboard", headers=admin).json()
    assert sum(board["counts"].values()) >= 40
    # Green, yellow and red all show, as the loader means them to.
    assert all(board["counts"][colour] > 0 for colour in ("green", "yellow", "red")), board
    assert board["as_of"] == day.isoformat(), board

    # The replayed weeks are on the first screen: the trend moves over the weeks,
    # red items have been red for days, notices were issued and some answered with
    # a commitment, and the past weeks' bulletins are signed.
    trend = platform.http.get("/api/v1/dashboard/trend", headers=admin).json()["weeks"]
    coloured = [week for week in trend if sum(week[c] for c in ("green", "yellow", "red"))]
    assert len(coloured) >= WEEKS - 1, trend
    assert len({(week["green"], week["yellow"], week["red"]) for week in coloured}) > 1, trend
    red = platform.http.get("/api/v1/dashboard/red-items", headers=admin).json()["items"]
    assert red and max(item["days_red"] for item in red) >= 7, red
    notices = platform.http.get("/api/v1/notices", headers=admin,
                                params={"limit": 1000}).json()["items"]
    assert {notice["status"] for notice in notices} & {"answered", "closed"}, notices
    promises = platform.http.get("/api/v1/commitments", headers=admin).json()
    assert promises["total"] > 0, promises
    bulletins = platform.http.get("/api/v1/bulletins", headers=admin).json()["items"]
    issued = [item for item in bulletins if item["status"] == "issued"]
    assert len(issued) >= WEEKS - 1, bulletins
    assert dt.date.fromisoformat(issued[0]["week_start"]) == (
        day - dt.timedelta(days=day.weekday() + 7)), issued[0]
    # The past was written to the inbox only: nothing waits to go out by SMS.
    waiting = platform.http.get("/api/v1/notifications", headers=admin,
                                params={"channel": "sms"}).json()
    assert waiting["total"] == 0, waiting

    # Loading it again finds everything there and changes nothing.
    again = load_demo(platform)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "tasks: 0 created, 40 existed" in again.stdout, again.stdout
    assert "its past is not replayed again" in again.stdout, again.stdout
