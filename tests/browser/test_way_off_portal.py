"""The way off the black list in the portal: a black-listed unit's operator
reads it on the workbench, the office in the unit's row of the live ranking,
each with what the ranking service computed (its note, its actions with their
points); a unit off the list reads one line saying so."""
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.platform import PASSWORD

TIMEOUT = 20_000


def test_a_black_listed_unit_reads_its_way_off_on_the_workbench_and_in_the_ranking(
        open_as, platform, screenshot):
    admin = platform.login()
    http = platform.http
    county = http.get("/api/v1/rankings", params={"group": "county"}, headers=admin).json()
    assert county["black_list"], county  # the demo city has a bottom group
    listed = county["black_list"][0]
    found = http.get("/api/v1/rankings/way-off", params={"unit": listed["unit"]},
                     headers=admin).json()
    assert found["on_black_list"] and found["note"], found
    assert http.post("/api/v1/users", headers=admin, json={
        "username": "way-off-operator", "password": PASSWORD, "role": "operator",
        "unit": listed["unit"]}).status_code == 201

    def check(page):
        panel = page.get_by_test_id("way-off-panel")
        expect(panel.get_by_test_id("way-off-note")).to_have_text(found["note"],
                                                                  timeout=TIMEOUT)
        expect(panel.locator("h2")).to_have_text("如何脱离黑榜 / 提升排名")
        expect(panel).to_contain_text("列入黑榜")
        actions = panel.locator("[data-testid=way-off-actions] > li")
        expect(actions).to_have_count(len(found["actions"]))
        for action in found["actions"]:
            expect(panel).to_contain_text(action["text"])
            if action["points"] > 0:
                expect(panel).to_contain_text(f"+{action['points']:.2f}分")

    page = open_as("way-off-operator", "#/unit")
    check(page)
    screenshot(page, "way-off-workbench")
    narrow = open_as("way-off-operator", "#/unit", viewport={"width": 390, "height": 844})
    check(narrow)
    screenshot(narrow, "way-off-workbench-phone")

    office = open_as("admin", "#/ranking?group=county")
    row = office.get_by_test_id("ranking").locator("tbody tr").filter(has_text=listed["name"])
    expect(row).to_have_count(1, timeout=TIMEOUT)
    row.locator("summary").click()
    expect(row.get_by_test_id("way-off-note")).to_have_text(found["note"], timeout=TIMEOUT)
    screenshot(office, "way-off-ranking")
    assert page.errors == [] and narrow.errors == [] and office.errors == []


def test_a_unit_off_the_list_reads_one_line(open_as, platform):
    found = platform.http.get("/api/v1/rankings/way-off", params={"unit": UNIT},
                              headers=platform.login()).json()
    page = open_as(OPERATOR, "#/unit")
    panel = page.get_by_test_id("way-off-panel")
    if found["on_black_list"] or found["in_bottom_group"]:
        expect(panel.get_by_test_id("way-off-note")).to_have_text(found["note"],
                                                                  timeout=TIMEOUT)
    else:
        expect(panel.get_by_test_id("way-off-clear")).to_contain_text(found["note"],
                                                                      timeout=TIMEOUT)
        expect(panel.locator("h2")).to_have_count(0)
    assert page.errors == []
