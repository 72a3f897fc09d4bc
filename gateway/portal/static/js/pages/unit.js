// 本单位工作台: a unit's tasks due this month, its notices to acknowledge and
// answer, its commitments and its inbox.
import { all, api } from "../api.js";
import { accountabilityPanel } from "./accountability.js";
import { wayOffPanel } from "./way_off.js";
import { NOTICE_STATUS, badge, chineseDate, dateTime, errorText, field, h, panel, percent, select, submitting, table, toast, today } from "../ui.js";

export async function unitPage(container, { me }) {
  const unit = (me.units || [])[0];
  if (!unit) {
    container.append(h("p.error", {}, "账号未关联单位，请联系督查办。"));
    return;
  }
  const month = today().slice(0, 7);
  const year = month.slice(0, 4);
  // Asked of the server by what is shown, not all the unit's tasks of every
  // year: the month's due tasks, and this year's with those still in hand.
  const [info, tasks, dueThisMonth] = await Promise.all([api(`/units/${encodeURIComponent(unit)}`),
    all("/tasks", { unit, year }), all("/tasks", { unit, due_month: month })]);
  const due = [];
  // The server keeps the tasks due, or with a target due, this month; here the
  // unit's own target among them is picked.
  for (const task of dueThisMonth) {
    const targets = (task.targets || []).filter((target) => String(target.due_date).startsWith(month) && (target.unit || task.lead_unit) === unit);
    if (targets.length || String(task.due_date).startsWith(month)) due.push({ ...task, target: targets[0] });
  }
  const sections = { notices: h("div"), commitments: h("div"), inbox: h("div") };
  container.append(
    h("div.screen-head", {}, h("h1", {}, `${info.name} · 本单位工作台`),
      h("a.small", { href: "#/help", "data-testid": "workbench-help" }, "红黄绿灯、亮红灯天数、按期完成率等统计口径")),
    summaryStrip(tasks, due),
    // Where the unit stands in the live ranking, and what lifts it off the black list.
    wayOffPanel(unit),
    panel(`本月到期（${Number(month.slice(0, 4))}年${Number(month.slice(5, 7))}月）`, table([
      { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.code)}` }, row.title) },
      { label: "本月目标", value: (row) => row.target ? `${row.target.description || ""}（计划累计${percent(row.target.planned_percent)}）` : "任务到期" },
      { label: "到期", value: (row) => chineseDate(row.target ? row.target.due_date : row.due_date) },
      { label: "当前进度", num: true, value: (row) => percent(row.percent) },
      { label: "亮灯", value: (row) => badge(row.colour) },
      { label: "", value: (row) => h("a.button", { href: `#/task/${encodeURIComponent(row.code)}`, "data-report": row.code }, "报送进度") },
    ], due, { empty: "本月没有到期的目标", testid: "due-this-month" })),
    panel(`${Number(year)}年任务（含往年结转在办）`, table([
      { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.code)}` }, row.title) },
      { label: "进度", num: true, value: (row) => percent(row.percent) },
      { label: "亮灯", value: (row) => badge(row.colour) },
      { label: "原因", cls: "hide-narrow", value: (row) => h("span.small", {}, row.colour_reason || "") },
    ], tasks, { empty: "本年度暂无任务", testid: "unit-tasks" })),
    h("section.panel", {}, h("h2", {}, "督办单"), sections.notices),
    h("section.panel", {}, h("h2", {}, "书面承诺"), sections.commitments),
    h("section.panel", {}, h("h2", {}, "消息"), sections.inbox));

  async function showNotices() {
    const notices = (await api("/notices", { params: { unit, limit: 100 } })).items;
    sections.notices.replaceChildren(notices.length ? h("div.stack", {}, notices.map((notice) => noticeCard(notice, showNotices))) : h("p.empty", {}, "没有督办单"));
  }
  async function showCommitments() {
    const items = (await api("/commitments", { params: { unit, limit: 200 } })).items;
    const form = h("form", {}, h("div.fields", {},
      field("任务", select("task", tasks.map((task) => [task.code, `${task.code} ${task.title}`]))),
      field("承诺事项", h("input", { name: "step", required: true, maxlength: 300 })),
      field("承诺时间", h("input", { name: "promised_date", type: "date", required: true })),
      field("承诺成效", h("input", { name: "result", required: true, maxlength: 500 }))),
      h("button", { type: "submit" }, "作出承诺"));
    submitting(form, async (data) => {
      await api("/commitments", { method: "POST", json: { task: data.get("task"), unit, step: data.get("step"), promised_date: data.get("promised_date"), result: data.get("result") } });
      toast("承诺已记录");
      await showCommitments();
    });
    sections.commitments.replaceChildren(table([
      { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}`, title: row.task }, row.title || row.task) },
      { label: "承诺事项", value: (row) => row.step },
      { label: "承诺时间", value: (row) => chineseDate(row.promised_date) },
      { label: "成效", value: (row) => row.result },
      // 复核: a kept commitment may wait for the office, or come back with its reason.
      { label: "状态", value: (row) => row.status === "fulfilled" ? badge("green", "已兑现")
        : row.verification?.status === "pending" ? badge("yellow", "待复核")
        : row.verification?.status === "returned" ? h("span", {}, badge("red", "被退回"), h("span.small", {}, `（${row.verification.reason}）`))
        : row.promised_date < today() ? badge("red", "逾期未兑现") : badge("grey", "未兑现") },
      { label: "", value: (row) => row.status === "open" && row.verification?.status !== "pending" ? h("button.secondary", { type: "button", onclick: async () => {
        try {
          const answer = await api(`/commitments/${row.id}/fulfil`, { method: "POST" });
          toast(answer.status === "fulfilled" ? "已兑现" : "已提交，待督查办复核"); await showCommitments();
        } catch (error) { toast(errorText(error)); }
      } }, "标记兑现") : "" },
    ], items, { empty: "暂无书面承诺", testid: "unit-commitments" }), tasks.length ? form : "");
  }
  async function showInbox() {
    const items = (await api("/inbox", { params: { unit, limit: 50 } })).items;
    sections.inbox.replaceChildren(table([
      { label: "时间", value: (row) => dateTime(row.created_at) },
      // A message about a task opens the task's page, where the unit acts on it.
      { label: "主题", value: (row) => {
        const subject = row.read_at ? row.subject : h("strong", {}, row.subject);
        return row.task ? h("a", { href: `#/task/${encodeURIComponent(row.task)}`, "data-task": row.task }, subject) : subject;
      } },
      { label: "内容", value: (row) => h("span.small", {}, row.body) },
      { label: "", value: (row) => row.read_at ? h("span.muted.small", {}, "已读") : h("button.secondary", { type: "button", onclick: async () => {
        try { await api(`/notifications/${row.id}/ack`, { method: "POST" }); await showInbox(); } catch (error) { toast(errorText(error)); }
      } }, "已阅") },
    ], items, { empty: "没有消息", testid: "inbox" }));
  }
  await Promise.all([showNotices(), showCommitments(), showInbox()].map((promise) => promise.catch((error) => toast(errorText(error)))));
  // Open accountability records of the unit, with its rectification plan's form.
  accountabilityPanel(unit, me).then((built) => container.append(built)).catch((error) => toast(errorText(error)));
}

