import { signIn } from "../api.js";
import { errorText, field, h } from "../ui.js";

export function loginPage(onSignedIn) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p.error", { role: "alert" });
  const form = h("form.panel.login", {},
    h("span.seal", {}, "落实"),
    h("h1", {}, "一屏统揽抓落实管理平台"),
    field("用户名", username),
    field("密码", password),
    h("button", { type: "submit" }, "登录"),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await signIn(username.value.trim(), password.value);
      await onSignedIn();
    } catch (error) {
      message.textContent = error.status === 401 && !(error.detail && error.detail.message) ? "用户名或密码错误" : errorText(error);
    }
  });
  return form;
}
