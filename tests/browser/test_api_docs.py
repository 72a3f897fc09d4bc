"""The API's documentation page (/docs) as an integrator opens it: Swagger UI 5
renders the gateway's OpenAPI 3.1 document, draws every operation, and loads
nothing from outside the gateway.

Swagger UI (5.3x on) virtualises the operations list once it holds 150 rows or
more (tags and operations together): it draws the rows in view, a few beyond,
and the others as the reader scrolls to them, and a deep link scrolls to its
operation first. The gateway's document is past that size, so the page is read
here the way a reader reads it, from the top to the bottom."""
from playwright.sync_api import expect

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
TIMEOUT = 30_000

# True once the rows drawn reach the bottom of the window (or the list's end):
# what a reader sees there is drawn. A list that is not virtualised (a smaller
# document) is drawn whole at once.
DRAWN_TO_THE_BOTTOM = """() => {
  const list = document.querySelector(".operations-virtual__list");
  if (!list) return document.querySelectorAll(".opblock").length > 0;
  const rows = list.children;
  if (!rows.length) return false;
  return rows[rows.length - 1].getBoundingClientRect().bottom >= window.innerHeight
    || parseFloat(list.style.paddingBottom || "0") === 0;
}"""
SHOWN = """() => [...document.querySelectorAll(".opblock")].map((block) => [block.id,
  block.querySelector(".opblock-summary-method").innerText.trim().toUpperCase(),
  block.querySelector(".opblock-summary-path").getAttribute("data-path")])"""


def _operations(document):
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _read_to_the_bottom(page):
    """{block id: (METHOD, path)} of every operation drawn while scrolling the page
    from the top to the bottom, half a window at a time."""
    seen = {}
    page.evaluate("window.scrollTo(0, 0)")
    while True:
        page.wait_for_function(DRAWN_TO_THE_BOTTOM, timeout=TIMEOUT)
        seen.update({block: (method, path) for block, method, path in page.evaluate(SHOWN)})
        at, height, total = page.evaluate(
            "[window.scrollY, window.innerHeight, document.documentElement.scrollHeight]")
        if at + height >= total - 1:
            return seen
        page.evaluate(f"window.scrollTo(0, {at + height // 2})")
        page.wait_for_function(f"window.scrollY > {at}", timeout=TIMEOUT)


def test_the_docs_page_draws_every_operation_with_nothing_from_outside(
        browser, platform, screenshot):
    document = platform.http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operations = _operations(document)
    expected = {(method.upper(), path) for method, path, _ in operations}
    # Swagger UI draws an operation once under each of its tags.
    drawn = sum(len(operation.get("tags") or ["default"]) for _, _, operation in operations)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
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
    expect(page.locator(".opblock").first).to_be_visible(timeout=TIMEOUT)
    screenshot(page, "api-docs")

    seen = _read_to_the_bottom(page)
    assert len(seen) == drawn
    assert set(seen.values()) == expected

    # A deep link to the last operation opens it, however far down the list it is.
    method, path, operation = operations[-1]
    tag = (operation.get("tags") or ["default"])[0]
    page.goto(f"{platform.url}/docs#/{tag}/{operation['operationId']}")
    page.reload()
    last = page.locator(f".opblock-{method} .opblock-summary-path[data-path='{path}']").first
    expect(last).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(f".opblock-{method}.is-open")).to_have_count(1, timeout=TIMEOUT)

    # Swagger UI 4 answered "Unable to render this definition" for OpenAPI 3.1.
    expect(page.locator(".errors-wrapper")).to_have_count(0)
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    assert errors == [] and outside == []
    context.close()
