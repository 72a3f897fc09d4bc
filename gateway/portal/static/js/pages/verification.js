// 复核待办: the units' requests the office checks (a task's closing, a 13710
// stage, a kept commitment), oldest first, confirmed or sent back with a reason
// from here; and the policy that says which requests are checked (none, all, or
// a random share). Units never see whether a request was drawn, only 待复核.
import { api } from "../api.js";
import { badge, chineseDate, dateTime, errorText, field, h, pagedList, panel, percent, select, submitting, table, toast } from "../ui.js";

const KINDS = [["closure", "销号"], ["clock_stage", "13710节点"], ["commitment", "承诺兑现"]];
const MODES = [["none", "不复核（即时计入）"], ["all", "全部复核"], ["share", "随机抽查"]];
const STATUS = [["pending", "待复核"], ["returned", "已退回"], ["confirmed", "已确认"], ["counted", "即时计入"], ["all", "全部"]];
const STATUS_COLOUR = { pending: "yellow", returned: "red", confirmed: "green", counted: "grey" };

// What the unit claims, in words.
function claimText(row) {
  const claim = row.claim || {};
  if (row.kind === "closure") return `完成 ${percent(claim.percent)}，佐证资料 ${claim.evidence ?? 0} 份`;
  if (row.kind === "clock_stage") return `${row.subject_name || row.subject} 完成于 ${dateTime(claim.recorded_at)}`;
  return `${claim.step || row.subject_name || ""}：兑现于 ${dateTime(claim.fulfilled_at)}（承诺 ${claim.promised_date ? chineseDate(claim.promised_date) : "—"}）`;
}

export async function verificationTab(body) {
  const counts = h("div.row", { "data-testid": "verification-counts" });
  const status = select("status", STATUS, "pending");
  const kind = select("kind", [["", "全部类型"], ...KINDS], "");
  const redraw = () => paged.show().catch((error) => toast(errorText(error)));
  status.addEventListener("change", redraw);
  kind.addEventListener("change", redraw);

  function showCounts(answer) {
    const c = answer.counts || {};
    counts.replaceChildren(h("strong", {}, `待复核 ${c.total ?? 0} 项`),
      ...KINDS.map(([key, label]) => h("span.muted", {}, `${label} ${c[key] ?? 0}`)));
  }

  function actions(row) {
    if (row.status !== "pending") return row.reason ? h("span.small", {}, `退回原因：${row.reason}`) : "";
    const reason = h("input", { name: "reason", maxlength: 2000, placeholder: "退回原因（必填）", "aria-label": "退回原因" });
    const confirm = h("button", { type: "button", onclick: async () => {
      try { await api(`/verifications/${row.id}/confirm`, { method: "POST" }); toast("已确认，计入考核"); await paged.reload(); }
      catch (error) { toast(errorText(error)); }
    } }, "确认");
    const send = h("button.secondary", { type: "button", onclick: async () => {
      if (!reason.value.trim()) { toast("退回须写明原因"); reason.focus(); return; }
      try { await api(`/verifications/${row.id}/return`, { method: "POST", json: { reason: reason.value.trim() } }); toast("已退回"); await paged.reload(); }
      catch (error) { toast(errorText(error)); }
    } }, "退回");
    return h("div.row", { "data-testid": `verification-${row.id}` }, confirm, reason, send);
  }

  const paged = pagedList(async (paging) => {
    const answer = await api("/verifications", { params: { status: status.value, kind: kind.value || undefined, ...paging } });
    showCounts(answer);
    return answer;
  }, (items) => table([
    { label: "申请时间", cls: "hide-narrow", value: (row) => dateTime(row.requested_at) },
    { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.task_title || row.task) },
    { label: "单位", value: (row) => row.unit_name },
    { label: "事项", value: (row) => row.kind_name },
    { label: "申请内容", cls: "hide-narrow", value: (row) => h("span.small", {}, claimText(row)) },
    { label: "状态", value: (row) => badge(STATUS_COLOUR[row.status] || "grey", row.status_name) },
    { label: "", value: actions },
  ], items, { empty: "没有待复核的事项", testid: "verifications" }), { noun: "项", testid: "verification-total" });

  body.append(panel("复核待办", h("p.small.muted", {}, "单位的销号、13710节点和承诺兑现经督查办复核确认后计入考核；退回的须写明原因，单位可修改后重新申请，退回次数计入评价排队扣分。"),
    counts, h("div.row", {}, h("label", {}, "状态", status), h("label", {}, "类型", kind)), paged.node));
  body.append(await policyPanel());
  await paged.show();
}

async function policyPanel() {
  const policy = await api("/verification-policy");
  const rows = KINDS.map(([key, label]) => {
    const rule = policy.rules[key] || { mode: "none", percent: 0 };
    const mode = select(`${key}_mode`, MODES, rule.mode);
    const share = h("input", { name: `${key}_percent`, type: "number", min: 1, max: 99, value: rule.mode === "share" ? rule.percent : 20, "aria-label": `${label}抽查比例` });
    const shown = () => { share.disabled = mode.value !== "share"; };
    mode.addEventListener("change", shown);
    shown();
    return h("div.fields", {}, field(label, mode), field("抽查比例（%）", share));
  });
  const form = h("form", { "data-testid": "verification-policy" }, ...rows,
    field("修改说明", h("input", { name: "note", maxlength: 500 })),
    h("button", { type: "submit" }, "保存复核规则"));
  submitting(form, async (data) => {
    const rules = Object.fromEntries(KINDS.map(([key]) => {
      const mode = data.get(`${key}_mode`);
      return [key, mode === "share" ? { mode, percent: Number(data.get(`${key}_percent`)) } : { mode }];
    }));
    const saved = await api("/verification-policy", { method: "PUT", json: { rules, note: data.get("note") || undefined } });
    return `已保存为第 ${saved.version} 版，此后的申请按新规则复核`;
  });
  return panel("复核规则", h("p.small.muted", {}, `现行第 ${policy.version} 版。抽查在单位申请时随机抽取，单位事先无从得知是否被抽中。`), form);
}
