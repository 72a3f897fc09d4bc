// 数据真实性: the office's list of signals of gamed numbers (the same file used for
// several tasks, a jump to 100% on the due date, reports always at the last hour,
// a percentage rising without files, 13710 stages at the last moment). A signal
// changes nothing by itself: the office marks it 看过无问题, or 确认属实 with its
// note, which opens a 三问 record for the unit. Units never see this tab.
import { api } from "../api.js";
import { badge, dateTime, errorText, h, pagedList, panel, select, submitting, table, toast } from "../ui.js";

export const SIGNAL_STATUS = { open: "待核查", reviewed: "看过，无问题", confirmed: "属实" };
const STATUS_COLOUR = { open: "yellow", reviewed: "green", confirmed: "red" };
export const SIGNAL_KIND = {
  reused_evidence: "同一佐证资料重复使用", late_jump: "临近期限突击完成", last_hour: "总在截止前最后一小时报送",
  no_evidence: "进度上升从无佐证", last_moment_stages: "13710各环节均卡点办理",
};

function reviewForm(row, reload) {
  const note = h("input", { name: "note", maxlength: 2000, placeholder: "核查说明（确认属实时必填）", "aria-label": "核查说明" });
  // The button pressed says the verdict: its click comes before the form's submit.
  const verdictInput = h("input", { type: "hidden", name: "verdict", value: "reviewed" });
  const choose = (value) => () => { verdictInput.value = value; };
  const form = h("form.row", { "data-testid": `review-${row.id}` }, verdictInput, note,
    h("button.secondary", { type: "submit", onclick: choose("reviewed") }, "看过无问题"),
    h("button", { type: "submit", onclick: choose("confirmed") }, "确认属实"));
  return submitting(form, async (data) => {
    const verdict = data.get("verdict");
    const text = String(data.get("note") || "").trim();
    if (verdict === "confirmed" && !text) throw new Error("确认属实须写明核查说明。");
    const body = { verdict };
    if (text) body.note = text;
    await api(`/signals/${row.id}/review`, { method: "POST", json: body });
    toast(verdict === "confirmed" ? `已确认属实：已为${row.unit_name}立案问责。` : "已标记为看过，无问题。");
    await reload();
  });
}

function outcome(row) {
  return h("span.small", {}, badge(STATUS_COLOUR[row.status] || "grey", SIGNAL_STATUS[row.status] || row.status),
    row.note ? ` ${row.note}` : "", row.reviewed_at ? h("span.muted", {}, `（${dateTime(row.reviewed_at)}）`) : "");
}

/** The office's tab (督查办 › 数据真实性): signals by status, newest first, with their counts. */
export async function signalsTab(container, { params }) {
  let status = params.get("status") || "open";
  let kind = params.get("kind") || "";
  const counts = h("div.row", { "data-testid": "signal-counts" });
  const kinds = select("kind", [["", "全部线索"], ...Object.entries(SIGNAL_KIND)], kind, { "aria-label": "线索类型" });
  const list = pagedList(async ({ limit, offset }) => {
    const page = await api("/signals", { params: { status, kind: kind || undefined, limit, offset } });
    counts.replaceChildren(...Object.entries(SIGNAL_STATUS).map(([key, label]) =>
      h(key === status ? "button" : "button.secondary", { type: "button", onclick: () => { status = key; list.show().catch((error) => toast(errorText(error))); } },
        `${label} ${page.counts[key] ?? 0}`)));
    return page;
  }, (items) => table([
    { label: "线索", value: (row) => h("strong.small", {}, SIGNAL_KIND[row.kind] || row.kind_name) },
    { label: "任务", value: (row) => h("span", {}, h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.title || row.task)) },
    { label: "单位", value: (row) => row.unit_name },
    { label: "说明", value: (row) => h("span.small", {}, row.detail) },
    { label: "发现时间", cls: "hide-narrow", value: (row) => dateTime(row.first_seen) },
    { label: status === "open" ? "核查" : "结论", value: (row) => (row.status === "open" ? reviewForm(row, list.reload) : outcome(row)) },
  ], items, { empty: status === "open" ? "没有待核查的线索" : "暂无记录", testid: "signal-list" }),
  { size: 20, noun: "条", testid: "signal-total" });
  container.append(panel(null,
    h("p.small.muted", {}, "以下线索由平台根据报送时间、进度变化和佐证资料自动发现，仅供督查办核查，不改变任何亮灯或评分；确认属实的将为该单位立案“三问”。"),
    h("div.row", {}, kinds, counts), list.node));
  kinds.addEventListener("change", () => { kind = kinds.value; list.show().catch((error) => toast(errorText(error))); });
  await list.show();
}
