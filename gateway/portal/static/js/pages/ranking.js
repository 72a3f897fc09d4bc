// 评价排队: the groups' rankings with each score's breakdown, rank changes, the red
// and black lists of published periods and the lead units' evaluations.
import { api, download } from "../api.js";
import { wayOff } from "./way_off.js";
import { RANKING_STATUS, errorText, field, h, number, panel, periodLabel, rankChange, select, submitting, table, toast } from "../ui.js";

export async function rankingPage(container, { params, me }) {
  const [groups, periods, units] = await Promise.all([
    api("/rankings/groups"), api("/rankings/periods"), api("/units")]);
  const names = new Map(units.items.map((unit) => [unit.code, unit.name]));
  const current = periods.current ? periods.current.period : null;
  const periodList = [...new Set([current, ...periods.items.map((item) => item.period)].filter(Boolean))];
  let period = params.get("period") || current || periodList[0];
  let group = params.get("group") || (groups.items[0] && groups.items[0].key);

  const body = h("div.stack");
  const periodSelect = select("period", periodList.map((key) => [key, key === current ? `${periodLabel(key)}（本期）` : periodLabel(key)]), period);
  periodSelect.addEventListener("change", () => { period = periodSelect.value; show(); });
  const tabs = h("div.tabs", { role: "tablist" });
  const exportButton = h("button.secondary", { type: "button", onclick: () => download(`/rankings/${period}/export`, {}, `ranking-${period}.xlsx`).catch((error) => toast(errorText(error))) }, "导出 Excel");
  container.append(h("div.row.spread", {}, h("h1", {}, "评价排队"), h("div.row", {}, h("label", {}, "考核期", periodSelect), exportButton)), tabs, body);

  function renderTabs() {
    tabs.replaceChildren(...groups.items.map((item) => h("button", {
      type: "button", role: "tab", class: item.key === group ? "active" : null, "data-group": item.key,
      onclick: () => { group = item.key; show(); },
    }, item.label)));
  }

  async function show() {
    renderTabs();
    body.replaceChildren(h("p.muted", {}, "正在加载……"));
    try {
      const [ranking, evaluations] = await Promise.all([
        api("/rankings", { params: { period, group } }),
        api(`/rankings/${period}/evaluations`, { params: { limit: 1000 } }).catch(() => ({ items: [] })),
      ]);
      body.replaceChildren(...renderRanking(ranking, evaluations.items, names, me, show, period === current));
    } catch (error) {
      body.replaceChildren(h("p.error", {}, errorText(error)));
    }
  }
  await show();
}

