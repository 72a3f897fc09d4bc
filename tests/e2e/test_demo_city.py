"""The demo city `make run` loads, loaded through the public API of a running
platform: every step succeeds, and what it leaves is what the portal shows.

The platform runs on a clock the test sets, once on a day in a year the holiday
package covers and once in a year nobody has entered (the calendar provisional):
the loader takes its dates from that clock, so the city it builds is the same
around either day, whatever the real date."""
import subprocess
import sys

import pytest

from tests.e2e.conftest import PASSWORD
from tests.support.dates import IN_PACKAGE_YEAR, PROVISIONAL_YEAR, PlatformClock
from tests.support.platform import running_platform


@pytest.fixture(scope="module", params=[IN_PACKAGE_YEAR, PROVISIONAL_YEAR], ids=str)
def platform(request, tmp_path_factory):
    clock = PlatformClock(tmp_path_factory.mktemp("clock") / "now", request.param)
    with running_platform(tmp_path_factory.mktemp("luoshi"), clock=clock) as platform:
        yield platform


def load_demo(platform):
    # The loader runs beside the platform, with its environment (its clock).
    return subprocess.run(
        [sys.executable, "-m", "deploy.demo", "--url", platform.url, "--password", PASSWORD,
         "--tasks", "40", "--seed", "7"],
        capture_output=True, text=True, timeout=600, env=platform.env)


def test_the_demo_city_loads_and_leaves_a_published_ranking(platform):
    done = load_demo(platform)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tasks: 40 created" in done.stdout and "0 rejected" in done.stdout, done.stdout
    assert f"evaluated as of {platform.clock.day}" in done.stdout, done.stdout
    admin = platform.login()

    periods = platform.http.get("/api/v1/rankings/periods", headers=admin).json()
    published = [item for item in periods["items"] if item["status"] == "published"]
    assert len(published) == 1, periods
    county = platform.http.get("/api/v1/rankings", headers=admin, params={
        "period": published[0]["period"], "group": "county"}).json()
    assert county["status"] == "published" and county["entries"], county
    assert county["red_list"] is not None and county["black_list"] is not None

    current = periods["current"]["period"]
    day = platform.clock.day
    assert current == f"{day.year}-Q{(day.month - 1) // 3 + 1}", periods
    given = platform.http.get(f"/api/v1/rankings/{current}/evaluations", headers=admin).json()
    assert given["total"] > 0, given
    board = platform.http.get("/api/v1/dashboard", headers=admin).json()
    assert sum(board["counts"].values()) >= 40
    # Green, yellow and red all show, as the loader means them to.
    assert all(board["counts"][colour] > 0 for colour in ("green", "yellow", "red")), board

    # Loading it again finds everything there and changes nothing.
    again = load_demo(platform)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "tasks: 0 created, 40 existed" in again.stdout, again.stdout
