// 领导批示: a leader reads 我的批示 (each instruction with its matter's colour,
// its 13710 stages and the lead unit's feedback with files) and adds a follow-up
// (再批示); the office records an instruction for a leader, and the office or the
// leader who gave one corrects it (更正) for a reason, each correction shown under
// it with what was there before. The feedback panel
// of a task page lets the lead unit report a stage with words and files.
import { api, download } from "../api.js";
import { CLOCK_LABEL, STATUS_LABEL, badge, chineseDate, dateTime, errorText, field, h, pagedList, panel, select, submitting, table, taskPicker, toast, today } from "../ui.js";

const STAGES = [["deployed", "部署"], ["first_feedback", "首次反馈"], ["closed", "办结"]];
const KIND = { on_task: "对已有任务批示", new_matter: "批示交办新事项", follow_up: "再批示" };

export async function instructionsPage(container, { me }) {
  const leader = me.role === "leader";
  const show = () => paged.reload();
  // Who corrected an instruction, by name where the page knows one (the leaders
  // the office chooses from, and the reader); the login otherwise.
  const names = new Map([[me.user, me.name || me.user]]);
  const paged = pagedList((paging) => api("/instructions", { params: leader ? { mine: true, ...paging } : paging }),
    (items) => h("div.stack", { "data-testid": "instructions" }, ...(items.length ? items.map((item) => card(item, me, show, names))
      : [h("p.empty", {}, leader ? "您尚无批示。" : "尚无领导批示。")])), { size: 20 });
  container.append(h("h1", {}, leader ? "我的批示" : "领导批示"));
  container.append(await recordForm(me, show, names));
  container.append(paged.node);
  await paged.show();
}

function card(item, me, reload, names = new Map()) {
  const fileLink = (file) => h("a", { href: "#", onclick: (event) => {
    event.preventDefault();
    download(`/tasks/${encodeURIComponent(item.task)}/evidence/${file.id}`, {}, file.filename).catch((error) => toast(errorText(error)));
  } }, file.filename);
  const stages = table([
    { label: "环节", value: (row) => row.stage_name },
    { label: "完成时间", value: (row) => row.recorded_at ? dateTime(row.recorded_at) : "未完成" },
    { label: "反馈", value: (row) => row.feedback.length ? h("div.stack", {}, row.feedback.map((feedback) =>
      h("div", {}, h("div", {}, feedback.text), h("div.small.muted", {}, dateTime(feedback.given_at), " ",
        ...feedback.files.map((file) => [" 附件：", fileLink(file)]))))) : "—" },
  ], item.stages, { empty: "不在“13710”时限内" });
  const parts = [
    h("div.row", {}, badge(item.colour), h("strong", {}, item.task_title),
      h("a.small", { href: `#/task/${encodeURIComponent(item.task)}` }, item.task),
      h("span.muted.small", {}, `${item.lead_unit_name || item.lead_unit} · ${STATUS_LABEL[item.status] || item.status} · ${CLOCK_LABEL[item.clock_class] || "—"} · 截止 ${chineseDate(item.due_date)}`)),
    h("p", {}, h("span.muted", {}, `${item.leader_name} ${chineseDate(item.given_on)} ${KIND[item.kind] || ""}：`), item.text),
    stages,
  ];
  const corrections = item.corrections || [];
  if (corrections.length) parts.push(correctionList(corrections, names));
  if (item.follow_ups.length) {
    parts.push(h("p.small", {}, "再批示：", ...item.follow_ups.map((follow) =>
      h("a", { href: `#/task/${encodeURIComponent(follow.task)}` }, ` ${follow.task}（${chineseDate(follow.given_on)}）`))));
  }
  if ((me.role === "leader" && item.leader === me.user) || me.role === "admin") {
    parts.push(correctionForm(item, reload));
    const form = h("form", { "data-testid": "follow-up" }, h("div.fields", {},
      field("再批示内容", h("textarea", { name: "text", required: true, maxlength: 5000 })),
      field("类别", select("clock_class", [["", "同原事项"], ["general", "一般事项"], ["important", "重要事项"], ["complex", "复杂事项"]], ""))),
      h("button", { type: "submit" }, "再批示"));
    submitting(form, async (data) => {
      const body = { leader: item.leader, leader_name: item.leader_name, given_on: today(), text: data.get("text"), parent: item.id };
      if (data.get("clock_class")) body.clock_class = data.get("clock_class");
      const given = await api("/instructions", { method: "POST", json: body });
      toast(`已再批示，新事项 ${given.task} 开始计时`);
      await reload();
    });
    parts.push(form);
  }
  return h("section.panel", { "data-instruction": String(item.id) }, ...parts);
}

// Dates read as Chinese dates, the rest as it was written.
const correctedValue = (change, value) => change.field === "given_on" ? chineseDate(value) : value;

function correctionList(corrections, names) {
  return h("div.small", { "data-testid": "corrections" },
    h("p.muted", {}, `已更正 ${corrections.length} 次`),
    h("ol", {}, ...corrections.map((correction) => h("li", {},
      h("div", {}, `${dateTime(correction.at)} ${names.get(correction.by) || correction.by} 更正，原因：${correction.reason}`),
      ...correction.fields.map((change) => h("div.muted", {},
        `${change.label}：原“${correctedValue(change, change.from)}”，改为“${correctedValue(change, change.to)}”`))))));
}

