"""`make test-as-of`: a Python process started as the suite's are believes the real
time is the moment it is given, its time goes on, and its timed waits still end."""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

AS_OF = Path(__file__).resolve().parents[1] / "support" / "as_of"

PROBE = """
import datetime as dt, json, queue, time
first = time.time()
started = time.monotonic()
try:
    queue.Queue().get(timeout=0.05)
except queue.Empty:
    pass
print(json.dumps({
    "utc": dt.datetime.now(dt.UTC).isoformat(),
    "today_in_beijing": dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat(),
    "ticked": time.time() > first,
    "wait_s": time.monotonic() - started,
}))
"""


def probe(moment):
    environment = {**os.environ, "PYTHONPATH": str(AS_OF)}
    environment.pop("LUOSHI_TEST_AS_OF", None)
    if moment:
        environment["LUOSHI_TEST_AS_OF"] = moment
    answer = subprocess.run([sys.executable, "-c", PROBE], env=environment, check=True,
                            capture_output=True, text=True, timeout=60)
    return json.loads(answer.stdout)


def test_a_process_started_as_of_a_moment_lives_from_it():
    seen = probe("2027-12-31T23:30:00+08:00")
    utc = dt.datetime.fromisoformat(seen["utc"])
    assert dt.datetime(2027, 12, 31, 15, 30, tzinfo=dt.UTC) <= utc
    assert utc < dt.datetime(2027, 12, 31, 15, 35, tzinfo=dt.UTC)
    assert seen["today_in_beijing"] == "2027-12-31"
    assert seen["ticked"]
    # The wait that libfaketime never ends: 50 ms stays some 50 ms.
    assert 0.04 <= seen["wait_s"] < 5


def test_without_a_moment_the_process_keeps_the_real_time(tmp_path):
    # The kernel stamps a file with the real time, even when this suite runs as of
    # another day.
    mark = tmp_path / "now"
    mark.touch()
    real = dt.datetime.fromtimestamp(mark.stat().st_mtime, dt.UTC)
    seen = dt.datetime.fromisoformat(probe(None)["utc"])
    assert real - dt.timedelta(seconds=1) <= seen < real + dt.timedelta(minutes=1)
