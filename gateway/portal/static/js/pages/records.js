// Keeping the records true: the office edits, re-plans and cancels a task, each
// with a reason, and renames, re-heads, retires and merges units; everyone sees
// the history of a task (its versions and plans) and of a unit. Batches (批次)
// filter the task list and the one screen.
import { api } from "../api.js";
import {
  CLOCK_LABEL, KIND_LABEL, SOURCE_LABEL, STATUS_LABEL, chineseDate, dateTime, field, h, panel, percent, select, submitting, table, toast, today,
} from "../ui.js";

// A task's fields as people call them: in its history, and as the columns of the
// machine-format task library (office.js) names them.
export const FIELD_LABEL = {
  code: "任务编号", title: "任务名称", category: "类别", source: "来源", clock_class: "“13710”类别", responsible_person: "责任人",
  start_date: "开始日期", due_date: "完成时限", cooperating_units: "配合单位", lead_unit: "牵头单位", batch: "批次",
  targets_moved: "目标改由", merged: "单位合并", status: "状态", plan_version: "计划版本", replaced: "被替代的目标",
  added: "新增目标", name: "名称", head: "主要负责人", operator: "联络员", parent: "上级单位", merged_into: "并入", tasks: "移交任务",
  target_due_date: "目标截止日期", target_planned_percent: "目标计划完成百分比", target_description: "目标说明", target_unit: "目标责任单位",
};
// A unit's history speaks of its own states, not a task's.
const UNIT_STATUS = { active: "在用", retired: "已撤销" };
// The values of a change that are codes to the machine, by field, as people say them.
const VALUE_WORDS = { clock_class: CLOCK_LABEL, source: SOURCE_LABEL };
const DATE_FIELDS = new Set(["start_date", "due_date"]);
const KIND_WORDS = { create: "创建", update: "修改", replan: "调整计划", cancel: "撤销", merge: "单位合并", retire: "撤销单位" };

/** The batches known, for a filter: [["", "全部批次"], [batch, "batch（n项）"]…]. */
export async function batchOptions() {
  const answer = await api("/batches").catch(() => ({ items: [] }));
  return [["", "全部批次"], ...answer.items.filter((item) => item.batch).map((item) => [item.batch, `${item.batch}（${item.items}项）`])];
}

function shown(value, names) {
  if (value === null || value === undefined || value === "") return "（空）";
  if (Array.isArray(value)) return value.map((item) => shown(item, names)).join("、") || "（无）";
  if (typeof value === "object") return [value.name, value.phone, value.email].filter(Boolean).join(" / ");
  return names && names.get(value) ? names.get(value) : String(value);
}

/** What a version changed, in words: "牵头单位：袁州区 → 樟树市；…"; `statuses`
 * names the states of what changed (a task's by default). */
export function changeWords(changes, names, statuses = STATUS_LABEL) {
  const words = { ...VALUE_WORDS, status: statuses };
  return Object.entries(changes || {}).map(([key, value]) => {
    const label = FIELD_LABEL[key] || key;
    if (key === "targets_moved") return `${label}${shown(value[1], names)}负责：目标${value[0].join("、")}`;
    if (key === "replaced" || key === "added") return `${label}：${value.length ? value.map((seq) => `目标${seq}`).join("、") : "无"}`;
    if (key === "tasks") return `${label}：${value.join("、") || "无"}`;
    if (Array.isArray(value) && value.length === 2) {
      const one = (item) => (words[key] && words[key][item]) || (DATE_FIELDS.has(key) && item ? chineseDate(item) : shown(item, names));
      return `${label}：${one(value[0])} → ${one(value[1])}`;
    }
    return `${label}：${shown(value, names)}`;
  }).join("；");
}

