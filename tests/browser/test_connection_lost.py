"""When no answer of the gateway's comes — the connection dropped, or a proxy in
front of it answers while it restarts — the portal says so in Chinese, never the
browser's English ("Failed to fetch") or an HTTP status."""
import pytest
from playwright.sync_api import expect

TIMEOUT = 20_000
OFFLINE = "网络连接中断，请检查网络后重试。"
RESTARTING = "服务暂时不可用（正在重启或维护），请稍后重试。"


def dropped(route):
    route.abort()


def proxy_502(route):
    route.fulfill(status=502, content_type="text/html",
                  body="<html><body><h1>502 Bad Gateway</h1></body></html>")


@pytest.mark.parametrize("answer, words", [(dropped, OFFLINE), (proxy_502, RESTARTING)],
                         ids=["connection-dropped", "proxy-502"])
def test_a_page_that_cannot_reach_the_gateway_says_why_in_chinese(open_as, answer, words):
    page = open_as("admin")
    page.route("**/api/v1/**", answer)
    # Another page of the portal, then the portal loaded anew.
    page.evaluate("location.hash = '#/tasks'")
    main = page.locator("#main")
    expect(main).to_contain_text(f"页面加载失败：{words}", timeout=TIMEOUT)
    for english in ("Failed to fetch", "HTTP", "502"):
        expect(main).not_to_contain_text(english)
    page.reload()
    expect(main).to_contain_text(f"页面加载失败：{words}", timeout=TIMEOUT)
    assert page.errors == []