function renderRanking(ranking, evaluations, names, me, reload, isCurrent) {
  const head = h("div.row", {},
    h("span", {}, `状态：`, h("span.badge.grey", { "data-testid": "ranking-status" }, RANKING_STATUS[ranking.status] || ranking.status)),
    h("span.small.muted", {}, `截至 ${ranking.as_of || "—"} · 评分规则第${ranking.rules_version ?? "—"}版`),
    ranking.published_at ? h("span.small.muted", {}, `发布于 ${String(ranking.published_at).slice(0, 10)}`) : null);
  const rows = ranking.entries.map((entry) => {
    const details = h("details", {}, h("summary", {}, "得分构成"),
      table([
        { label: "指标", value: (item) => item.label },
        { label: "权重", num: true, value: (item) => String(item.weight) },
        { label: "得分", num: true, value: (item) => number(item.score) },
        { label: "说明", value: (item) => h("span.small", {}, item.detail || "") },
      ], (entry.breakdown && entry.breakdown.indicators) || []),
      // Deductions off the weighted score: steps the office sent back (复核退回).
      ...((entry.breakdown && entry.breakdown.deductions) || []).map((item) =>
        h("p.small", { "data-testid": "ranking-deduction" }, `${item.label}：−${number(item.points)}分。${item.detail}`)));
    // The live period's way off the black list, for the units the reader may
    // see it of: computed when the breakdown is opened, not for every row.
    const own = me.role === "admin" || me.role === "leader" || (me.units || []).includes(entry.unit);
    if (isCurrent && ranking.status === "live" && own && entry.rank !== null && entry.rank !== undefined) {
      const holder = h("div", { "data-testid": "ranking-way-off" }, h("h3", {}, "如何脱离黑榜 / 提升排名"));
      details.append(holder);
      details.addEventListener("toggle", () => {
        if (details.open && holder.childElementCount === 1) holder.append(wayOff(entry.unit));
      });
    }
    return { ...entry, details };
  });
  const parts = [
    head,
    panel(null, table([
      { label: "名次", num: true, value: (row) => h("strong", {}, row.rank === null || row.rank === undefined ? "—" : String(row.rank)) },
      { label: "变化", value: (row) => rankChange(row.rank_change) },
      { label: "单位", value: (row) => row.name || row.unit },
      { label: "得分", num: true, value: (row) => number(row.score) },
      { label: "红灯", num: true, value: (row) => String(row.red_items ?? "—") },
      { label: "上期", num: true, cls: "hide-narrow", value: (row) => String(row.previous_rank ?? "—") },
      { label: "", value: (row) => row.details },
    ], rows, { empty: "本组暂无排名", testid: "ranking" })),
    ranking.tie_break ? h("p.small.muted", {}, `同分排序：${ranking.tie_break}`) : null,
  ];
  const lists = [["红榜", ranking.red_list, "green"], ["黑榜", ranking.black_list, "red"]];
  if (ranking.red_list === null && ranking.black_list === null) {
    parts.push(h("p.muted", {}, "红黑榜在排名审定发布后公布。"));
  } else {
    parts.push(h("div.grid.cols-2", {}, lists.map(([title, list, colour]) => panel(title,
      list && list.length ? h("ul", { "data-testid": title === "红榜" ? "red-list" : "black-list" }, list.map((item) =>
        h("li", {}, h(`span.badge.${colour}`, {}, item.name || item.unit), " ", h("span.small", {}, (item.reasons || []).join("；")))))
        : h("p.empty", {}, "无")))));
  }
  const mine = evaluations.filter((item) => ranking.entries.some((entry) => entry.unit === item.unit));
  parts.push(panel("牵头单位评价", table([
    { label: "牵头单位", value: (row) => names.get(row.lead_unit) || row.lead_unit },
    { label: "被评价单位", value: (row) => names.get(row.unit) || row.unit },
    { label: "评分", num: true, value: (row) => number(row.score) },
    { label: "评语", value: (row) => row.comment || "" },
  ], mine, { empty: "本组本期暂无评价" })));
  if (me.role === "evaluator" && ranking.status !== "approved" && ranking.status !== "published") {
    parts.push(evaluationForm(ranking, names, reload));
  }
  if (me.role === "admin") parts.push(approvalButtons(ranking, reload));
  return parts;
}

function evaluationForm(ranking, names, reload) {
  const units = select("unit", ranking.entries.map((entry) => [entry.unit, entry.name || names.get(entry.unit) || entry.unit]));
  const form = h("form.panel", {}, h("h2", {}, "评价配合单位"),
    h("div.fields", {}, field("配合单位", units),
      field("评分（0–100）", h("input", { name: "score", type: "number", min: 0, max: 100, step: "0.5", required: true })),
      field("评语", h("input", { name: "comment", maxlength: 500 }))),
    h("button", { type: "submit" }, "提交评价"));
  return submitting(form, async (data) => {
    await api(`/rankings/${ranking.period}/evaluations`, { method: "POST", json: {
      unit: data.get("unit"), score: Number(data.get("score")), comment: data.get("comment") || undefined } });
    toast("评价已提交");
    await reload();
  });
}

export function approvalButtons(ranking, reload) {
  const steps = { live: [["draft", "生成草稿"]], draft: [["draft", "重新计算草稿"], ["approve", "审定"]],
    approved: [["reopen", "退回草稿"], ["publish", "发布"]], published: [] }[ranking.status] || [];
  const message = h("span.form-message");
  return h("section.panel", {}, h("h2", {}, `排名审定与发布 · ${periodLabel(ranking.period)}${ranking.group_label ? ` · ${ranking.group_label}` : ""}`),
    h("div.row", {}, steps.length ? steps.map(([step, label]) => h(step === "publish" ? "button" : "button.secondary", {
      type: "button", "data-step": step,
      onclick: async () => {
        try {
          await api(`/rankings/${ranking.period}/${step}`, { method: "POST" });
          toast(`${periodLabel(ranking.period)}：${label}完成`);
          await reload();
        } catch (error) { message.className = "error"; message.textContent = errorText(error); }
      },
    }, label)) : h("span.muted", {}, "本期排名已发布。"), message));
}
