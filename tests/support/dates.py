"""The dates a platform-level test depends on, set by the test itself.

The holiday package ends with 2026; an evaluation on working days of a later day
fails until the office enters that year's calendar. Tests that evaluate relative
to today, and are not about the calendar, count calendar days instead, so that
they pass on any date (tests/logic and tests/service hold the calendar itself)."""


def count_calendar_days(http, headers=None):
    """Switch the warnings rules of a running platform to calendar days."""
    answer = http.put("/api/v1/rules", headers=headers or {}, json={
        "rules": {"calendar_mode": "calendar"},
        "note": "tests: days as calendar days, whatever today's date"})
    assert answer.status_code == 200, answer.text