/** The task's versions and plans, oldest first. */
export function historyPanel(history, names) {
  const versions = table([
    { label: "版本", num: true, value: (row) => String(row.version) },
    { label: "操作", value: (row) => KIND_WORDS[row.kind] || row.kind },
    { label: "时间", value: (row) => dateTime(row.changed_at) },
    { label: "操作人", value: (row) => row.changed_by_name || "—" },
    { label: "变更内容", value: (row) => h("span.small", {}, changeWords(row.changes, names) || "—") },
    { label: "原因", value: (row) => row.reason || "—" },
  ], history.versions || [], { testid: "task-versions", empty: "暂无修改记录" });
  const plans = (history.plans || []).map((plan) => h("div", { "data-testid": `plan-${plan.version}` },
    h("h3", {}, `第${plan.version}版计划（${plan.version === 1 ? "初始计划" : `${chineseDate(plan.effective_on)}起执行，${plan.reason || ""}`}）`),
    table([
      { label: "序号", num: true, value: (row) => String(row.seq) },
      { label: "到期", value: (row) => chineseDate(row.due_date) },
      { label: "计划累计", num: true, value: (row) => percent(row.planned_percent) },
      { label: "目标", value: (row) => row.description || "" },
      { label: "责任单位", value: (row) => shown(row.unit, names) },
      { label: "状态", value: (row) => row.replaced_in ? `已由第${row.replaced_in}版计划替代` : "执行中" },
    ], plan.targets, { empty: "无月度目标" })));
  return panel("修改记录与计划版本", versions, ...plans);
}

/** The office's forms on a task: edit, re-plan, cancel, each with a reason. */
export function officeTaskPanels(task, units, reload) {
  const unitOptions = units.filter((unit) => (unit.status || "active") === "active").map((unit) => [unit.code, unit.name]);
  const code = encodeURIComponent(task.code);
  const edit = h("form", { "data-testid": "edit-form" }, h("div.fields", {},
    field("任务名称", h("input", { name: "title", value: task.title, maxlength: 300, required: true })),
    field("牵头单位", select("lead_unit", unitOptions, task.lead_unit)),
    field("配合单位", select("cooperating_units", unitOptions, null, { multiple: true, size: 4 })),
    field("类别", h("input", { name: "category", value: task.category || "", maxlength: 50 })),
    field("来源", select("source", Object.entries(SOURCE_LABEL), task.source)),
    field("“13710”", select("clock_class", [["", "不适用"], ...Object.entries(CLOCK_LABEL)], task.clock_class || "")),
    field("责任人", h("input", { name: "responsible_person", value: task.responsible_person || "", maxlength: 50 })),
    field("批次", h("input", { name: "batch", value: task.batch || "", maxlength: 100, placeholder: "如：2026年第一批" })),
    field("开始日期", h("input", { name: "start_date", type: "date", value: task.start_date, required: true })),
    field("完成时限", h("input", { name: "due_date", type: "date", value: task.due_date, required: true }))),
    field("修改原因", h("input", { name: "reason", maxlength: 2000, required: true })),
    h("button", { type: "submit" }, "保存修改"));
  for (const option of edit.querySelectorAll("select[name=cooperating_units] option")) {
    option.selected = (task.cooperating_units || []).includes(option.value);
  }
  submitting(edit, async (data) => {
    const body = { reason: data.get("reason") };
    for (const name of ["title", "lead_unit", "source", "start_date", "due_date"]) body[name] = data.get(name);
    for (const name of ["category", "clock_class", "responsible_person", "batch"]) body[name] = data.get(name) || null;
    body.cooperating_units = data.getAll("cooperating_units").filter((unit) => unit !== body.lead_unit);
    await api(`/tasks/${code}`, { method: "PATCH", json: body });
    toast("已保存修改");
    await reload();
  });

  const remaining = (task.targets || []).filter((target) => target.due_date >= today());
  const rows = h("div.stack", { "data-testid": "replan-rows" });
  const addRow = (target = {}) => rows.append(h("div.fields.replan-row", {},
    field("到期", h("input", { name: "due_date", type: "date", value: target.due_date || "", required: true })),
    field("计划累计（%）", h("input", { name: "planned_percent", type: "number", min: 0, max: 100, step: "0.1", value: target.planned_percent ?? "", required: true })),
    field("目标", h("input", { name: "description", value: target.description || "", maxlength: 500 })),
    field("责任单位", select("unit", unitOptions, target.unit || task.lead_unit))));
  (remaining.length ? remaining : [{}]).forEach(addRow);
  const replan = h("form", { "data-testid": "replan-form" },
    h("p.small.muted", {}, "新计划替代尚未到期的目标；已到期目标及其亮灯记录保留。新计划须由督查办批准。"), rows,
    h("div.row", {}, h("button.secondary", { type: "button", onclick: () => addRow() }, "增加一行")),
    field("调整原因", h("input", { name: "reason", maxlength: 2000, required: true })),
    h("button", { type: "submit" }, "批准新计划"));
  submitting(replan, async (data) => {
    const targets = [...rows.querySelectorAll(".replan-row")].map((row) => {
      const value = (name) => row.querySelector(`[name=${name}]`).value;
      const target = { due_date: value("due_date"), planned_percent: Number(value("planned_percent")), unit: value("unit") };
      if (value("description")) target.description = value("description");
      return target;
    });
    await api(`/tasks/${code}/replan`, { method: "POST", json: { targets, reason: data.get("reason") } });
    toast("新计划已生效");
    await reload();
  });

  const cancel = h("form", { "data-testid": "cancel-form" },
    field("撤销原因", h("input", { name: "reason", maxlength: 2000, required: true })),
    h("button.danger", { type: "submit" }, "撤销任务"));
  submitting(cancel, async (data) => {
    if (!window.confirm(`确定撤销任务“${task.title}”？撤销后不再预警、不计入统计和今后的排名。`)) return "";
    await api(`/tasks/${code}/cancel`, { method: "POST", json: { reason: data.get("reason") } });
    toast("任务已撤销");
    await reload();
  });
  return [panel("修改任务", edit), panel("调整计划", replan), panel("撤销任务（撤销）", cancel)];
}

