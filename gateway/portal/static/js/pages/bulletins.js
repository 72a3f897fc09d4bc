// 每周专报: the weekly bulletins for leaders, as PDF or HTML.
import { api, download } from "../api.js";
import { dateTime, errorText, h, panel, table, toast } from "../ui.js";

export async function bulletinsPage(container, { me }) {
  const list = h("div");
  container.append(h("h1", {}, "每周专报（落实事项专报）"), panel(null, list));
  async function show() {
    const items = (await api("/bulletins", { params: { limit: 52 } })).items;
    list.replaceChildren(me.role === "admin" ? h("p", {}, h("button", { type: "button", onclick: async () => {
      try { await api("/bulletins", { method: "POST" }); toast("已生成上周专报并发送领导"); await show(); } catch (error) { toast(errorText(error)); }
    } }, "生成上周专报")) : "", table([
      { label: "周次", value: (row) => `${row.week_start} 起一周` },
      { label: "生成时间", value: (row) => dateTime(row.generated_at) },
      { label: "摘要", value: (row) => summary(row.summary) },
      { label: "下载", value: (row) => h("span.row", {},
        h("button.secondary", { type: "button", onclick: () => download(`/bulletins/${row.id}.pdf`, {}, "bulletin.pdf").catch((error) => toast(errorText(error))) }, "PDF"),
        h("button.secondary", { type: "button", onclick: () => download(`/bulletins/${row.id}.html`, {}, "bulletin.html").catch((error) => toast(errorText(error))) }, "网页")) },
    ], items, { empty: "暂无专报" }));
  }
  await show();
}

function summary(value) {
  if (!value || !value.counts) return "";
  const words = { red: "新增红灯", overdue: "督办超期", closed: "销号" };
  return Object.entries(value.counts).map(([key, count]) => `${words[key] || key} ${count}`).join(" · ");
}