function noticeCard(notice, reload) {
  const card = h("div.panel", { "data-notice": notice.id },
    h("div.row", {}, h("strong", {}, notice.number), badge(notice.colour, NOTICE_STATUS[notice.status] || notice.status),
      h("a", { href: `#/task/${encodeURIComponent(notice.task)}` }, notice.title || notice.task),
      notice.title ? h("span.muted.small", {}, notice.task) : ""),
    h("p", {}, notice.reason),
    h("p.small.muted", {}, `签收时限 ${chineseDate(notice.ack_due)} · 回复时限 ${chineseDate(notice.answer_due)}`));
  if (notice.status === "open") {
    card.append(h("button", { type: "button", onclick: async () => {
      try { await api(`/notices/${notice.id}/ack`, { method: "POST" }); toast("已签收"); await reload(); } catch (error) { toast(errorText(error)); }
    } }, "签收"));
  } else if (notice.status === "acknowledged") {
    const form = h("form", {}, field("整改方案", h("textarea", { name: "answer", required: true, maxlength: 5000 })), h("button", { type: "submit" }, "回复"));
    card.append(submitting(form, async (data) => {
      await api(`/notices/${notice.id}/answer`, { method: "POST", json: { answer: data.get("answer") } });
      toast("已回复");
      await reload();
    }));
  } else if (notice.answer) {
    card.append(h("p.small", {}, `回复：${notice.answer}`));
  }
  return card;
}

/** The workbench's first line: what the unit holds and what needs it now. */
function summaryStrip(tasks, due) {
  const count = (colour) => tasks.filter((task) => task.colour === colour).length;
  const tile = (cls, label, value, testid) => h(`div.count.${cls}`, { "data-testid": testid },
    h("div.label", {}, label), h("div.value", {}, String(value)));
  return h("div.counts.strip", { "data-testid": "unit-summary" },
    tile("none", "本年任务", tasks.length, "summary-tasks"),
    tile("red", "红灯", count("red"), "summary-red"),
    tile("yellow", "黄灯", count("yellow"), "summary-yellow"),
    tile("none", "本月到期", due.length, "summary-due"));
}
