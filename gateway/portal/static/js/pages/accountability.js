// 问责 (三问：问责、问效、问计): the office opens a record on a black-listed
// unit, an item red too long or an overdue notice, records the measures taken and
// closes it; leaders read; a unit sees its open records on its workbench and
// writes its rectification plan (整改方案).
import { api, download } from "../api.js";
import { badge, chineseDate, errorText, field, h, pagedList, panel, periodLabel, select, submitting, table, toast } from "../ui.js";

const GROUNDS = [["black_list", "列入黑榜"], ["red_days", "红色预警持续未消除"], ["notice_overdue", "督办单逾期"]];
const QUESTIONS = [["accountability", "问责"], ["results", "问效"], ["plans", "问计"]];
const MEASURES = [["interview", "约谈"], ["criticism", "通报批评"], ["deadline", "限期整改"], ["referral", "移交纪委"]];

export async function accountabilityPage(container, { me }) {
  const office = me.role === "admin";
  const filter = select("status", [["", "全部"], ["open", "整改中"], ["rectified", "已整改"], ["closed", "已结案"]], "open");
  filter.addEventListener("change", () => paged.show().catch((error) => toast(errorText(error))));
  const show = () => paged.reload();
  const paged = pagedList((paging) => api("/accountability", { params: { status: filter.value, ...paging } }),
    (items) => h("div.stack", { "data-testid": "accountability" }, ...(items.length ? items.map((record) => recordCard(record, me, show))
      : [h("p.empty", {}, "暂无问责记录")])), { size: 20 });
  container.append(h("h1", {}, "“三问”问责"), h("div.row", {}, h("span", {}, "状态："), filter));
  if (office) container.append(openForm(show, (await api("/units")).items));
  container.append(paged.node);
  await paged.show();
}

// What a ground may point at, for one unit, as [value, words]: the published
// black lists' periods, the unit's red tasks, or its overdue notices. The first
// is the choice when the clerk makes none.
async function groundChoices(ground, unit) {
  if (ground === "black_list") {
    const published = (await api("/rankings/periods")).items.filter((period) => period.status === "published");
    return [["", "最近一次列入黑榜的期次"], ...published.map((period) => [period.period, periodLabel(period.period)])];
  }
  if (!unit) return [["", "请先选择责任单位"]];
  if (ground === "red_days") {
    const red = (await api("/tasks", { params: { lead_unit: unit, colour: "red", limit: 100 } })).items;
    return red.length ? red.map((task) => [task.code, `${task.title}（红色 ${task.colour_days ?? 0} 天）`]) : [["", "该单位当前没有红色预警的任务"]];
  }
  const overdue = (await api("/notices", { params: { unit, limit: 100 } })).items
    .filter((notice) => notice.status !== "closed" && ["yellow", "red"].includes(notice.colour));
  return overdue.length ? overdue.map((notice) => [String(notice.id), `${notice.number} · ${notice.title || notice.task}`]) : [["", "该单位没有逾期的督办单"]];
}

// The clerk chooses the unit, and what the ground points at, by name; the record
// is opened with their codes.
function openForm(reload, units) {
  const choices = units.filter((unit) => (unit.status || "active") === "active").map((unit) => [unit.code, unit.name]);
  const unit = select("unit", [["", "请选择单位"], ...choices], "", { required: true });
  const ground = select("ground", GROUNDS, "black_list");
  const ref = select("ground_ref", [], "");
  let asked = 0;
  const pointAt = async () => {
    const mine = ++asked;
    const found = await groundChoices(ground.value, unit.value);
    if (mine === asked) ref.replaceChildren(...found.map(([key, text]) => h("option", { value: key }, text)));
  };
  for (const input of [unit, ground]) input.addEventListener("change", () => pointAt().catch((error) => toast(errorText(error))));
  pointAt().catch((error) => toast(errorText(error)));
  const form = h("form", { "data-testid": "accountability-form" }, h("div.fields", {},
    field("责任单位", unit),
    field("立案依据", ground),
    field("依据所指", ref),
    h("div.field", {}, h("span", {}, "所问事项："), ...QUESTIONS.map(([key, label]) =>
      h("label", {}, h("input", { type: "checkbox", name: "questions", value: key, checked: key === "accountability" }), label))),
    field("问题摘要", h("textarea", { name: "summary", required: true, maxlength: 5000 })),
    field("整改时限", h("input", { name: "plan_deadline", type: "date" }))),
    h("button", { type: "submit" }, "立案"));
  submitting(form, async (data) => {
    const body = { unit: data.get("unit"), ground: data.get("ground"), questions: data.getAll("questions"), summary: data.get("summary") };
    if (data.get("ground_ref")) body.ground_ref = data.get("ground_ref");
    if (data.get("plan_deadline")) body.plan_deadline = data.get("plan_deadline");
    await api("/accountability", { method: "POST", json: body });
    await reload();
    return "已立案";
  });
  return panel("新立问责", form);
}

