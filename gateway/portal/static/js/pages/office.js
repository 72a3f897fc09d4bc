// 督查办: the office's work — the task library, leaders' matters on the 13710
// clock, rules and score settings, notices, ranking approval, users and API keys,
// messaging and parked messages (pages/messaging.js), the audit log.
import { api, download, unitNames } from "../api.js";
import {
  CLOCK_LABEL, KIND_LABEL, NOTICE_STATUS, RANKING_STATUS, ROLE_LABEL, badge, chineseDate, cursorList, dateTime, errorText, field, h, pagedList, panel, select, submitting, table, toast,
} from "../ui.js";
import { calendarTab } from "./calendar.js";
import { extensionsTab } from "./extensions.js";
import { ledgerTab } from "./ledger.js";
import { messagingTab } from "./messaging.js";
import { approvalButtons } from "./ranking.js";
import { FIELD_LABEL, unitsTab } from "./records.js";
import { signalsTab } from "./signals.js";
import { rulesEditor } from "../rules.js";
import { verificationTab } from "./verification.js";

const TABS = [
  ["ledger", "台账导入", ledgerTab], ["verify", "复核待办", verificationTab], ["import", "任务库导入（机器格式）", importTab], ["assign", "领导交办（13710）", assignTab], ["rules", "预警与评分规则", rulesTab],
  ["units", "单位管理", unitsTab], ["extensions", "延期申请", extensionsTab], ["signals", "数据真实性", signalsTab], ["notices", "督办单", noticesTab], ["calendar", "工作日历", calendarTab], ["ranking", "排名审定", rankingTab], ["users", "用户与密钥", usersTab],
  ["messaging", "推送与运维", messagingTab], ["audit", "操作日志", auditTab],
];

export async function officePage(container, { args, params }) {
  const current = TABS.find(([key]) => key === args[0]) || TABS[0];
  const body = h("div.stack", { "data-tab": current[0] });
  // How the forecasts red came out on their day: the office judges the early
  // warnings by it (GET /forecasts/accuracy).
  const accuracy = h("p.muted.small", { "data-testid": "forecast-accuracy" });
  api("/forecasts/accuracy").then((record) => { accuracy.textContent = `预测预警：${record.words}。`; }).catch(() => {});
  container.append(h("h1", {}, "督查办"), accuracy,
    h("nav.tabs", {}, TABS.map(([key, label]) => h("a", { href: `#/office/${key}`, class: key === current[0] ? "active" : null }, label))), body);
  await current[2](body, { params });
}

