// 重点任务: the list with its filters and .xlsx export, and one task's page.
import { api, download } from "../api.js";
import {
  CLOCK_LABEL, COLOUR_LABEL, COLOUR_SHORT, NOTICE_STATUS, SOURCE_LABEL, STAGE_LABEL, STATUS_LABEL,
  badge, chineseDate, cityParts, dateTime, errorText, field, h, pager, panel, percent, progressBar, select, submitting, table, toast, yearOptions, yearParam,
} from "../ui.js";
import { batchOptions, historyPanel, officeTaskPanels } from "./records.js";
import { feedbackPanel } from "./instructions.js";
import { threadPanel } from "./thread.js";
import { REQUEST_STATUS, extensionRequestPanel } from "./extensions.js";

const PAGE = 50;
/** The list's filters as the API takes them: the year selector's "all" is no year. */
function listParams(filters) {
  return { ...filters, year: yearParam(filters.year) };
}

export async function tasksPage(container, { params, me }) {
  const units = (await api("/units")).items;
  const names = new Map(units.map((unit) => [unit.code, unit.name]));
  // A unit's staff filter by their own units only: the list holds nothing else.
  const choices = me?.units ? units.filter((unit) => me.units.includes(unit.code)) : units;
  const everyone = me?.units ? "本单位全部" : "全部单位";
  const filters = {
    unit: params.get("unit") || "", lead_unit: params.get("lead_unit") || "", colour: params.get("colour") || "", status: params.get("status") || "",
    category: params.get("category") || "", source: params.get("source") || "",
    batch: params.get("batch") || "", q: params.get("q") || "",
    // This year's tasks and the earlier years' still in hand, unless asked
    // otherwise: the list and the exports do not grow with the years.
    year: params.get("year") || String(cityParts().year),
  };
  const batches = await batchOptions();
  let offset = 0;
  const form = h("form.panel", {}, h("div.fields", {},
    field("年度", select("year", yearOptions(filters.year), filters.year, { "data-testid": "year-filter", title: "某年的任务：当年起止的任务，以及往年结转、当年仍在办的任务" })),
    field("搜索任务名称", h("input", { name: "q", type: "search", value: filters.q, maxlength: 100, placeholder: "如：快速路 一期", "data-testid": "task-search" })),
    field("牵头单位", select("lead_unit", [["", me?.units ? "全部（含配合事项）" : "全部单位"], ...choices.map((unit) => [unit.code, unit.name])], filters.lead_unit, { "data-testid": "lead-unit-filter" })),
    field("涉及单位（牵头或配合）", select("unit", [["", everyone], ...choices.map((unit) => [unit.code, unit.name])], filters.unit, { "data-testid": "unit-filter" })),
    field("亮灯", select("colour", [["", "全部"], ...Object.entries(COLOUR_LABEL)], filters.colour)),
    field("状态", select("status", [["", "全部"], ...Object.entries(STATUS_LABEL)], filters.status)),
    field("类别", h("input", { name: "category", value: filters.category, placeholder: "如：产业项目" })),
    field("来源", select("source", [["", "全部"], ...Object.entries(SOURCE_LABEL)], filters.source)),
    field("批次", select("batch", batches, filters.batch, { "data-testid": "batch-filter" })),
    h("div.row", {}, h("button", { type: "submit" }, "筛选"),
      h("button.secondary", { type: "button", "data-testid": "export-ledger", onclick: () => download("/tasks/ledger.xlsx", listParams(filters), "重点任务清单.xlsx").catch((error) => toast(errorText(error))) }, "导出台账"),
      h("button.secondary", { type: "button", title: "每行一个目标、英文列名的机器格式", onclick: () => download("/tasks/export.xlsx", listParams(filters), "tasks.xlsx").catch((error) => toast(errorText(error))) }, "导出（机器格式）"))));
  const list = h("div");
  container.append(h("h1", {}, "重点任务"), form, h("div.panel", {}, list));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const key of Object.keys(filters)) filters[key] = new FormData(form).get(key) || "";
    offset = 0;
    show();
  });

  async function show() {
    list.replaceChildren(h("p.muted", {}, "正在加载……"));
    try {
      const page = await api("/tasks", { params: { ...listParams(filters), limit: PAGE, offset } });
      const go = (next) => { offset = next; show(); };
      list.replaceChildren(pager(page.total, offset, PAGE, go, { noun: "项", testid: "task-total" }), table([
        { label: "编号", value: (row) => row.code },
        { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.code)}` }, row.title) },
        { label: "牵头单位", value: (row) => names.get(row.lead_unit) || row.lead_unit },
        { label: "亮灯", value: (row) => badge(row.colour) },
        // A list of one colour is ordered by its days (the red list by 亮红灯天数).
        ...(filters.colour ? [{ label: filters.colour === "red" ? "亮红灯" : "亮灯", num: true, value: (row) => row.colour_days === null || row.colour_days === undefined ? "—" : `${row.colour_days}天` }] : []),
        { label: "进度", value: (row) => h("div.row", {}, progressBar(row.percent), percent(row.percent)) },
        { label: "状态", cls: "hide-narrow", value: (row) => h("span", {}, STATUS_LABEL[row.status] || row.status, " ", verificationBadge(row.verification)) },
        { label: "来源", cls: "hide-narrow", value: (row) => SOURCE_LABEL[row.source] || row.source || "" },
        { label: "批次", cls: "hide-narrow", value: (row) => row.batch || "" },
        { label: "截止", cls: "hide-narrow", value: (row) => chineseDate(row.due_date) },
      ], page.items, { testid: "tasks", onclick: (row) => { location.hash = `#/task/${encodeURIComponent(row.code)}`; } }));
    } catch (error) {
      list.replaceChildren(h("p.error", {}, errorText(error)));
    }
  }
  await show();
}

/** The unit a caller reports for on a task: its own unit among the task's, or the lead unit. */
export function reportingUnit(task, me) {
  const units = [task.lead_unit, ...(task.cooperating_units || []), ...(task.targets || []).map((target) => target.unit)];
  if (!me.units) return task.lead_unit;
  return units.find((unit) => me.units.includes(unit)) || me.units[0];
}

/** The progress report form (percent, note, evidence files); `done()` after it is accepted. */
export function reportForm(task, me, done) {
  const form = h("form.panel", { "data-testid": "report-form" }, h("h2", {}, "报送进度"),
    h("div.fields", {},
      field("累计完成（%）", h("input", { name: "percent", type: "number", min: 0, max: 100, step: "0.1", required: true, value: task.percent ?? "" })),
      field("佐证资料", h("input", { name: "evidence", type: "file", multiple: true })),
      (task.targets || []).length ? field("本次完成的目标", select("target_met", [["", "（未完成新目标）"],
        ...task.targets.map((target) => [String(target.seq), `第${target.seq}个目标（计划${target.planned_percent}%）`])], "")) : ""),
    field("进展说明", h("textarea", { name: "note", maxlength: 2000, placeholder: "本月完成情况、存在问题和下步打算" })),
    h("label.small", {}, h("input", { type: "checkbox", name: "correction", value: "1", "data-testid": "report-correction" }),
      " 更正：下调此前报送的进度（须在进展说明中写明原因）"),
    h("button", { type: "submit" }, "提交报送"));
  return submitting(form, async (data) => {
    const wanted = Number(data.get("percent"));
    const correction = data.get("correction") === "1";
    const note = (data.get("note") || "").trim();
    // Said before any file is uploaded: the service would refuse the report anyway.
    if (task.percent != null && wanted < task.percent && !correction) {
      throw new Error(`填报的 ${wanted}% 低于上次报送的 ${task.percent}%。如确需下调，请勾选“更正”，并在进展说明中写明原因。`);
    }
    if (correction && !note) throw new Error("更正须在进展说明中写明原因。");
    const files = data.getAll("evidence").filter((file) => file && file.size > 0);
    // Uploaded first; the report names them, so they stay its evidence (and a
    // report the rules require a file for is taken).
    const evidence = [];
    for (const file of files) {
      const upload = new FormData();
      upload.append("file", file, file.name);
      evidence.push((await api(`/tasks/${encodeURIComponent(task.code)}/evidence`, { method: "POST", form: upload })).id);
    }
    const item = { task: task.code, unit: reportingUnit(task, me), percent: wanted };
    if (evidence.length) item.evidence = evidence;
    if (data.get("target_met")) item.target_met = Number(data.get("target_met"));
    if (note) item.note = note;
    if (correction) item.correction = true;
    const answer = await api("/progress", { method: "POST", json: [item] });
    const result = answer.results[0];
    // `message`: the gateway's Chinese words for the refusal (`reason` may be by field).
    if (result.status !== "accepted") throw new Error(`未被接受：${result.message || result.reason || ""}`);
    toast(`已报送 ${item.percent}%${files.length ? `，佐证资料 ${files.length} 份` : ""}`);
    if (done) await done();
    return `已报送 ${item.percent}%`;
  });
}

export async function taskPage(container, { args, me }) {
  const code = args[0];
  async function show() {
    const [task, history, units] = await Promise.all([
      api(`/tasks/${encodeURIComponent(code)}`),
      api(`/tasks/${encodeURIComponent(code)}/history`).catch(() => ({ items: [] })),
      api("/units"),
    ]);
    const names = new Map(units.items.map((unit) => [unit.code, unit.name]));
    task.verification_timeline = history.verifications || [];
    // The forecast is read beside the colour, never instead of it; a caller who
    // may not read the lead unit's forecasts simply sees none.
    const forecast = task.status === "active"
      ? await api("/forecasts", { params: { task: code, unit: task.lead_unit } }).then((page) => page.items[0] || null).catch(() => undefined)
      : undefined;
    container.replaceChildren(...renderTask(task, history.items, names, me, show, forecast));
    // The office keeps the record true: edit, re-plan, cancel, each with a reason.
    if (me.role === "admin" && task.status === "active") {
      container.append(...officeTaskPanels(task, units.items, show));
    }
    if (history.versions) container.append(historyPanel(history, names));
  }
  await show();
}

function canWrite(task, me) {
  if (!["admin", "operator", "evaluator"].includes(me.role)) return false;
  if (!me.units) return true;
  const units = [task.lead_unit, ...(task.cooperating_units || []), ...(task.targets || []).map((target) => target.unit)];
  return units.some((unit) => me.units.includes(unit));
}

function forecastLine(forecast) {
  if (forecast === undefined) return null;
  if (forecast === null) {
    return h("div.row.small.muted", { "data-testid": "task-forecast" }, "预测：报送次数尚少，暂不预测（按近几次报送的进度推算）");
  }
  return h("div.row.small", { "data-testid": "task-forecast", "data-colour": forecast.colour, "data-soon-red": String(forecast.soon_red) },
    badge(forecast.soon_red ? "red" : forecast.colour, forecast.soon_red ? "预测将亮红灯" : `预测${COLOUR_SHORT[forecast.colour]}`),
    h("span", {}, `${forecast.words}。`),
    h("span.muted", {}, `（依据近${forecast.reports}次报送，截至${chineseDate(forecast.as_of)}）`));
}

function renderTask(task, history, names, me, reload, forecast) {
  const unitName = (code) => names.get(code) || code;
  const facts = [
    ["牵头单位", unitName(task.lead_unit)],
    ["配合单位", (task.cooperating_units || []).map(unitName).join("、") || "—"],
    ["类别", task.category || "—"], ["来源", SOURCE_LABEL[task.source] || task.source || "—"],
    ["“13710”", task.clock_class ? CLOCK_LABEL[task.clock_class] : "—"],
    ["责任人", task.responsible_person || "—"], ["起止", `${chineseDate(task.start_date)} 至 ${chineseDate(task.due_date)}`],
    ["状态", h("span", {}, STATUS_LABEL[task.status] || task.status, " ", verificationBadge(task.verification))],
    ["批次", task.batch || "—"],
  ];
  const parts = [
    h("p.small", {}, h("a", { href: "#/tasks" }, "← 重点任务")),
    h("div.row", {}, h("h1", {}, `${task.title}`), h("span.muted", {}, task.code)),
    h("section.panel", {},
      h("div.row", {}, h("span", { "data-testid": "task-colour", "data-colour": task.colour || "" }, badge(task.colour)),
        h("strong", {}, task.colour_reason || "尚未评价")),
      forecastLine(forecast),
      h("div.row", {}, progressBar(task.percent), h("span", { "data-testid": "task-percent" }, `累计完成 ${percent(task.percent)}`)),
      h("div.grid.cols-3.small", {}, facts.map(([label, value]) => h("div", {}, h("span.muted", {}, `${label}：`), value)))),
  ];
  if (canWrite(task, me) && ["active", "completed"].includes(task.status)) {
    parts.push(reportForm(task, me, reload));
  }
  parts.push(panel("月度目标", table([
    { label: "序号", num: true, value: (row) => String(row.seq) },
    { label: "到期", value: (row) => chineseDate(row.due_date) },
    { label: "计划累计", num: true, value: (row) => percent(row.planned_percent) },
    { label: "目标", value: (row) => row.description || "" },
    { label: "责任单位", value: (row) => unitName(row.unit) },
    { label: "亮灯", value: (row) => badge(row.colour) },
    { label: "原因", cls: "hide-narrow", value: (row) => h("span.small", {}, row.colour_reason || "") },
  ], task.targets || [], { empty: "未分解月度目标" })));

  if (task.clock_class) parts.push(clockPanel(task, me, reload));
  if (task.clock_class) {
    // The lead unit's words and files at each stage; filled in once loaded.
    const holder = h("div");
    parts.push(holder);
    const writable = canWrite(task, me) && (!me.units || me.units.includes(task.lead_unit));
    feedbackPanel(task, me, writable, reload).then((built) => holder.replaceWith(built)).catch(() => holder.remove());
  }
  parts.push(threadPanel(task, me));
  parts.push(h("div.grid.cols-2", {},
    panel("进展时间轴", timeline(task, history)),
    h("div.stack", {},
      panel("佐证资料", table([
        { label: "文件", value: (row) => h("a", { href: "#", onclick: (event) => { event.preventDefault(); download(`/tasks/${encodeURIComponent(task.code)}/evidence/${row.id}`, {}, row.filename).catch((error) => toast(errorText(error))); } }, row.filename) },
        { label: "大小", num: true, value: (row) => `${Math.ceil(row.size / 1024)} KB` },
        { label: "上传时间", value: (row) => dateTime(row.uploaded_at) },
      ], task.evidence || [], { empty: "暂无佐证资料", testid: "evidence" })),
      panel("督办单", table([
        { label: "编号", value: (row) => row.number },
        { label: "原因", value: (row) => row.reason },
        { label: "状态", value: (row) => badge(row.colour, NOTICE_STATUS[row.status] || row.status) },
        { label: "回复", value: (row) => row.answer || "—" },
      ], task.notices || [], { empty: "无督办单" })),
      panel("书面承诺", table([
        // The number a colour's reason names it by (【承诺2】): its place, in the order made.
        { label: "序号", num: true, value: (row) => String((task.commitments || []).indexOf(row) + 1) },
        { label: "事项", value: (row) => row.step },
        { label: "承诺时间", value: (row) => chineseDate(row.promised_date) },
        { label: "成效", value: (row) => row.result },
        { label: "状态", value: (row) => row.status === "fulfilled" ? badge("green", "已兑现") : verificationBadge(row.verification) || badge("grey", "未兑现") },
      ], task.commitments || [], { empty: "无书面承诺" })))));
  if (canWrite(task, me) && task.status === "active") parts.push(endPanel(task, reload));
  if (me.role === "admin" && task.status === "active") parts.push(extensionPanel(task, reload));
  if ((task.extension_requests || []).length || me.role !== "admin") parts.push(extensionRequestPanel(task, me, reload));
  return parts;
}

// The office approves an extension: the task's due date or one target's moves,
// and every extension stays counted and shown in the colour's reason.
function extensionPanel(task, reload) {
  const which = [["", `整个任务（现截止 ${chineseDate(task.due_date)}）`],
    ...(task.targets || []).map((target) => [String(target.seq), `目标${target.seq}（现截止 ${chineseDate(target.due_date)}）`])];
  const form = h("form", { "data-testid": "extension-form" }, h("div.fields", {},
    field("延期事项", select("seq", which, "")),
    field("延至", h("input", { name: "new_due_date", type: "date", required: true })),
    field("理由", h("input", { name: "reason", maxlength: 2000, required: true }))),
    h("button", { type: "submit" }, "批准延期"));
  submitting(form, async (data) => {
    const body = { new_due_date: data.get("new_due_date"), reason: data.get("reason") };
    if (data.get("seq")) body.seq = Number(data.get("seq"));
    await api(`/tasks/${encodeURIComponent(task.code)}/extensions`, { method: "POST", json: body });
    await reload();
  });
  const count = (task.extensions || []).length;
  return panel("批准延期", h("p.small.muted", {}, count ? `已延期 ${count} 次。` : "尚未延期。", "延期计入考核，并在亮灯原因中注明。"), form);
}

function timeline(task, history) {
  const events = [];
  for (const report of task.progress || []) {
    // Placed when the platform received it, which timeliness is judged by; the
    // unit's own time is shown beside it when it says otherwise.
    const own = report.received_at && report.reported_at !== report.received_at ? `单位填报时间：${dateTime(report.reported_at)}` : null;
    const files = (report.evidence || []).length ? `佐证资料：${report.evidence.map((file) => file.filename).join("、")}` : null;
    events.push({ at: report.received_at || report.reported_at, cls: "", text: `报送进度 ${percent(report.percent)}`, detail: [report.note, files, report.source && report.source !== "portal" ? `来源：${report.source}` : null, own].filter(Boolean).join(" · ") });
  }
  for (const change of history.filter((item) => item.item_kind === "task")) {
    events.push({ at: change.changed_at, cls: change.colour, text: `亮灯：${COLOUR_LABEL[change.previous] || "未评价"} → ${COLOUR_LABEL[change.colour]}`, detail: `${change.reason}（评价日 ${chineseDate(change.as_of)}）` });
  }
  for (const notice of task.notices || []) {
    events.push({ at: notice.issued_at, cls: "red", text: `下发督办单 ${notice.number}`, detail: notice.reason });
    if (notice.acknowledged_at) events.push({ at: notice.acknowledged_at, cls: "", text: `签收督办单 ${notice.number}`, detail: notice.acknowledged_by_name || "" });
    if (notice.answered_at) events.push({ at: notice.answered_at, cls: "", text: `回复督办单 ${notice.number}`, detail: notice.answer || "" });
    if (notice.closed_at) events.push({ at: notice.closed_at, cls: "green", text: `督办单 ${notice.number} 办结`, detail: notice.close_reason || "" });
  }
  for (const stage of task.clocks || []) {
    events.push({ at: stage.received_at || stage.recorded_at, cls: "green", text: `“13710”${STAGE_LABEL[stage.stage] || stage.stage} 完成`, detail: stage.received_at && stage.recorded_at !== stage.received_at ? `单位填报完成时间：${dateTime(stage.recorded_at)}` : "" });
  }
  for (const item of task.evidence || []) {
    events.push({ at: item.uploaded_at, cls: "", text: `上传佐证资料`, detail: item.filename });
  }
  for (const request of task.extension_requests || []) {
    const which = request.seq == null ? "任务" : `第${request.seq}个目标`;
    events.push({ at: request.requested_at, cls: "", text: `申请${which}延期至 ${chineseDate(request.asked_due_date)}`, detail: request.reason });
    if (request.decided_at) events.push({ at: request.decided_at, cls: request.status === "refused" ? "red" : "yellow", text: `延期申请${REQUEST_STATUS[request.status] || request.status}`, detail: request.decision_reason || "" });
  }
  // 复核: the unit's requests, and the office's confirmation or send-back.
  for (const entry of task.verification_timeline || []) {
    const cls = { verification_confirmed: "green", verification_returned: "red" }[entry.kind] || "";
    events.push({ at: entry.at, cls, text: entry.text, detail: entry.reason ? `退回原因：${entry.reason}` : "" });
  }
  for (const extension of task.extensions || []) {
    events.push({ at: extension.extended_at, cls: "yellow", text: `批准延期至 ${chineseDate(extension.new_due_date)}`, detail: extension.reason });
  }
  events.sort((a, b) => String(b.at).localeCompare(String(a.at)));
  if (!events.length) return h("p.empty", {}, "暂无记录");
  return h("ol.timeline", { "data-testid": "timeline" }, events.map((event) =>
    h("li", { class: event.cls || null }, h("div.when", {}, dateTime(event.at)), h("div", {}, event.text), event.detail ? h("div.small.muted", {}, event.detail) : null)));
}

// A request's state as the unit reads it: 待复核, or 被退回 with why.
function verificationBadge(state) {
  if (!state) return null;
  if (state.status === "pending") return badge("yellow", "待复核");
  if (state.status === "returned") return h("span", {}, badge("red", "被退回"), h("span.small", {}, `（${state.reason}）`));
  return null;
}

// The latest request on each 13710 stage still waiting or sent back.
function stageRequests(task) {
  const found = new Map();
  for (const item of task.verifications || []) {
    if (item.kind === "clock_stage") found.set(item.subject, item);
  }
  return new Map([...found].filter(([, item]) => ["pending", "returned"].includes(item.status)));
}

function clockPanel(task, me, reload) {
  // Timeliness is judged by when the platform received the stage.
  const done = new Map((task.clocks || []).map((stage) => [stage.stage, stage.received_at || stage.recorded_at]));
  const asked = stageRequests(task);
  const writable = canWrite(task, me) && task.status === "active";
  return panel(`“13710”时限（${CLOCK_LABEL[task.clock_class]}）`, table([
    { label: "环节", value: (row) => STAGE_LABEL[row] },
    { label: "完成时间（以平台收到为准）", value: (row) => done.has(row) ? dateTime(done.get(row)) : verificationBadge(asked.get(row)) || "未完成" },
    { label: "", value: (row) => !done.has(row) && asked.get(row)?.status !== "pending" && writable ? h("button.secondary", { type: "button", onclick: async () => {
      try { await api(`/tasks/${encodeURIComponent(task.code)}/clock`, { method: "POST", json: { stage: row } }); toast("已记录"); await reload(); }
      catch (error) { toast(errorText(error)); }
    } }, "记录完成") : "" },
  ], ["deployed", "first_feedback", "closed"]));
}

function endPanel(task, reload) {
  const form = h("form", {}, field("不能销号的，说明情况", h("textarea", { name: "reason", maxlength: 2000, required: true })),
    h("div.row", {}, h("button.secondary", { type: "submit" }, "说明情况并结束")));
  submitting(form, async (data) => {
    await api(`/tasks/${encodeURIComponent(task.code)}/explain`, { method: "POST", json: { reason: data.get("reason") } });
    await reload();
  });
  const state = task.verification;
  const waiting = state && state.status === "pending";
  return panel("销号", h("p.small.muted", {}, "能销号的一定要销号，不能销号的一定要给个说法。"),
    state ? h("p", { "data-testid": "closure-verification" }, "销号申请：", verificationBadge(state)) : null,
    waiting ? null : h("button", { type: "button", onclick: async () => {
      try {
        const answer = await api(`/tasks/${encodeURIComponent(task.code)}/close`, { method: "POST" });
        toast(answer.status === "closed" ? "已销号" : "已提交，待督查办复核"); await reload();
      }
      catch (error) { toast(errorText(error)); }
    } }, state ? "重新申请销号" : "销号"), form);
}
