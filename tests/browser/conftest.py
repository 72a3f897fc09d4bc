"""Browser tier: the portal in a real headless Chromium (Debian's `chromium`,
driven by Playwright), against the platform as `make run` starts it.

Real: everything — RabbitMQ (a private vhost), the four services and the gateway
as processes, SQLite databases in a temporary folder, the browser. The city is
the demo city (`deploy.demo`, a small one) plus one county, 测试县 (BRW), with one
red task whose operator reports in the tests. Faked: nothing. The platform runs
on a clock the tier sets (a day in a year the holiday package covers, with the
next year not yet entered), and the browser's clock shows the same moment, so
nothing depends on the real date.

Screenshots for review are saved under var/screenshots/.
"""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock, judge_new_tasks_at_once
from tests.support.platform import PASSWORD, running_platform
from tests.support.waiting import eventually

CHROMIUM = os.environ.get("LUOSHI_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# The demo's users (deploy/demo.py) share the admin's password.
USERS = {"admin": "admin", "leader": "leader", "operator": "yuanzhou", "evaluator": "fgw"}
UNIT, TASK, OPERATOR = "BRW", "T-BRW-1", "brw-operator"


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    clock = PlatformClock(tmp_path_factory.mktemp("clock") / "now", IN_PACKAGE_YEAR)
    with running_platform(tmp_path_factory.mktemp("luoshi"), clock=clock) as platform:
        # New tasks judged at once, so that the red county is red from the start.
        judge_new_tasks_at_once(platform.http, platform.login())
        # The loader builds the demo around the platform's day (its clock); its past
        # posted at once, not replayed week by week (the end-to-end tier replays it).
        loaded = subprocess.run(
            [sys.executable, "-m", "deploy.demo", "--url", platform.url, "--password", PASSWORD,
             "--tasks", "40", "--seed", "7", "--weeks", "0"], capture_output=True, text=True,
            timeout=600, env=platform.env)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        _add_red_county(platform)
        yield platform


def _add_red_county(platform):
    """测试县 with one task 60 days behind its first target and nothing reported:
    red as of the platform's day; and its operator."""
    admin = platform.login()
    http = platform.http
    assert http.post("/api/v1/units", headers=admin, json={
        "code": UNIT, "name": "测试县", "kind": "county"}).status_code == 201
    today = platform.clock.day
    assert http.post("/api/v1/tasks", headers=admin, json={
        "code": TASK, "title": "测试县产业园道路建设", "lead_unit": UNIT, "category": "产业项目",
        "start_date": (today - dt.timedelta(days=120)).isoformat(),
        "due_date": (today + dt.timedelta(days=60)).isoformat(),
        "targets": [{"due_date": (today - dt.timedelta(days=60)).isoformat(),
                     "planned_percent": 50, "description": "完成路基", "unit": UNIT},
                    {"due_date": (today + dt.timedelta(days=60)).isoformat(),
                     "planned_percent": 100, "description": "通车", "unit": UNIT}],
    }).status_code == 201
    assert http.post("/api/v1/users", headers=admin, json={
        "username": OPERATOR, "password": PASSWORD, "role": "operator",
        "unit": UNIT}).status_code == 201

    def coloured_red():
        http.post("/api/v1/evaluations", headers=admin)
        states = http.get("/api/v1/warnings", headers=admin,
                          params={"task": TASK, "colour": "red"}).json()
        return states["total"] > 0
    eventually(coloured_red, timeout=60, interval=0.5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        # Debian's chromium, never a browser Playwright would download.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, platform):
    """open_as(role or username, path="#/", viewport=...) -> a signed-in Page."""
    contexts = []

    def open_page(who, path="", viewport=None, browser_time=None, timezone=None):
        """`browser_time` and `timezone` set the browser's own clock and zone; by
        default its today is the platform's (its timers keep running)."""
        context = browser.new_context(locale="zh-CN", timezone_id=timezone,
                                      viewport=viewport or {"width": 1440, "height": 900})
        context.clock.set_fixed_time(browser_time or platform.clock.moment)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(platform.url + "/")
        page.fill("input[name=username]", USERS.get(who, who))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#nav a")
        if path:
            page.goto(platform.url + "/" + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return save