async function importTab(body) {
  const file = h("input", { type: "file", name: "file", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", required: true });
  const result = h("div", { "data-testid": "import-result" });
  const form = h("form", {}, h("div.row", {}, file, h("button", { type: "submit" }, "检查")));
  let checked = null;
  async function send(dryRun) {
    const data = new FormData();
    data.append("file", checked || file.files[0]);
    return api("/imports/tasks", { method: "POST", form: data, params: { dry_run: dryRun ? "true" : undefined } });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    checked = file.files[0];
    result.replaceChildren(h("p.muted", {}, "正在检查……"));
    try {
      const answer = await send(true);
      const count = answer.checked ?? answer.created ?? 0;
      result.replaceChildren(h("p.ok", {}, `检查通过：${count} 项任务，尚未保存。`),
        h("button", { type: "button", "data-testid": "confirm-import", onclick: async (click) => {
          click.target.disabled = true;
          try {
            const saved = await send(false);
            result.replaceChildren(h("p.ok", {}, `已导入 ${saved.created} 项任务。`));
          } catch (error) { showErrors(error); }
        } }, "确认导入"));
    } catch (error) { showErrors(error); }
  });
  function showErrors(error) {
    const detail = error.detail && error.detail.errors;
    if (!detail) { result.replaceChildren(h("p.error", {}, errorText(error))); return; }
    result.replaceChildren(h("div.errors", {}, h("p", {}, h("strong", {}, `发现 ${detail.length} 处错误，未保存任何任务。请修改表格后重新上传。`)),
      table([
        { label: "行", num: true, value: (row) => String(row.row) },
        // The column by its Chinese name, with the header as the sheet has it to find it by.
        { label: "列", value: (row) => !row.field ? "—" : FIELD_LABEL[row.field]
          ? h("span", {}, FIELD_LABEL[row.field], h("span.small.muted", {}, ` ${row.field}`)) : `“${row.field}”` },
        { label: "问题", value: (row) => row.message || row.reason },
      ], detail, { testid: "import-errors" })));
  }
  body.append(panel("从 Excel 导入任务库",
    h("p.small.muted", {}, "每行一个月度目标，同一编号的多行为同一任务。先检查，全部无误后再确认导入；有任何一行出错则不保存。"),
    h("p", {}, h("button.secondary", { type: "button", onclick: () => download("/imports/tasks/template.xlsx", {}, "task-library-template.xlsx").catch((error) => toast(errorText(error))) }, "下载模板")),
    form, result));
}

async function assignTab(body) {
  const units = (await api("/units")).items;
  const unitOptions = units.map((unit) => [unit.code, `${unit.name}（${KIND_LABEL[unit.kind] || unit.kind}）`]);
  const form = h("form", {}, h("div.fields", {},
    field("编号", h("input", { name: "code", required: true, placeholder: "如 J2026-0012" })),
    field("事项", h("input", { name: "title", required: true })),
    field("牵头单位", select("lead_unit", unitOptions)),
    field("事项类别", select("clock_class", Object.entries(CLOCK_LABEL), "general")),
    field("来源", select("source", [["assignment", "领导交办"], ["instruction", "领导批示"]])),
    field("交办日期", h("input", { name: "start_date", type: "date", required: true })),
    field("办结期限", h("input", { name: "due_date", type: "date", required: true })),
    field("责任人", h("input", { name: "responsible_person" }))),
    h("button", { type: "submit" }, "交办"));
  submitting(form, async (data) => {
    const task = Object.fromEntries([...data.entries()].filter(([, value]) => value !== ""));
    task.targets = [];
    const made = await api("/tasks", { method: "POST", json: task });
    return `已交办 ${made.code}，“13710”计时自交办日开始。`;
  });
  body.append(panel("交办领导事项", h("p.small.muted", {}, "1日内部署、3日内首次反馈、一般问题7日内办结、复杂问题1个月内办结（按工作日计）。"), form));
}

async function rulesTab(body) {
  const [warning, score, evidence] = await Promise.all([api("/rules"), api("/ranking-rules"), api("/evidence-rules")]);
  const asOf = h("input", { type: "date", name: "as_of" });
  const evaluate = h("form.row", {}, asOf, h("button", { type: "submit" }, "按此日重新评价"));
  submitting(evaluate, async () => {
    const answer = await api("/evaluations", { method: "POST", params: { as_of: asOf.value || undefined } });
    return `评价日 ${chineseDate(answer.as_of)}：评价 ${answer.evaluated} 项，变化 ${answer.changed} 项`;
  });
  body.append(rulesEditor("预警规则", "/rules", warning), rulesEditor("评分规则", "/ranking-rules", score),
    rulesEditor("佐证资料要求", "/evidence-rules", evidence), panel("重新评价亮灯", evaluate));
}

async function noticesTab(body) {
  const unitName = await unitNames();
  const status = select("status", [["", "全部"], ...Object.entries(NOTICE_STATUS)], "");
  status.addEventListener("change", () => paged.show().catch((error) => toast(errorText(error))));
  const form = h("form", {}, h("div.fields", {},
    field("任务编号", h("input", { name: "task", required: true })),
    field("督办原因", h("input", { name: "reason", required: true }))), h("button", { type: "submit" }, "下发督办单"));
  submitting(form, async (data) => {
    const notice = await api("/notices", { method: "POST", json: { task: data.get("task"), reason: data.get("reason") } });
    await show();
    return `已下发 ${notice.number}`;
  });
  const paged = pagedList((paging) => api("/notices", { params: { status: status.value || undefined, ...paging } }), (items) => table([
      { label: "编号", value: (row) => row.number },
      { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}`, title: row.task }, row.title || row.task) },
      { label: "单位", value: (row) => unitName(row.unit) },
      { label: "原因", value: (row) => h("span.small", {}, row.reason) },
      { label: "下发", value: (row) => `${chineseDate(row.issued_on)}（${row.issued_by_name}）` },
      { label: "状态", value: (row) => badge(row.colour, NOTICE_STATUS[row.status] || row.status) },
      { label: "回复", cls: "hide-narrow", value: (row) => row.answer || "—" },
      { label: "", value: (row) => row.status === "closed" ? "" : h("button.secondary", { type: "button", onclick: async () => {
        const reason = row.status === "answered" ? null : "督查办决定办结";
        try { await api(`/notices/${row.id}/close`, { method: "POST", json: reason ? { reason } : {} }); toast("已办结"); await show(); } catch (error) { toast(errorText(error)); }
      } }, "办结") },
    ], items, { empty: "没有督办单" }), { testid: "notice-total" });
  const show = () => paged.reload();
  body.append(panel("下发督办单", form), panel(null, h("div.row", {}, h("label", {}, "状态", status)), paged.node));
  await paged.show();
}

async function rankingTab(body) {
  const periods = await api("/rankings/periods");
  const all = [periods.current, ...periods.items].filter(Boolean);
  const seen = new Set();
  const list = all.filter((item) => !seen.has(item.period) && seen.add(item.period));
  body.append(panel("考核期", table([
    { label: "考核期", value: (row) => h("a", { href: `#/ranking?period=${row.period}` }, row.label || row.period) },
    { label: "状态", value: (row) => RANKING_STATUS[row.status] || row.status },
  ], list)), ...list.map((item) => approvalButtons(item, async () => { body.replaceChildren(); await rankingTab(body); })));
}