/** 督查办 › 单位管理: every unit, and for one: edit its name and head, retire it or merge it, with its history. */
export async function unitsTab(body, { params } = {}) {
  const list = h("div");
  const detail = h("div.stack", { "data-testid": "unit-detail" });
  body.append(panel("单位", list), detail);
  async function show(selected) {
    const units = (await api("/units")).items;
    const names = new Map(units.map((unit) => [unit.code, unit.name]));
    list.replaceChildren(table([
      { label: "编码", value: (row) => row.code },
      { label: "名称", value: (row) => row.name },
      { label: "类型", value: (row) => KIND_LABEL[row.kind] || row.kind },
      { label: "主要负责人", value: (row) => row.head ? shown(row.head) : "—" },
      { label: "状态", value: (row) => (row.status || "active") === "active" ? "在用" : `已撤销${row.merged_into ? `（并入${names.get(row.merged_into) || row.merged_into}）` : ""}` },
    ], units, { testid: "units", onclick: (row) => show(row.code) }));
    const unit = units.find((item) => item.code === selected);
    if (!unit) { detail.replaceChildren(); return; }
    const history = await api(`/units/${encodeURIComponent(unit.code)}/history`).catch(() => ({ items: [] }));
    detail.replaceChildren(...unitPanels(unit, units, names, history.items, () => show(unit.code)));
  }
  await show(params && params.get("unit"));
}

function contactFields(prefix, contact) {
  return [
    field(`${prefix}姓名`, h("input", { name: "head_name", value: (contact && contact.name) || "", maxlength: 50 })),
    field(`${prefix}手机`, h("input", { name: "head_phone", value: (contact && contact.phone) || "", maxlength: 20 })),
    field(`${prefix}邮箱`, h("input", { name: "head_email", type: "email", value: (contact && contact.email) || "" })),
  ];
}

