"""Waiting for something to become true, with a deadline instead of a fixed sleep."""
import time


def eventually(check, timeout=20, interval=0.1):
    """Call `check` until it returns a truthy value (answered) or stops raising
    AssertionError; fail with the last reason at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
            reason = f"{check.__name__} returned {result!r}"
        except AssertionError as error:
            reason = str(error)
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {reason}")
        time.sleep(interval)  # poll again until the deadline
