"""People are named: the office gives each user a person's name and phone, and
the portal shows the name where it shows who someone is, and units by their names."""
from playwright.sync_api import expect

TIMEOUT = 20_000


def test_the_office_names_a_new_user_and_the_header_greets_people_by_name(open_as, platform,
                                                                         screenshot):
    page = open_as("admin", "#/office/users")
    form = page.locator("form", has=page.get_by_role("button", name="新建用户"))
    form.locator("input[name=name]").fill("周晓燕")
    form.locator("input[name=phone]").fill("13907950099")
    form.locator("input[name=username]").fill("zhouxy")
    form.locator("input[name=password]").fill("password-12345")
    form.locator("select[name=role]").select_option("leader")
    form.get_by_role("button", name="新建用户").click()
    users = page.get_by_test_id("users")
    row = users.locator("tr", has_text="zhouxy")
    expect(row).to_contain_text("周晓燕", timeout=TIMEOUT)
    expect(row).to_contain_text("13907950099")
    stored = {user["username"]: user for user in platform.http.get(
        "/api/v1/users", headers=platform.login()).json()}
    assert (stored["zhouxy"]["name"], stored["zhouxy"]["phone"]) == ("周晓燕", "13907950099")
    screenshot(page, "office-users")

    # The demo's leader has a name; the header says it rather than the username.
    leader = open_as("leader")
    expect(leader.locator("#who")).to_contain_text("李建国", timeout=TIMEOUT)
    assert page.errors == [] and leader.errors == []


def test_the_header_names_an_operators_unit_and_not_its_code(open_as):
    page = open_as("operator")
    who = page.locator("#who")
    expect(who).to_contain_text("袁州区", timeout=TIMEOUT)
    expect(who).not_to_contain_text("YUANZHOU")
    assert page.errors == []


def test_a_leaders_instruction_form_starts_with_the_leaders_name(open_as):
    page = open_as("leader", "#/instructions")
    form = page.get_by_test_id("instruction-form")
    expect(form.locator("input[name=leader_name]")).to_have_value("李建国", timeout=TIMEOUT)
    assert page.errors == []


def test_periods_read_as_people_say_them(open_as):
    page = open_as("admin", "#/ranking")
    options = page.locator("select[name=period] option")
    expect(options.first).to_contain_text("年", timeout=TIMEOUT)
    texts = options.all_inner_texts()
    assert not any("-Q" in text or "-H" in text for text in texts), texts
    # The approval panel says which period and which group it is for.
    panel = page.locator("section.panel", has_text="排名审定与发布")
    expect(panel.locator("h2")).to_contain_text("季度")
    assert page.errors == []