function unitPanels(unit, units, names, history, reload) {
  const code = encodeURIComponent(unit.code);
  const parts = [];
  const historyTable = table([
    { label: "时间", value: (row) => dateTime(row.changed_at) },
    { label: "操作", value: (row) => KIND_WORDS[row.kind] || row.kind },
    { label: "操作人", value: (row) => row.changed_by_name || "—" },
    { label: "变更内容", value: (row) => h("span.small", {}, changeWords(row.changes, names, UNIT_STATUS)) },
    { label: "原因", value: (row) => row.reason || "—" },
  ], history, { testid: "unit-history", empty: "创建后未修改" });
  if ((unit.status || "active") !== "active") {
    return [panel(`${unit.name}（已撤销）`, historyTable)];
  }
  const edit = h("form", { "data-testid": "unit-edit-form" }, h("div.fields", {},
    field("名称", h("input", { name: "name", value: unit.name, maxlength: 100, required: true })),
    ...contactFields("主要负责人", unit.head)),
    field("原因", h("input", { name: "reason", maxlength: 2000 })),
    h("button", { type: "submit" }, "保存"));
  submitting(edit, async (data) => {
    const body = { name: data.get("name") };
    if (data.get("head_name")) {
      body.head = { name: data.get("head_name") };
      if (data.get("head_phone")) body.head.phone = data.get("head_phone");
      if (data.get("head_email")) body.head.email = data.get("head_email");
    }
    if (data.get("reason")) body.reason = data.get("reason");
    await api(`/units/${code}`, { method: "PATCH", json: body });
    toast("已保存，此后的短信和邮件发给新的联系人");
    await reload();
  });
  parts.push(panel(`${unit.name}：名称与主要负责人`, edit));

  const others = units.filter((item) => item.code !== unit.code && (item.status || "active") === "active");
  const merge = h("form", { "data-testid": "unit-merge-form" }, h("div.fields", {},
    field("并入单位", select("into", others.map((item) => [item.code, item.name]))),
    field("原因", h("input", { name: "reason", maxlength: 2000, required: true }))),
    h("button.secondary", { type: "submit" }, "合并并撤销本单位"));
  submitting(merge, async (data) => {
    const into = data.get("into");
    if (!window.confirm(`确定将“${unit.name}”并入“${names.get(into) || into}”？其未办结任务将移交。`)) return "";
    const answer = await api(`/units/${code}/merge`, { method: "POST", json: { into, reason: data.get("reason") } });
    toast(`已合并，移交任务 ${answer.tasks.length} 项`);
    await reload();
  });
  const retire = h("form", { "data-testid": "unit-retire-form" },
    field("撤销原因", h("input", { name: "reason", maxlength: 2000, required: true })),
    h("button.danger", { type: "submit" }, "撤销单位"));
  submitting(retire, async (data) => {
    await api(`/units/${code}/retire`, { method: "POST", json: { reason: data.get("reason") } });
    toast("单位已撤销");
    await reload();
  });
  parts.push(panel("合并或撤销", h("p.small.muted", {}, "仍牵头未办结任务的单位不能直接撤销，请先合并到其他单位。"), merge, retire));
  parts.push(panel("修改记录", historyTable));
  return parts;
}

/** The batches' counts on the one screen: items, closed, explained and colours. */
export function batchesTable(items) {
  return table([
    { label: "批次", value: (row) => row.batch || "未分批" },
    { label: "事项", num: true, value: (row) => String(row.items) },
    { label: "已销号", num: true, value: (row) => String(row.closed) },
    { label: "已说明", num: true, value: (row) => String(row.explained) },
    { label: "已撤销", num: true, value: (row) => String(row.cancelled) },
    { label: "绿灯", num: true, value: (row) => row.green ?? "—" },
    { label: "黄灯", num: true, value: (row) => row.yellow ?? "—" },
    { label: "红灯", num: true, value: (row) => row.red ?? "—" },
  ], items, { testid: "batches", empty: "尚无批次" });
}

