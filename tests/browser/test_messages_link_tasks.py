"""A unit's messages (消息) name the task by its title and who wrote by name, and
open the task's page: the office leaves a word on 测试县's task, and the county's
operator reads it in the workbench's inbox and follows it to the task."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, TASK
from tests.support.platform import PASSWORD
from tests.support.waiting import eventually

TIMEOUT = 30_000
TITLE = "测试县产业园道路建设"


def test_a_message_names_its_task_by_title_and_opens_the_tasks_page(open_as, platform):
    http, admin = platform.http, platform.login()
    assert http.post("/api/v1/users", headers=admin, json={
        "username": "office-zhou", "password": PASSWORD, "role": "admin"}).status_code == 201
    assert http.patch("/api/v1/users/office-zhou", headers=admin,
                      json={"name": "周督查"}).status_code == 200
    posted = http.post(f"/api/v1/tasks/{TASK}/messages", headers=platform.login("office-zhou"),
                       data={"text": "请补充路基验收的佐证材料"})
    assert posted.status_code == 201, posted.text

    page = open_as(OPERATOR, "#/unit")
    link = page.locator(f"[data-testid=inbox] a[data-task='{TASK}']").filter(has_text="有新留言")

    def arrived():
        # The inbox is read when the page opens: reopened until notify has it.
        page.reload()
        page.get_by_test_id("inbox").wait_for(timeout=TIMEOUT)
        return link.count() > 0
    eventually(arrived, timeout=60, interval=1)
    # Who wrote by name, never by login.
    expect(link.first).to_have_text(f"「{TITLE}」有新留言（周督查，督查办）")
    body = link.first.locator("xpath=ancestor::tr").locator("td[data-label=内容]")
    # The task by its title alone: its code is the link's, not the reader's.
    expect(body).to_contain_text("周督查（督查办）于")
    expect(body).to_contain_text(f"在「{TITLE}」留言")
    expect(body).not_to_contain_text(TASK)
    expect(body).not_to_contain_text("office-zhou")
    link.first.click()
    expect(page).to_have_url(re.compile(rf"#/task/{TASK}$"))
    expect(page.get_by_role("heading", name=re.compile(TITLE)).first).to_be_visible(timeout=TIMEOUT)
    assert page.errors == []
