"""The big screen on a wall: one 16:9 picture that never scrolls, at 1920×1080 and
at 3840×2160, with the counts the API gives, the rings and the trend drawn by
ECharts (served by the gateway, from npm), the counties coloured by their share of
red and opening their red items, the horse race and the ticker. Screenshots of
both sizes are saved."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UNIT

TIMEOUT = 30_000
WALLS = [{"width": 1920, "height": 1080}, {"width": 3840, "height": 2160}]


@pytest.mark.parametrize("viewport", WALLS, ids=lambda size: f"{size['width']}x{size['height']}")
def test_the_big_screen_fits_the_wall_and_says_what_the_api_says(
        open_as, platform, screenshot, viewport):
    page = open_as("leader", "#/screen?big=1", viewport=viewport)
    wall = page.get_by_test_id("wall")
    expect(wall).to_be_visible(timeout=TIMEOUT)
    # Every chart drawn: ECharts puts a canvas in each of its slots.
    for chart in ("ring-colours", "ring-on-time", "ring-closure", "trend-chart"):
        expect(page.get_by_test_id(chart).locator("canvas").first).to_be_attached(timeout=TIMEOUT)
    admin = platform.login()
    counts = platform.http.get("/api/v1/dashboard", headers=admin).json()["counts"]
    for colour in ("green", "yellow", "red"):
        expect(page.get_by_test_id(f"count-{colour}-value")).to_have_text(str(counts[colour]))
    expect(page.get_by_test_id("ticker")).to_contain_text("测试县产业园道路建设")
    expect(page.get_by_test_id("race-county").locator(".lane").first).to_be_visible()
    expect(page.get_by_test_id("wall-clock")).to_contain_text("年")

    size = page.evaluate("[document.scrollingElement.scrollWidth,"
                         " document.scrollingElement.scrollHeight, innerWidth, innerHeight]")
    assert size[0] <= size[2] and size[1] <= size[3], f"the wall scrolls: {size}"
    # Nothing is cut off at the foot: the ticker's bottom is on the screen.
    foot = page.locator(".wall-foot").bounding_box()
    assert foot["y"] + foot["height"] <= viewport["height"]
    screenshot(page, f"big-screen-{viewport['width']}x{viewport['height']}")
    assert page.errors == []


def test_a_county_on_the_map_is_coloured_by_its_share_of_red_and_opens_its_red_items(
        open_as, platform):
    page = open_as("leader", "#/screen?big=1", viewport=WALLS[0])
    admin = platform.login()
    counties = [unit for unit in platform.http.get(
        "/api/v1/units", headers=admin, params={"limit": 1000}).json()["items"]
        if unit["kind"] == "county"]
    tiles = page.get_by_test_id("county-map").locator(".county")
    expect(tiles).to_have_count(len(counties), timeout=TIMEOUT)
    board = {row["unit"]: row for row in
             platform.http.get("/api/v1/dashboard", headers=admin).json()["units"]}
    mine = board[UNIT]
    share = mine["red"] / (mine["green"] + mine["yellow"] + mine["red"])
    tile = page.locator(f".county[data-unit={UNIT}]")
    assert float(tile.get_attribute("data-share")) == pytest.approx(share, abs=0.001)
    tile.click()
    expect(page).to_have_url(f"{platform.url}/#/tasks?lead_unit={UNIT}&colour=red")
    expect(page.locator("body.big")).to_have_count(0)
    expect(page.get_by_text("测试县产业园道路建设").first).to_be_visible(timeout=TIMEOUT)
    # One definition of a unit's red: the list the tile opens counts what the tile said.
    expect(page.get_by_test_id("task-total")).to_have_text(f"共 {mine['red']} 项")