const USER_STATUS = { active: ["green", "正常"], disabled: ["red", "已停用"], password_reset: ["yellow", "待改密码"] };
const ACCESS_LABEL = { write: "读写（可报送）", read: "只读" };

async function usersTab(body) {
  const units = (await api("/units")).items;
  const users = h("div"), keys = h("div"), shown = h("div");
  const unitOptions = [["", "（无）"], ...units.map((unit) => [unit.code, unit.name])];
  const userForm = h("form", {}, h("div.fields", {},
    field("姓名", h("input", { name: "name", required: true, maxlength: 32, placeholder: "如：王小明" })),
    field("手机或电话", h("input", { name: "phone", type: "tel", maxlength: 20, pattern: "\\+?[0-9][0-9\\-]{4,18}[0-9]", placeholder: "如：13907950001" })),
    field("登录用户名", h("input", { name: "username", required: true, pattern: "\\S+", placeholder: "如：wangxm" })),
    field("初始密码（至少8位）", h("input", { name: "password", type: "password", minlength: 8, required: true })),
    field("角色", select("role", Object.entries(ROLE_LABEL), "operator")),
    field("单位", select("unit", unitOptions, ""))), h("button", { type: "submit" }, "新建用户"));
  submitting(userForm, async (data) => {
    const body = { username: data.get("username"), password: data.get("password"), role: data.get("role"), name: data.get("name") };
    if (data.get("unit")) body.unit = data.get("unit");
    if (data.get("phone")) body.phone = data.get("phone");
    await api("/users", { method: "POST", json: body });
    await show();
    return `已新建 ${body.name}（${body.username}）`;
  });
  const keyForm = h("form", {}, h("div.fields", {},
    field("名称（县区系统）", h("input", { name: "name", required: true })),
    field("可报送的单位", select("units", units.map((unit) => [unit.code, unit.name]), null, { multiple: true, size: 4 })),
    field("权限", select("access", Object.entries(ACCESS_LABEL), "write")),
    field("到期日（可不填）", h("input", { name: "expires", type: "date" }))),
    h("button", { type: "submit" }, "新建接口密钥"));
  submitting(keyForm, async (data) => {
    const json = { name: data.get("name"), units: data.getAll("units"), access: data.get("access") };
    // The key stops working at the end of the chosen day, office time (UTC+8).
    if (data.get("expires")) json.expires_at = `${data.get("expires")}T23:59:59+08:00`;
    const key = await api("/api-keys", { method: "POST", json });
    showKey(key);
    await show();
  });
  function showKey(key) {
    shown.replaceChildren(h("div.errors", {}, h("p", {}, `密钥“${key.name}”只显示这一次，请妥善保存：`), h("code", {}, key.key)));
  }
  function showPassword(answer) {
    shown.replaceChildren(h("div.errors", { "data-testid": "temporary-password" }, h("p", {}, `“${answer.username}”的临时密码只显示这一次，请当面或电话告知本人，其首次登录须修改密码：`), h("code", {}, answer.password)));
  }
  async function act(action) {
    try { await action(); await show(); return true; } catch (error) { toast(errorText(error)); return false; }
  }
  function userActions(row) {
    const role = select("role", Object.entries(ROLE_LABEL), row.role);
    const unit = select("unit", unitOptions, row.unit || "");
    const change = h("form.row", { "data-testid": `change-${row.username}` }, role, unit, h("button.secondary", { type: "submit" }, "保存角色单位"));
    change.addEventListener("submit", (event) => {
      event.preventDefault();
      act(() => api(`/users/${encodeURIComponent(row.username)}`, { method: "PATCH", json: { role: role.value, unit: unit.value || null } }))
        .then((done) => done && toast(`已修改 ${row.username}，其登录已失效`));
    });
    const disabled = row.status === "disabled";
    const rename = h("button.secondary", { type: "button", onclick: () => {
      const name = prompt(`“${row.username}”的姓名`, row.name || "");
      if (name === null) return;
      const phone = prompt(`“${name || row.username}”的手机或电话（可不填）`, row.phone || "");
      if (phone === null) return;
      act(() => api(`/users/${encodeURIComponent(row.username)}`, { method: "PATCH", json: { name: name.trim() || null, phone: phone.trim() || null } }));
    } }, "姓名电话");
    return h("span.row", {}, change, rename,
      h(disabled ? "button.secondary" : "button.danger", { type: "button", onclick: () => {
        if (!disabled && !confirm(`停用“${row.username}”？其登录立即失效。`)) return;
        act(() => api(`/users/${encodeURIComponent(row.username)}`, { method: "PATCH", json: { disabled: !disabled } }));
      } }, disabled ? "启用" : "停用"),
      h("button.secondary", { type: "button", onclick: () => {
        if (!confirm(`重置“${row.username}”的密码？其登录立即失效。`)) return;
        act(async () => showPassword(await api(`/users/${encodeURIComponent(row.username)}/password-reset`, { method: "POST" })));
      } }, "重置密码"));
  }
  async function show() {
    const [userList, keyList] = await Promise.all([api("/users"), api("/api-keys")]);
    const unitName = Object.fromEntries(units.map((unit) => [unit.code, unit.name]));
    users.replaceChildren(table([
      { label: "姓名", value: (row) => h("span", {}, row.name || "（未填姓名）", h("div.small.muted", {}, row.username)) },
      { label: "手机或电话", cls: "hide-narrow", value: (row) => row.phone || "—" },
      { label: "角色", value: (row) => ROLE_LABEL[row.role] || row.role },
      { label: "单位", value: (row) => row.unit ? unitName[row.unit] || row.unit : "—" },
      { label: "状态", value: (row) => badge(USER_STATUS[row.status][0], USER_STATUS[row.status][1]) },
      { label: "最近登录", value: (row) => row.last_sign_in_at ? `${dateTime(row.last_sign_in_at)} ${row.last_sign_in_from || ""}` : "从未登录" },
      { label: "", value: userActions },
    ], userList, { testid: "users" }));
    keys.replaceChildren(table([
      { label: "名称", value: (row) => row.name },
      { label: "单位", value: (row) => row.units.map((code) => unitName[code] || code).join("、") },
      { label: "权限", value: (row) => ACCESS_LABEL[row.access] || row.access },
      { label: "到期", value: (row) => row.expires_at ? dateTime(row.expires_at) : "长期" },
      { label: "最近使用", value: (row) => row.last_used_at ? `${dateTime(row.last_used_at)} ${row.last_used_from || ""}` : "未使用" },
      // A key expires by the real time, as the gateway keeps it, not the city's clock.
      { label: "状态", value: (row) => row.revoked_at ? badge("red", "已吊销") : row.expires_at && new Date(row.expires_at) < new Date() ? badge("yellow", "已过期") : badge("green", "有效") },
      { label: "", value: (row) => row.revoked_at ? "" : h("span.row", {},
        h("button.secondary", { type: "button", onclick: async () => { try { showKey(await api(`/api-keys/${row.id}/rotate`, { method: "POST" })); await show(); } catch (error) { toast(errorText(error)); } } }, "轮换"),
        h("button.danger", { type: "button", onclick: async () => { try { await api(`/api-keys/${row.id}`, { method: "DELETE" }); await show(); } catch (error) { toast(errorText(error)); } } }, "吊销")) },
    ], keyList, { empty: "暂无接口密钥" }));
  }
  body.append(panel("用户", users, userForm), panel("接口密钥（县区系统）", shown, keys, keyForm));
  await show();
}

