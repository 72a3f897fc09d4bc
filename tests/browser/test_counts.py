"""One definition of each count (统计口径), read the same in every view: a unit's
red tasks on its tile of the one screen, in the red list the tile opens, in the
ledger exported with the same filters, and their days red (亮红灯天数) in the
list and on the screen's red items. The definitions are on the help page, which
the screen and the workbench link to."""
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import TASK, UNIT
from tests.support.waiting import eventually

TIMEOUT = 30_000


def _ledger_codes(http, headers, params):
    """The task codes of the ledger (重点任务清单) exported with `params`."""
    answer = http.get("/api/v1/tasks/ledger.xlsx", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[1].index("任务编号")  # a title row, then the header
    return [row[column] for row in rows[2:] if row and row[column]]


def test_a_units_red_count_is_one_number_on_the_tile_the_list_and_the_export(platform):
    http, admin = platform.http, platform.login()

    def agree():
        board = http.get("/api/v1/dashboard", headers=admin).json()
        units = board["units"]
        assert any(unit["red"] for unit in units) and any(unit["unit"] == UNIT for unit in units)
        assert sum(unit["red"] for unit in units) == board["counts"]["red"]
        days_red = {}
        for unit in units:
            params = {"lead_unit": unit["unit"], "colour": "red"}
            page = http.get("/api/v1/tasks", headers=admin,
                            params={**params, "limit": 1000}).json()
            assert page["total"] == len(page["items"]) == unit["red"], unit
            assert {task["lead_unit"] for task in page["items"]} <= {unit["unit"]}
            assert {task["colour"] for task in page["items"]} <= {"red"}
            # The red list is ordered by days red, the longest first.
            days = [task["colour_days"] for task in page["items"]]
            assert all(isinstance(day, int) and day >= 0 for day in days)
            assert days == sorted(days, reverse=True)
            codes = [task["code"] for task in page["items"]]
            assert sorted(_ledger_codes(http, admin, params)) == sorted(codes)
            days_red.update({task["code"]: task["colour_days"] for task in page["items"]})
        # The screen's red items count the same days.
        reds = http.get("/api/v1/dashboard/red-items", headers=admin,
                        params={"limit": 100}).json()
        assert reds["total"] == len(days_red)
        assert all(days_red[red["task"]] == red["days_red"] for red in reds["items"])
        assert ([red["days_red"] for red in reds["items"]]
                == sorted(days_red.values(), reverse=True)[:len(reds["items"])])
        return board
    eventually(agree, timeout=60, interval=0.5)


def test_a_tile_opens_its_units_red_list_of_as_many_rows_as_it_says(open_as, platform):
    page = open_as("admin", "#/screen")
    tile = page.locator(f"[data-testid=units] [data-unit={UNIT}]")
    expect(tile).to_be_visible(timeout=TIMEOUT)
    red = int(re.search(r"红(\d+)", tile.locator(".nums").inner_text()).group(1))
    assert red >= 1  # 测试县's task is red from the start
    tile.click()
    expect(page).to_have_url(re.compile(rf"#/tasks\?lead_unit={UNIT}&colour=red"))
    expect(page.get_by_test_id("task-total")).to_have_text(f"共 {red} 项", timeout=TIMEOUT)
    rows = page.locator("[data-testid=tasks] tbody tr")
    expect(rows).to_have_count(red)
    days = page.locator(f"[data-testid=tasks] tr[data-code='{TASK}'] td[data-label=亮红灯]")
    expect(days).to_have_text(re.compile(r"^\d+天$"))
    assert page.errors == []


def test_the_definitions_are_one_click_from_the_screen_and_the_workbench(open_as, platform):
    rules = platform.http.get("/api/v1/rules", headers=platform.login()).json()["rules"]
    page = open_as("admin", "#/screen")
    page.get_by_test_id("screen-help").click()
    for part in ("colours", "share", "days-red", "on-time", "closure", "ranking"):
        expect(page.get_by_test_id(f"help-{part}")).to_be_visible(timeout=TIMEOUT)
    # The thresholds are the rules in force, not words fixed in the page.
    days = "工作日" if rules["calendar_mode"] == "working" else "自然日"
    expect(page.get_by_test_id("help-colours")).to_contain_text(
        f"目标过期未达计划超过{rules['late_days_red']}个{days}")
    expect(page.get_by_test_id("help-share")).to_contain_text("三分之一")

    workbench = open_as("operator", "#/unit")
    workbench.get_by_test_id("workbench-help").click()
    expect(workbench.get_by_test_id("help-days-red")).to_contain_text("转为红灯的评价日")
    expect(workbench.locator("#help-link")).to_be_visible()
    assert page.errors == [] and workbench.errors == []