// The office, or the leader who gave it, corrects a typo in the words, the name
// shown under it or the date; only what differs is sent, and the reason is kept.
function correctionForm(item, reload) {
  const form = h("form", { "data-testid": "correct-instruction", hidden: true }, h("div.fields", {},
    field("批示内容", h("textarea", { name: "text", required: true, maxlength: 5000 }, item.text)),
    field("领导姓名", h("input", { name: "leader_name", required: true, maxlength: 50, value: item.leader_name })),
    field("批示日期", h("input", { name: "given_on", type: "date", required: true, value: item.given_on })),
    field("更正原因", h("input", { name: "reason", required: true, maxlength: 500, placeholder: "如：录入时日期有误" }))),
    h("button", { type: "submit" }, "保存更正"));
  submitting(form, async (data) => {
    const body = { reason: data.get("reason") };
    for (const name of ["text", "leader_name", "given_on"]) {
      if (data.get(name) !== item[name]) body[name] = data.get(name);
    }
    await api(`/instructions/${item.id}`, { method: "PATCH", json: body });
    toast("批示已更正");
    await reload();
  });
  const toggle = h("button.secondary", { type: "button", "data-testid": "correct-toggle", onclick: () => { form.hidden = !form.hidden; } }, "更正");
  return h("div", {}, toggle, form);
}

async function recordForm(me, reload, names = new Map()) {
  const leader = me.role === "leader";
  // People choose by name; the request still carries the leader's login and the
  // lead unit's code, which the API takes.
  const [leaders, units] = await Promise.all([leader ? [] : api("/leaders").then((answer) => answer.items), api("/units").then((answer) => answer.items)]);
  const nameOf = new Map(leaders.map((person) => [person.username, person.name]));
  for (const [username, name] of nameOf) names.set(username, name);
  const leaderName = h("input", { name: "leader_name", maxlength: 50, value: leader ? me.name || me.user : (leaders[0] || {}).name || "" });
  let chosen = leader ? null : select("leader", leaders.map((person) => [person.username, person.name]), (leaders[0] || {}).username, { required: true });
  if (chosen) {
    // The name shown under the instruction follows the leader chosen until the
    // clerk writes another (王市长 rather than 王建国).
    chosen.addEventListener("change", () => {
      if (!leaderName.value || [...nameOf.values()].includes(leaderName.value)) leaderName.value = nameOf.get(chosen.value) || "";
    });
    if (!leaders.length) chosen = h("p.small.muted", {}, "尚无领导账号，请先在“督查办 → 用户与密钥”中添加角色为领导的用户。");
  }
  const active = units.filter((unit) => (unit.status || "active") === "active");
  const form = h("form", { "data-testid": "instruction-form" }, h("div.fields", {},
    chosen ? field("领导", chosen) : null,
    field("领导姓名（批示下显示）", leaderName),
    field("批示日期", h("input", { name: "given_on", type: "date", required: true, value: today() })),
    field("批示内容", h("textarea", { name: "text", required: true, maxlength: 5000 })),
    taskPicker("已有任务（不选则交办新事项）", "task",
      async (words) => (await api("/tasks", { params: { q: words, status: "active", limit: 20 } })).items,
      { none: "（不选，交办新事项）" }),
    field("新事项名称", h("input", { name: "title", maxlength: 300 })),
    field("牵头单位", select("lead_unit", [["", "请选择（交办新事项时）"], ...active.map((unit) => [unit.code, unit.name])], "")),
    field("“13710”类别", select("clock_class", [["general", "一般事项"], ["important", "重要事项"], ["complex", "复杂事项"]], "general"))),
    h("button", { type: "submit" }, leader ? "作出批示" : "录入批示"));
  submitting(form, async (data) => {
    const body = { given_on: data.get("given_on"), text: data.get("text") };
    if (!leader) body.leader = data.get("leader");
    if (data.get("leader_name")) body.leader_name = data.get("leader_name");
    if (data.get("task")) body.task = data.get("task");
    else body.matter = { title: data.get("title"), lead_unit: data.get("lead_unit"), clock_class: data.get("clock_class") };
    const given = await api("/instructions", { method: "POST", json: body });
    await reload();
    return `已录入，事项 ${given.task}`;
  });
  return panel(leader ? "作出批示" : "录入领导批示", form);
}

// On a task's page: each 13710 stage's feedback, and the lead unit's form.
export async function feedbackPanel(task, me, writable, reload) {
  const instructions = (await api("/instructions", { params: { task: task.code, limit: 100 } }).catch(() => ({ items: [] }))).items;
  const parts = instructions.map((item) => h("p.small", {}, h("span.muted", {}, `${item.leader_name} ${chineseDate(item.given_on)} 批示：`), item.text));
  if (writable) {
    const form = h("form", { "data-testid": "feedback-form" }, h("div.fields", {},
      field("环节", select("stage", STAGES, "deployed")),
      field("反馈内容", h("textarea", { name: "text", required: true, maxlength: 5000 })),
      field("附件（最多5个）", h("input", { name: "files", type: "file", multiple: true }))),
      h("button", { type: "submit" }, "提交反馈"));
    submitting(form, async (data) => {
      const body = new FormData();
      body.append("text", data.get("text"));
      for (const file of data.getAll("files")) if (file && file.size) body.append("files", file);
      await api(`/tasks/${encodeURIComponent(task.code)}/clock/${data.get("stage")}/feedback`, { method: "POST", form: body });
      toast("反馈已提交");
      await reload();
    });
    parts.push(form);
  }
  return panel("批示与“13710”反馈", ...(parts.length ? parts : [h("p.empty", {}, "暂无批示")]));
}
