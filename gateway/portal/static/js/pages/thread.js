// The conversation on a task: who wrote, as which side, when, with files. The
// office, the task's units and (where they gave an instruction) leaders write.
import { api, download } from "../api.js";
import { dateTime, errorText, h, panel, submitting, toast } from "../ui.js";

const SIDE = { office: "督查办", unit: "责任单位", leader: "领导" };

export function threadPanel(task, me) {
  const list = h("ol.timeline", { "data-testid": "thread" });
  const fileLink = (file) => h("a", { href: "#", onclick: (event) => {
    event.preventDefault();
    download(`/tasks/${encodeURIComponent(task.code)}/evidence/${file.id}`, {}, file.filename).catch((error) => toast(errorText(error)));
  } }, file.filename);
  async function show() {
    const page = await api(`/tasks/${encodeURIComponent(task.code)}/messages`, { params: { limit: 1000 } });
    list.replaceChildren(...(page.items.length ? page.items.map((message) => h("li", { class: message.side === "office" ? "yellow" : null },
      h("div.when", {}, `${dateTime(message.posted_at)} · ${message.author_name}（${SIDE[message.side] || message.side}${message.unit ? " " + message.unit_name : ""}）`),
      h("div", {}, message.text),
      message.files.length ? h("div.small", {}, "附件：", ...message.files.map((file) => [fileLink(file), " "])) : null))
      : [h("li.empty", {}, "暂无留言")]));
  }
  const form = h("form", { "data-testid": "thread-form" },
    h("textarea", { name: "text", required: true, maxlength: 5000, placeholder: "留言内容" }),
    h("input", { name: "files", type: "file", multiple: true }),
    h("button", { type: "submit" }, "留言"));
  submitting(form, async (data) => {
    const body = new FormData();
    body.append("text", data.get("text"));
    for (const file of data.getAll("files")) if (file && file.size) body.append("files", file);
    await api(`/tasks/${encodeURIComponent(task.code)}/messages`, { method: "POST", form: body });
    form.reset();
    await show();
    return "已留言，对方将收到消息提醒";
  });
  show().catch((error) => list.replaceChildren(h("li.error", {}, errorText(error))));
  const built = panel("沟通留言", list);
  if (me.role !== "leader") {
    if (["admin", "operator", "evaluator"].includes(me.role)) built.append(form);
  } else {
    // Leaders read threads; they write on a task they gave an instruction on.
    api("/instructions", { params: { mine: true, task: task.code, limit: 1 } })
      .then((page) => { if (page.total) built.append(form); }).catch(() => {});
  }
  return built;
}
