"""Every Python process started with this folder on PYTHONPATH and LUOSHI_TEST_AS_OF
set (`make test-as-of`) believes the real time is that moment, and its time goes
on from there: the tests, the gateway and every service replica they start.

Why: a test that leans on the real date passes today and refuses every submission
on the day the real date moves past what it assumed (a holiday package that ends,
a year that turns). Running the suite as of days to come finds such a test now.

Why time-machine and not libfaketime: libfaketime fakes the monotonic clock too,
and Python's timed waits (`queue.get(timeout=...)`, `Event.wait`) then never end;
told to leave the monotonic clock alone, it fails every `time.sleep`. time-machine
moves only the wall clock of Python itself. The broker, the database and the
browser keep the real time, as a server would that was set right."""
import os

_MOMENT = os.environ.get("LUOSHI_TEST_AS_OF")

if _MOMENT:
    try:
        import time_machine
    except ImportError:
        # A process left on the real time would pass what the run is meant to try.
        raise SystemExit("LUOSHI_TEST_AS_OF needs time-machine (make setup installs it)") from None

    # tick: time goes on from the moment, so timeouts, ages and orderings still work.
    time_machine.travel(_MOMENT, tick=True).start()
