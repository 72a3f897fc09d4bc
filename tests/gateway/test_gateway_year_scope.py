"""The task list and its exports scoped to a year (`year`), and a unit's month
(`due_month`): passed on to the tasks service, which filters in its SQL; a list
of one colour asks the warnings service the colours of that year's tasks only."""
import io

import openpyxl
import pytest

ADMIN = {"user": "admin", "role": "admin", "units": None}


def test_a_year_is_passed_on_and_absent_lists_every_year(client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?year=2026&limit=5", headers=admin).json()
    assert page["total"] == 3
    assert fake_rpc.called("tasks.list_tasks") == [
        {"caller": ADMIN, "year": "2026", "limit": 5, "offset": 0}]
    assert client.get("/api/v1/tasks?year=2025", headers=admin).json()["total"] == 0
    # Integrators who send no year read every year's tasks, as before.
    fake_rpc.calls.clear()
    assert client.get("/api/v1/tasks", headers=admin).json()["total"] == 3
    assert "year" not in fake_rpc.called("tasks.list_tasks")[0]


def test_a_year_of_one_colour_asks_the_colours_of_that_years_tasks_only(
        client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?year=2026&colour=red&unit=U01", headers=admin).json()
    assert [task["code"] for task in page["items"]] == ["T-001"] and page["total"] == 1
    assert page["items"][0]["colour"] == "red"
    assert fake_rpc.calls == [
        ("tasks.list_task_codes", {"caller": ADMIN, "unit": "U01", "year": "2026",
                                   "limit": 1000, "offset": 0}),
        ("warnings.get_task_colours", {"codes": ["T-001"]}),
        ("tasks.list_tasks", {"caller": ADMIN, "codes": ["T-001"], "limit": 1000}),
    ]
    # Never every year's tasks of the colour.
    assert "warnings.list_warnings" not in fake_rpc.names()


def test_a_year_with_no_task_of_the_colour_lists_nothing(client, admin, fake_rpc):
    assert client.get("/api/v1/tasks?year=2025&colour=red", headers=admin).json() == {
        "items": [], "total": 0}
    assert fake_rpc.names() == ["tasks.list_task_codes"]


def _codes_of(workbook_bytes, column):
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes)).active
    return {row[column] for row in sheet.iter_rows(values_only=True)} - {None}


@pytest.mark.parametrize("path", ["/api/v1/tasks/export.xlsx", "/api/v1/tasks/ledger.xlsx"])
def test_the_exports_take_the_year(client, admin, fake_rpc, path):
    answer = client.get(f"{path}?year=2026&colour=yellow", headers=admin)
    assert answer.status_code == 200
    assert fake_rpc.called("tasks.list_task_codes")[0]["year"] == "2026"
    assert fake_rpc.called("tasks.list_tasks") == [
        {"caller": ADMIN, "codes": ["T-003"], "limit": 1000}]
    fake_rpc.calls.clear()
    assert client.get(f"{path}?year=2025", headers=admin).status_code == 200
    assert fake_rpc.called("tasks.list_tasks")[0]["year"] == "2025"


def test_a_due_month_is_passed_on(client, admin, fake_rpc):
    page = client.get("/api/v1/tasks?unit=C01&due_month=2026-09", headers=admin).json()
    assert [task["code"] for task in page["items"]] == ["T-003"]
    assert fake_rpc.called("tasks.list_tasks")[0]["due_month"] == "2026-09"


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/tasks/export.xlsx",
                                  "/api/v1/tasks/ledger.xlsx"])
@pytest.mark.parametrize("year", ["1999", "26", "abc", "2101"])
def test_a_wrong_year_is_refused_in_chinese_with_its_code(client, admin, path, year):
    answer = client.get(f"{path}?year={year}&colour=red", headers=admin)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "year_invalid"
    assert body["message"] == "年份应为 2000—2100 之间的四位数字，如 2026。"
