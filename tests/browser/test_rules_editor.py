"""The office's rules read as a Chinese form: every rule by its name, with its unit
and what it does, choices as choices; a change is saved as a new version."""
import re

from playwright.sync_api import expect

TIMEOUT = 20_000
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_rules_are_a_chinese_form_and_a_change_is_a_new_version(open_as, platform,
                                                                     screenshot):
    page = open_as("admin", "#/office/rules")
    forms = page.locator("form.rules")
    expect(forms).to_have_count(3, timeout=TIMEOUT)
    # Every rule the services keep has its Chinese name: none is left under 其他.
    expect(page.locator("form.rules h3", has_text="其他")).to_have_count(0)
    labels = [text.strip() for text in page.locator("form.rules .rule > .field > label")
              .evaluate_all("nodes => nodes.map(node => node.firstChild.textContent)")]
    assert len(labels) >= 25
    assert all(CJK.search(text) and not re.fullmatch(r"[a-z_]+", text) for text in labels), labels
    assert "textarea" not in page.locator("form.rules .rule:not([data-rule=groups])").evaluate_all(
        "nodes => nodes.map(node => node.innerHTML).join('')")
    expect(page.locator("select[name=calendar_mode] option:checked")).to_have_text("工作日")
    expect(page.locator("[data-rule=weights]")).to_contain_text("目标按期完成率")
    screenshot(page, "rules-editor-1440")

    admin = platform.login()
    before = platform.http.get("/api/v1/ranking-rules", headers=admin).json()
    score = forms.nth(1)
    grace = score.locator("input[name=report_grace_days]")
    original = grace.input_value()
    grace.fill(str(int(original) + 1))
    score.locator("input[name=__note]").fill("报送宽限延长一天")
    score.get_by_role("button", name="保存为新版本").click()
    expect(score.locator(".form-message")).to_contain_text("修改了报送宽限", timeout=TIMEOUT)
    after = platform.http.get("/api/v1/ranking-rules", headers=admin).json()
    assert after["version"] == before["version"] + 1
    assert after["rules"]["report_grace_days"] == int(original) + 1
    # Put it back, so the rest of the tier ranks by the demo's rules.
    platform.http.put("/api/v1/ranking-rules", headers=admin, json={
        "rules": {"report_grace_days": int(original)}, "note": "恢复"}).raise_for_status()
    assert page.errors == []
