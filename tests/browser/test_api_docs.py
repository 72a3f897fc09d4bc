"""The API's documentation page (/docs) as an integrator opens it: Swagger UI 5
renders the gateway's OpenAPI 3.1 document, lists every operation, and loads
nothing from outside the gateway."""
import pytest
from playwright.sync_api import expect

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
TIMEOUT = 30_000


# Known fault, to be fixed first: Swagger UI 5.35 stops drawing the operations
# once the document holds about 130 of them (it draws the first nine and no more;
# any three fewer and it draws them all). Measured with the same document served
# alone; the OpenAPI document itself is whole (tests/gateway check it).
@pytest.mark.xfail(reason="Swagger UI stops drawing past ~130 operations", strict=False)
def test_the_docs_page_lists_every_operation_with_nothing_from_outside(
        browser, platform, screenshot):
    document = platform.http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operations = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in METHODS}
    # Swagger UI draws an operation once under each of its tags.
    drawn = sum(len(item[method].get("tags") or ["default"])
                for item in document["paths"].values() for method in item if method in METHODS)

    context = browser.new_context(locale="zh-CN")
    outside = []

    def only_the_gateway(route):
        if route.request.url.startswith(platform.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    context.route("**/*", only_the_gateway)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(platform.url + "/docs")

    expect(page.locator(".opblock")).to_have_count(drawn, timeout=TIMEOUT)
    shown = {(block.locator(".opblock-summary-method").inner_text().strip().upper(),
              block.locator(".opblock-summary-path").get_attribute("data-path"))
             for block in page.locator(".opblock").all()}
    assert shown == operations
    # Swagger UI 4 answered "Unable to render this definition" for OpenAPI 3.1.
    expect(page.locator(".errors-wrapper")).to_have_count(0)
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    assert errors == [] and outside == []
    screenshot(page, "api-docs")
    context.close()
