"""On a phone (390 px wide) a unit's workbench draws its tasks as cards: titles keep
their width, nothing scrolls sideways and every 报送进度 button is within reach."""
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR

TIMEOUT = 20_000


def test_a_units_tasks_are_cards_on_a_phone(open_as, screenshot):
    page = open_as(OPERATOR, viewport={"width": 390, "height": 844})
    tasks = page.get_by_test_id("unit-tasks")
    expect(tasks).to_contain_text("测试县产业园道路建设", timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = tasks.locator("tbody tr", has_text="测试县产业园道路建设").first
    assert card.evaluate("row => getComputedStyle(row).display") == "block"
    # Each line of the card says what it is: the column's name stands before it.
    title_cell = card.locator("td", has_text="测试县产业园道路建设")
    assert title_cell.evaluate(
        "cell => getComputedStyle(cell, '::before').content").strip('"') != ""
    box = title_cell.bounding_box()
    assert box["width"] > 200, box  # a title reads across the card, not two characters a line
    # The workbench opens on its summary: the unit's tasks, reds and what falls due.
    reds = tasks.locator(".badge.red").count()
    assert reds >= 1
    expect(page.get_by_test_id("summary-red").locator(".value")).to_have_text(str(reds))
    for button in page.locator("[data-report]").all():
        button.scroll_into_view_if_needed()
        bounds = button.bounding_box()
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390, bounds
    screenshot(page, "workbench-phone-cards")
    assert page.errors == []
