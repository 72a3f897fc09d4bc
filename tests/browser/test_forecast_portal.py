"""The forecast colour in the portal: the task page reads the forecast beside the
colour, the one screen counts and lists the tasks forecast red, and the office
reads how the forecasts red came out. Screenshots at 1440x900 and 390x844."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.waiting import eventually

TIMEOUT = 20_000
TASK = "T-BRW-FC"
PHONE = {"width": 390, "height": 844}


def test_a_task_forecast_red_is_read_beside_its_colour(open_as, platform, screenshot):
    admin, http = platform.login(), platform.http
    clock = platform.clock
    today, moment = clock.day, clock.moment
    assert http.post("/api/v1/tasks", headers=admin, json={
        "code": TASK, "title": "测试县农贸市场改造", "lead_unit": UNIT,
        "start_date": (today - dt.timedelta(days=10)).isoformat(),
        "due_date": (today + dt.timedelta(days=30)).isoformat(),
        "targets": [{"due_date": (today + dt.timedelta(days=30)).isoformat(),
                     "planned_percent": 100, "unit": UNIT}],
    }).status_code == 201
    # Three reporting days in a row, a fifth of a point a day where the plan asks
    # two and a half: yellow, some 25 points behind and slipping. The clock goes
    # back after.
    operator = platform.login(OPERATOR)
    try:
        for days, percent in ((0, 5), (1, 5.2), (2, 5.4)):
            clock.set(today + dt.timedelta(days=days), moment.hour)
            answer = http.post("/api/v1/progress", headers=operator,
                               json=[{"task": TASK, "unit": UNIT, "percent": percent}]).json()
            assert answer["results"][0]["status"] == "accepted", answer
            # As the daily evaluation does (a report that changes no colour waits for it).
            http.post("/api/v1/evaluations", headers=admin,
                      params={"as_of": (today + dt.timedelta(days=days)).isoformat()})

            def forecast_of(expected=days):
                items = http.get("/api/v1/forecasts", headers=admin,
                                 params={"task": TASK}).json()["items"]
                assert items and items[0]["as_of"] == (
                    today + dt.timedelta(days=expected)).isoformat(), items
                return items[0]
            if days == 2:
                found = eventually(forecast_of, timeout=30, interval=0.5)
    finally:
        clock.set(today, moment.hour)
    assert found["soon_red"], found

    page = open_as("admin", f"#/task/{TASK}")
    line = page.get_by_test_id("task-forecast")
    expect(line).to_contain_text("按当前进度", timeout=TIMEOUT)
    expect(line).to_contain_text("预测将亮红灯")
    expect(page.get_by_test_id("task-colour")).to_be_visible()  # beside, not instead
    screenshot(page, "forecast-task-1440")
    phone = open_as("admin", f"#/task/{TASK}", viewport=PHONE)
    expect(phone.get_by_test_id("task-forecast")).to_contain_text("按当前进度", timeout=TIMEOUT)
    screenshot(phone, "forecast-task-390")

    screen = open_as("leader", "#/screen")
    board = http.get("/api/v1/dashboard", headers=admin).json()
    expect(screen.get_by_test_id("count-forecast-red")).to_have_text(
        f"{board['forecast_red']} 项", timeout=TIMEOUT)
    expect(screen.get_by_test_id("forecast-table")).to_contain_text("测试县农贸市场改造")
    expect(screen.get_by_test_id("forecast-table")).to_contain_text("测试县")
    screenshot(screen, "forecast-screen-1440")
    screenshot(open_as("leader", "#/screen", viewport=PHONE), "forecast-screen-390")

    office = open_as("admin", "#/office/rules")
    expect(office.get_by_test_id("forecast-accuracy")).to_contain_text("预测预警：近90天",
                                                                        timeout=TIMEOUT)
    screenshot(office, "forecast-office-1440")
    assert not page.errors and not screen.errors and not office.errors
