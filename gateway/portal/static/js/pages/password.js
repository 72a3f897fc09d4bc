// 修改密码: every user changes its own password here; after the office reset it,
// this is the only page the user reaches until it has chosen a new one.
import { api, session } from "../api.js";
import { field, h, submitting } from "../ui.js";

export function passwordPage(container, { me }) {
  const forced = me.must_change_password;
  const form = h("form.panel", { "data-testid": "password-form" },
    h("div.fields", {},
      field(forced ? "管理员提供的临时密码" : "当前密码", h("input", { name: "current", type: "password", autocomplete: "current-password", required: true })),
      field("新密码（至少8位）", h("input", { name: "new", type: "password", autocomplete: "new-password", minlength: 8, required: true })),
      field("再次输入新密码", h("input", { name: "again", type: "password", autocomplete: "new-password", minlength: 8, required: true }))),
    h("button", { type: "submit" }, "修改密码"));
  submitting(form, async (data) => {
    if (data.get("new") !== data.get("again")) throw new Error("两次输入的新密码不一致");
    await api("/auth/password", { method: "POST", json: { current: data.get("current"), new: data.get("new") } });
    session.me = await api("/auth/me");
    if (forced) location.hash = "#/";
    return "密码已修改，其他设备上的登录已失效。";
  });
  container.append(h("h1", {}, "修改密码"),
    forced ? h("p.error", { role: "alert" }, "您的密码已由督查办重置，请先设置新密码后再继续使用。") : null,
    form);
}
