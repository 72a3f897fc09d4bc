"""The demo city `make run` loads, loaded through the public API of a running
platform: every step succeeds, and what it leaves is what the portal shows."""
import subprocess
import sys

from tests.e2e.conftest import PASSWORD
from tests.support.dates import judge_by_plain_rules


def test_the_demo_city_loads_and_leaves_a_published_ranking(platform):
    # The demo evaluates as of today: on calendar days that works on any date.
    judge_by_plain_rules(platform.http, platform.login())
    done = subprocess.run(
        [sys.executable, "-m", "deploy.demo", "--url", platform.url, "--password", PASSWORD,
         "--tasks", "40", "--seed", "7"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tasks: 40 created" in done.stdout and "0 rejected" in done.stdout, done.stdout
    admin = platform.login()

    periods = platform.http.get("/api/v1/rankings/periods", headers=admin).json()
    published = [item for item in periods["items"] if item["status"] == "published"]
    assert len(published) == 1, periods
    county = platform.http.get("/api/v1/rankings", headers=admin, params={
        "period": published[0]["period"], "group": "county"}).json()
    assert county["status"] == "published" and county["entries"], county
    assert county["red_list"] is not None and county["black_list"] is not None

    current = periods["current"]["period"]
    given = platform.http.get(f"/api/v1/rankings/{current}/evaluations", headers=admin).json()
    assert given["total"] > 0, given
    counts = platform.http.get("/api/v1/dashboard", headers=admin).json()["counts"]
    assert sum(counts.values()) >= 40

    # Loading it again finds everything there and changes nothing.
    again = subprocess.run(
        [sys.executable, "-m", "deploy.demo", "--url", platform.url, "--password", PASSWORD,
         "--tasks", "40", "--seed", "7"],
        capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "tasks: 0 created, 40 existed" in again.stdout, again.stdout
