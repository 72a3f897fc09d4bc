"""The one screen's figures over HTTP (trend, red items, 13710 deadlines), the
commitments list and the users list, with the services faked."""
import pytest


def test_the_trend_is_the_warnings_services(client, leader, fake_rpc):
    trend = client.get("/api/v1/dashboard/trend?weeks=2", headers=leader).json()
    assert [week["week_end"] for week in trend["weeks"]] == ["2026-04-05", "2026-04-10"]
    assert fake_rpc.called("warnings.get_colour_trend") == [{"weeks": 2}]
    assert client.get("/api/v1/dashboard/trend?weeks=0", headers=leader).status_code == 422


def test_the_rings_are_the_rankings_on_time_rate_and_the_years_closed_notices(
        client, leader, fake_rpc):
    answer = client.get("/api/v1/dashboard/rates", headers=leader).json()
    assert answer["on_time"]["on_time_rate"] == 75.0
    assert answer["notices"] == {"issued_this_year": 4, "closed_this_year": 3,
                                 "closure_rate": 75.0}
    fake_rpc.answer("warnings.get_dashboard", {"counts": {}, "units": [], "notices": {}})
    assert client.get("/api/v1/dashboard/rates", headers=leader).json()["notices"][
        "closure_rate"] is None  # nothing issued yet: no rate, not 0%


def test_red_items_come_with_titles_units_and_days(client, leader, fake_rpc):
    items = client.get("/api/v1/dashboard/red-items", headers=leader).json()["items"]
    assert [(item["task"], item["title"], item["unit_name"]) for item in items] == [
        ("T-001", "建成城市快速路一期", "市发改委")]
    assert items[0]["since"] == "2026-04-01"
    assert (items[0]["days_red"], items[0]["overdue_days"]) == (9, 3)  # the service's figures
    assert fake_rpc.called("warnings.list_red_items") == [{"limit": 1000}]


def test_red_items_a_unit_may_not_read_are_left_out(client, headers_for, fake_rpc):
    other = headers_for("operator", "C01")
    assert client.get("/api/v1/dashboard/red-items", headers=other).json()["items"] == []


def test_clock_deadlines_come_with_titles(client, leader, fake_rpc):
    answer = client.get("/api/v1/dashboard/clocks?within_days=5", headers=leader).json()
    assert [(item["task"], item["stage_name"], item["title"], item["unit_name"])
            for item in answer["items"]] == [
        ("T-002", "首次反馈", "优化营商环境", "市住建局"),
        ("T-003", "办结", "县域污水处理", "袁州区")]
    assert fake_rpc.called("warnings.list_clock_deadlines")[0]["within_days"] == 5


def test_commitments_are_listed_for_the_callers_units(client, headers_for, fake_rpc):
    own = headers_for("operator", "U01")
    assert client.get("/api/v1/commitments", headers=own).json()["total"] == 1
    assert client.get("/api/v1/commitments?unit=C01", headers=own).status_code == 403
    assert client.get("/api/v1/commitments?status=late", headers=own).status_code == 422


def test_admins_list_users_without_passwords(client, admin):
    users = client.get("/api/v1/users", headers=admin).json()
    assert users[0]["username"] == "admin" and "password_hash" not in users[0]


def test_the_import_template_reads_back_as_a_task_library(client, admin):
    from gateway.spreadsheet import read_tasks
    answer = client.get("/api/v1/imports/tasks/template.xlsx", headers=admin)
    assert answer.status_code == 200
    tasks = read_tasks(answer.content)
    assert [task.body["source"] for task in tasks] == ["plan", "assignment"]


def test_the_portal_is_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "一屏统揽" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/portal/js/app.js").status_code == 200


@pytest.mark.parametrize("path", ["/portal/index.html", "/portal/js/app.js"])
def test_the_portals_files_carry_the_same_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
