"""The task list's year scope and due month, filtered in the tasks service's
SQL on SQLite and PostgreSQL. The platform's time is a clock file the test
moves (tests/support/dates.py), so a task is finished on the day it says."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook

from services.common.errors import InvalidInput
from services.tasks.service import Service
from tests.support.dates import PlatformClock
from tests.support.services import prepare, service_config

ADMIN = {"user": "admin", "role": "admin", "units": None}


@pytest.fixture
def tasks(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    clock = PlatformClock(tmp_path / "now.txt", dt.date(2024, 1, 2))
    monkeypatch.setenv("LUOSHI_CLOCK_FILE", str(clock.path))
    config = service_config(amqp_uri, tmp_path, {"tasks": db_backend} if db_backend else None)
    prepare(config, "tasks")
    container = container_factory(Service, config)
    container.start()

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    call.clock = clock
    yield call
    container.stop()


def task(code, start, due, targets=()):
    return {"code": code, "title": f"任务{code}", "lead_unit": "yz", "start_date": start,
            "due_date": due, "targets": [{"due_date": day, "planned_percent": percent}
                                         for day, percent in targets]}


def seed(call):
    call("create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    for item in (
        task("DONE24", "2024-03-01", "2024-06-30"),  # finished on time in 2024
        task("LATE24", "2024-01-01", "2024-12-31"),  # due in 2024, explained in 2025
        task("OPEN24", "2024-05-01", "2024-12-31", [("2024-12-20", 100)]),  # still in hand
        task("GONE25", "2025-01-01", "2025-12-31"),  # cancelled in 2025
        task("NEW26", "2026-02-01", "2027-03-31", [("2026-05-31", 40), ("2027-03-31", 100)]),
        task("LATER", "2028-01-01", "2028-12-31"),  # planned for a year to come
    ):
        call("create_task", item, ADMIN)
    call.clock.set(dt.date(2024, 6, 20))
    call("explain_task", "DONE24", "提前完成，另行验收", ADMIN)
    # The city's first hour of 2025 is still 2024 in UTC: the year is the city's.
    call.clock.set(dt.date(2025, 1, 1), hour=0)
    call("explain_task", "LATE24", "跨年办结", ADMIN)
    call.clock.set(dt.date(2025, 3, 10))
    call("cancel_task", "GONE25", "规划调整", ADMIN)
    call.clock.set(dt.date(2026, 12, 7))


def codes(call, **filters):
    found = [item["code"] for item in call("list_tasks", ADMIN, limit=1000, **filters)["items"]]
    assert call("list_task_codes", ADMIN, limit=1000, **filters) == {
        "items": found, "total": len(found)}
    return found


def test_a_year_keeps_the_tasks_of_its_period_and_those_still_in_hand(tasks):
    seed(tasks)
    assert codes(tasks, year=2023) == []
    assert codes(tasks, year=2024) == ["DONE24", "LATE24", "OPEN24"]
    # Work carried over: explained in 2025, still open, or begun and ended in it.
    assert codes(tasks, year=2025) == ["GONE25", "LATE24", "OPEN24"]
    assert codes(tasks, year=2026) == ["NEW26", "OPEN24"]
    assert codes(tasks, year="2027") == ["NEW26", "OPEN24"]
    # A task not finished stays in every year after its own, until it is.
    assert codes(tasks, year=2028) == ["LATER", "NEW26", "OPEN24"]
    # Without a year, every year's, as before.
    assert len(codes(tasks)) == 6
    assert codes(tasks, year=2024, status="explained") == ["DONE24", "LATE24"]


def test_a_due_month_keeps_the_tasks_due_or_with_a_target_due_in_it(tasks):
    seed(tasks)
    assert codes(tasks, due_month="2026-05") == ["NEW26"]
    assert codes(tasks, due_month="2026-04") == []
    assert codes(tasks, due_month="2024-12") == ["LATE24", "OPEN24"]
    assert codes(tasks, due_month="2024-12", year=2026, unit="yz") == ["OPEN24"]


@pytest.mark.parametrize("year", [1999, 2101, "26", "二〇二六", True, 2026.5])
def test_a_year_it_cannot_take_is_refused_with_its_code(tasks, year):
    with pytest.raises(InvalidInput) as refused:
        tasks("list_tasks", ADMIN, year=year)
    assert refused.value.detail["year"]["code"] == "year_invalid"


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "2026/12", "2026-00", 202612])
def test_a_month_it_cannot_take_is_refused_with_its_code(tasks, month):
    with pytest.raises(InvalidInput) as refused:
        tasks("list_task_codes", ADMIN, due_month=month)
    assert refused.value.detail["due_month"]["code"] == "month_invalid"