export function recordCard(record, me, reload) {
  const office = me.role === "admin";
  const writesPlan = record.status === "open" && (office || (me.role === "operator" && (me.units || []).includes(record.unit)));
  const parts = [
    h("div.row", {}, badge(record.colour, record.colour === "red" ? "整改逾期" : record.status_name),
      h("strong", {}, `${record.unit_name || record.unit} · ${record.ground_name}`), h("span.muted.small", {}, `立案 ${chineseDate(record.opened_on)} · ${record.question_names.join("、")}`),
      h("button.secondary", { type: "button", onclick: () => download(`/accountability/${record.id}/export.docx`, {}, `问责记录-${record.id}.docx`).catch((error) => toast(errorText(error))) }, "导出Word")),
    h("p", {}, record.ground_detail), h("p.small", {}, record.summary),
    table([
      { label: "措施", value: (row) => row.kind_name },
      { label: "日期", value: (row) => chineseDate(row.taken_on) },
      { label: "结果", value: (row) => row.result },
    ], record.measures, { empty: "尚未采取措施" }),
    h("p", {}, h("span.muted", {}, `整改方案（限期 ${chineseDate(record.plan_deadline)}）：`), record.plan || "尚未报送"),
  ];
  if (office && record.status === "open") {
    const measure = h("form", {}, h("div.fields", {},
      field("措施", select("kind", MEASURES, "interview")),
      field("日期", h("input", { name: "taken_on", type: "date", required: true })),
      field("结果", h("input", { name: "result", required: true, maxlength: 5000 }))),
      h("button.secondary", { type: "submit" }, "记录措施"));
    submitting(measure, async (data) => {
      await api(`/accountability/${record.id}/measures`, { method: "POST", json: Object.fromEntries(data) });
      await reload();
    });
    const close = h("form", {}, h("div.fields", {}, field("办结说明", h("input", { name: "note", maxlength: 5000 })),
      field("结果", select("rectified", [["true", "整改到位"], ["false", "结案（未整改到位）"]], "true"))),
      h("button.secondary", { type: "submit" }, "办结"));
    submitting(close, async (data) => {
      const body = { rectified: data.get("rectified") === "true" };
      if (data.get("note")) body.note = data.get("note");
      await api(`/accountability/${record.id}/close`, { method: "POST", json: body });
      await reload();
    });
    parts.push(measure, close);
  }
  if (writesPlan) {
    const plan = h("form", { "data-testid": "plan-form" }, h("div.fields", {},
      field("整改方案", h("textarea", { name: "plan", required: true, maxlength: 10000 })),
      field("整改时限", h("input", { name: "deadline", type: "date", value: record.plan_deadline || "" }))),
      h("button", { type: "submit" }, "报送整改方案"));
    submitting(plan, async (data) => {
      const body = { plan: data.get("plan") };
      if (data.get("deadline")) body.deadline = data.get("deadline");
      await api(`/accountability/${record.id}/plan`, { method: "POST", json: body });
      await reload();
    });
    parts.push(plan);
  }
  return h("section.panel", { "data-record": String(record.id) }, ...parts);
}

// The open records of a unit, on its workbench.
export async function accountabilityPanel(unit, me) {
  const holder = h("div.stack", { "data-testid": "unit-accountability" });
  async function show() {
    const page = await api("/accountability", { params: { unit, open: true, limit: 100 } });
    holder.replaceChildren(...(page.items.length ? page.items.map((record) => recordCard(record, me, show))
      : [h("p.empty", {}, "没有问责事项")]));
  }
  await show();
  return panel("问责整改", holder);
}

// The open records on the one screen: unit, ground, deadline and colour.
export function renderOpenRecords(element, items) {
  element.replaceChildren(table([
    { label: "单位", value: (row) => row.unit_name || row.unit },
    { label: "立案依据", value: (row) => `${row.ground_name}：${row.ground_detail}` },
    { label: "整改时限", value: (row) => chineseDate(row.plan_deadline) },
    { label: "状态", value: (row) => badge(row.colour, row.colour === "red" ? "整改逾期" : row.status_name) },
  ], items, { empty: "暂无问责整改事项", testid: "screen-accountability" }));
}
