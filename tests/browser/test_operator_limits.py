"""A unit's staff are offered only what they may do: the task filters list their own
units, and on the one screen only their own unit's tile opens a list."""
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT

TIMEOUT = 20_000


def test_an_operator_filters_and_opens_only_its_own_units(open_as):
    page = open_as(OPERATOR, "#/tasks")
    lead = page.get_by_test_id("lead-unit-filter")
    expect(lead.locator("option")).to_have_count(2, timeout=TIMEOUT)
    assert lead.locator("option").all_inner_texts() == ["全部（含配合事项）", "测试县"]
    assert page.get_by_test_id("unit-filter").locator("option").all_inner_texts() == [
        "本单位全部", "测试县"]

    page.goto(page.url.split("#")[0] + "#/screen")
    tiles = page.get_by_test_id("units")
    own = tiles.locator(f"[data-unit={UNIT}]")
    expect(own).to_have_attribute("href", f"#/tasks?lead_unit={UNIT}&colour=red",
                                  timeout=TIMEOUT)
    others = tiles.locator(f".unit:not([data-unit={UNIT}])")
    assert others.count() > 5
    assert others.evaluate_all("tiles => tiles.filter(tile => tile.tagName === 'A' "
                               "|| tile.hasAttribute('href')).length") == 0
    assert page.errors == []


def test_the_office_filters_by_every_unit(open_as):
    page = open_as("admin", "#/tasks")
    options = page.get_by_test_id("lead-unit-filter").locator("option")
    expect(options.first).to_have_text("全部单位", timeout=TIMEOUT)
    assert options.count() > 10
