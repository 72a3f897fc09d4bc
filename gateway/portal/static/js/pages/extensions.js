// 延期申请: the lead unit asks for more time from its task's page; the office
// decides in its queue (approve, approve a shorter date, or refuse, with a reason).
import { api, unitNames } from "../api.js";
import { badge, chineseDate, dateTime, errorText, field, h, pagedList, panel, select, submitting, table, toast } from "../ui.js";

export const REQUEST_STATUS = { pending: "待审批", approved: "已批准", shortened: "已缩短批准", refused: "未批准" };
const STATUS_COLOUR = { pending: "yellow", approved: "green", shortened: "green", refused: "red" };

function what(row) {
  return row.seq == null ? "任务完成时限" : `第${row.seq}个目标`;
}

function statusBadge(row) {
  return badge(STATUS_COLOUR[row.status] || "grey", REQUEST_STATUS[row.status] || row.status);
}

function decisionText(row) {
  if (row.status === "pending") return "—";
  const moved = row.granted_due_date ? `延至${chineseDate(row.granted_due_date)}` : "维持原时限";
  return `${moved}。${row.decision_reason || ""}`;
}

/** The task page's panel: the task's requests, and for its lead unit the form to ask. */
export function extensionRequestPanel(task, me, reload) {
  const rows = task.extension_requests || [];
  const list = table([
    { label: "事项", value: what },
    { label: "原时限", value: (row) => chineseDate(row.previous_due_date) },
    { label: "申请延至", value: (row) => chineseDate(row.asked_due_date) },
    { label: "理由", value: (row) => h("span.small", {}, row.reason) },
    { label: "状态", value: statusBadge },
    { label: "审批意见", cls: "hide-narrow", value: (row) => h("span.small", {}, decisionText(row)) },
  ], rows, { empty: "尚无延期申请", testid: "extension-requests" });
  const leads = me.units && me.units.includes(task.lead_unit) && ["operator", "evaluator"].includes(me.role);
  if (!leads || task.status !== "active") return panel("延期申请", list);
  const which = [["", `整个任务（现截止 ${chineseDate(task.due_date)}）`],
    ...(task.targets || []).map((target) => [String(target.seq), `第${target.seq}个目标（现截止 ${chineseDate(target.due_date)}）`])];
  const form = h("form", { "data-testid": "extension-request-form" }, h("div.fields", {},
    field("延期事项", select("seq", which, "")),
    field("申请延至", h("input", { name: "asked_due_date", type: "date", required: true })),
    field("延期理由", h("input", { name: "reason", maxlength: 2000, required: true, placeholder: "如：用地审批延后，需顺延两个月" }))),
    h("button", { type: "submit" }, "提交延期申请"));
  submitting(form, async (data) => {
    const body = { asked_due_date: data.get("asked_due_date"), reason: String(data.get("reason") || "").trim() };
    if (data.get("seq")) body.seq = Number(data.get("seq"));
    const asked = await api(`/tasks/${encodeURIComponent(task.code)}/extension-requests`, { method: "POST", json: body });
    toast(`已提交：${what(asked)}申请延至${chineseDate(asked.asked_due_date)}，等待督查办审批。`);
    if (reload) await reload();
  });
  return panel("延期申请", h("p.small.muted", {}, "由牵头单位提出，督查办审批；批准的延期计入评价排队。"), list, form);
}

function decideForm(row, reload) {
  const form = h("form.row", { "data-testid": `decide-${row.id}` },
    select("outcome", [["approved", "批准"], ["shortened", "缩短批准"], ["refused", "不予批准"]], "approved"),
    h("input", { name: "granted_due_date", type: "date", title: "缩短批准时填写批准的日期", "aria-label": "批准的日期" }),
    h("input", { name: "reason", maxlength: 2000, required: true, placeholder: "审批意见", "aria-label": "审批意见" }),
    h("button", { type: "submit" }, "审批"));
  return submitting(form, async (data) => {
    const body = { outcome: data.get("outcome"), reason: String(data.get("reason") || "").trim() };
    if (body.outcome === "shortened") {
      if (!data.get("granted_due_date")) throw new Error("缩短批准须填写批准的日期。");
      body.granted_due_date = data.get("granted_due_date");
    }
    const decided = await api(`/extension-requests/${row.id}/decision`, { method: "POST", json: body });
    toast(`${row.title || row.task}：${REQUEST_STATUS[decided.status]}`);
    await reload();
  });
}

/** The office's tab (督查办 › 延期申请): the queue of requests to decide, and those decided. */
export async function extensionsTab(container, { params }) {
  const unitName = await unitNames();
  let status = params.get("status") || "pending";
  const counts = h("div.row", { "data-testid": "extension-counts" });
  const list = pagedList(async ({ limit, offset }) => {
    const page = await api("/extension-requests", { params: { status, limit, offset } });
    counts.replaceChildren(...Object.entries(REQUEST_STATUS).map(([key, label]) =>
      h(key === status ? "button" : "button.secondary", { type: "button", onclick: () => { status = key; list.show().catch((error) => toast(errorText(error))); } },
        `${label} ${page.counts[key] ?? 0}`)));
    return page;
  }, (items) => table([
    { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}`, title: row.task }, row.title || row.task) },
    { label: "单位", value: (row) => unitName(row.unit) },
    { label: "事项", cls: "hide-narrow", value: what },
    { label: "原时限", value: (row) => chineseDate(row.previous_due_date) },
    { label: "申请延至", value: (row) => chineseDate(row.asked_due_date) },
    { label: "理由", value: (row) => h("span.small", {}, row.reason) },
    { label: "申请时间", cls: "hide-narrow", value: (row) => dateTime(row.requested_at) },
    { label: status === "pending" ? "审批" : "结果",
      value: (row) => (row.status === "pending" ? decideForm(row, list.reload)
        : h("span.small", {}, statusBadge(row), " ", decisionText(row))) },
  ], items, { empty: status === "pending" ? "没有待审批的延期申请" : "暂无记录", testid: "extension-queue" }),
  { size: 20, noun: "件", testid: "extension-total" });
  container.append(panel(null, counts, list.node));
  await list.show();
}