async function auditTab(body) {
  const people = new Map((await api("/users")).map((user) => [user.username, user.name]));
  const who = (username) => !username ? "—" : people.get(username) ? `${people.get(username)}（${username}）` : username;
  const filter = h("form.row", {}, h("input", { name: "user", placeholder: "用户" }), h("input", { name: "path", placeholder: "接口路径前缀，如 /api/v1/tasks" }),
    h("label.small", {}, "自 ", h("input", { type: "date", name: "since", "aria-label": "起始日期" })),
    h("label.small", {}, "至 ", h("input", { type: "date", name: "until", "aria-label": "截止日期" })),
    h("button", { type: "submit" }, "查询"));
  // The office's days are Beijing days; 至 includes its whole day.
  const dayAfter = (day) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const list = cursorList((paging) => {
    const data = new FormData(filter);
    const since = data.get("since"), until = data.get("until");
    return api("/audit", { params: {
      user: data.get("user") || undefined, path: data.get("path") || undefined,
      since: since ? `${since}T00:00:00+08:00` : undefined, until: until ? `${dayAfter(until)}T00:00:00+08:00` : undefined, ...paging } });
  }, (items) => table([
      { label: "时间", value: (row) => dateTime(row.at) },
      { label: "用户", value: (row) => who(row.user) },
      { label: "操作", value: (row) => h("span", { title: `${row.method} ${row.path}` }, row.action) },
      { label: "结果", value: (row) => h(row.status < 400 ? "span.ok" : "span.error", { title: `HTTP ${row.status}` }, row.status < 400 ? "成功" : `未成功（${row.status}）`) },
      { label: "来源", cls: "hide-narrow", value: (row) => row.address || "" },
    ], items), { testid: "audit-total" });
  filter.addEventListener("submit", (event) => { event.preventDefault(); list.show().catch((error) => toast(errorText(error))); });
  body.append(panel("操作日志（每一次写操作）", filter, list.node));
  await list.show();
}
