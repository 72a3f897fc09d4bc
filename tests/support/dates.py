"""The dates a platform-level test depends on, set by the test itself.

Tests that evaluate relative to today and are about the flow, not the calendar or
the fair start of a new task, judge by plain rules: calendar days, so that they
pass on any date whatever years the office has entered, and a new task judged from
its dates at once instead of waiting for its first report (待首报), so that a task
created behind its plan is red from the start. tests/logic, tests/service and
tests/year hold the calendar and the fair start themselves."""


def judge_by_plain_rules(http, headers=None):
    """Switch the warnings rules of a running platform to calendar days, with new
    tasks judged at once."""
    answer = http.put("/api/v1/rules", headers=headers or {}, json={
        "rules": {"calendar_mode": "calendar", "first_report_grace": False},
        "note": "tests: calendar days and no first-report grace, whatever today's date"})
    assert answer.status_code == 200, answer.text
