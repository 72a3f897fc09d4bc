// 推送与运维: the office's side of the notify service (who hears what on which
// channel, the words of each message, the units' group robots, the escalation
// ladders) and the messages
// a service parked after failing every retry.
import { all, api, unitNames } from "../api.js";
import { badge, dateTime, errorText, field, h, pagedList, panel, select, submitting, table, toast } from "../ui.js";

const EVENT_LABEL = {
  colour_changed: "亮灯变化", notice_issued: "下发督办单", notice_overdue: "督办单超期", escalation: "逐级提醒",
  bulletin_published: "每周专报", ranking_published: "排名发布", task_message_posted: "任务留言",
  reminder_target: "目标到期提醒", reminder_report: "月度报送日提醒", reminder_notice_ack: "督办单签收提醒",
  reminder_notice_answer: "督办单整改方案提醒", reminder_stage: "13710节点提醒",
  forecast_turned_red: "预测将亮红灯",
  digest: "汇总提醒",
};
// Working days before the deadline a reminder goes out, as the service defaults them.
const REMINDER_DAYS = { reminder_target: 3, reminder_report: 2, reminder_notice_ack: 1, reminder_notice_answer: 1, reminder_stage: 1 };
const RECIPIENT_LABEL = { operator: "单位联络员", head: "单位负责人", office: "督查办", leaders: "领导", webhook: "外部系统" };
const CHANNEL_LABEL = { inbox: "站内信", sms: "短信", email: "电子邮件", webhook: "Webhook", dingtalk: "钉钉群", wecom: "企业微信群" };
const ROBOT_LABEL = { dingtalk: "钉钉群机器人", wecom: "企业微信群机器人" };
const ESCALATION_STATUS = { open: "提醒中", stopped: "已停止", top: "已到最高级" };
// Why a ladder stopped, by the code the notify service keeps (stopped_reason).
const STOPPED_LABEL = {
  turned_green: "已转绿", turned_yellow: "已转黄", acknowledged: "已签收", answered: "已答复",
  closed: "已办结", explained: "已说明办结", cancelled: "已撤销",
};
const SERVICES = { tasks: "任务", warnings: "预警", ranking: "排名", notify: "推送" };
const ROUTED = Object.keys(EVENT_LABEL).filter((key) => key !== "digest");
// What a rule's 颜色/阶段 may name, as the notify service matches it.
const COLOUR_CHOICES = [["", "任意"], ["red", "红灯"], ["yellow", "黄灯"], ["green", "绿灯"],
  ["overdue-ack", "签收超期"], ["overdue-answer", "整改方案超期"]];

export async function messagingTab(body) {
  body.append(await routingPanel(), await templatesPanel(), await robotsPanel(), await escalationsPanel(), await parkedPanel());
}

// Routing rules -------------------------------------------------------------------

function ruleRow(rule, units) {
  const channels = new Set(rule.channels || []);
  // A value stored before these choices existed stays shown, under its own words.
  const colours = COLOUR_CHOICES.some(([key]) => key === (rule.colour || "")) ? COLOUR_CHOICES : [...COLOUR_CHOICES, [rule.colour, rule.colour]];
  const unitChoices = [["", "任意单位"], ...units.map((unit) => [unit.code, unit.name])];
  if (rule.unit && !units.some((unit) => unit.code === rule.unit)) unitChoices.push([rule.unit, rule.unit]);
  return h("tr.rule", {},
    h("td", {}, select("event_type", ROUTED.map((key) => [key, EVENT_LABEL[key]]), rule.event_type)),
    h("td", {}, select("colour", colours, rule.colour || "", { "aria-label": "颜色或阶段" })),
    h("td", {}, select("unit", unitChoices, rule.unit || "", { "aria-label": "单位" })),
    h("td", {}, select("role", Object.entries(RECIPIENT_LABEL), rule.role || "operator")),
    h("td", {}, h("span.row", {}, Object.entries(CHANNEL_LABEL).map(([key, label]) =>
      h("label.small", {}, h("input", { type: "checkbox", name: "channels", value: key, checked: channels.has(key) }), label)))),
    h("td", {}, h("input", { name: "quiet_hours", value: rule.quiet_hours || "", placeholder: "无", size: 11, "aria-label": "短信免打扰" })),
    h("td", {}, h("input", { name: "days_before", type: "number", min: 0, max: 30, size: 3, value: rule.days_before ?? "", placeholder: "—", title: "仅对到期提醒：提前几个工作日提醒", "aria-label": "提前工作日数" })),
    h("td", {}, h("input", { type: "checkbox", name: "enabled", checked: rule.enabled !== false, "aria-label": "启用" })),
    h("td", {}, h("span.row", {},
      h("button.secondary", { type: "button", title: "上移", onclick: (event) => {
        const row = event.target.closest("tr");
        if (row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
      } }, "↑"),
      h("button.danger", { type: "button", onclick: (event) => event.target.closest("tr").remove() }, "删除"))));
}

function readRule(row) {
  const value = (name) => row.querySelector(`[name=${name}]`).value.trim();
  const rule = {
    event_type: value("event_type"), role: value("role"),
    channels: [...row.querySelectorAll("[name=channels]:checked")].map((box) => box.value),
    // An empty box means none: the rule is saved exactly as shown.
    quiet_hours: value("quiet_hours") || null,
    enabled: row.querySelector("[name=enabled]").checked,
  };
  if (value("colour")) rule.colour = value("colour");
  if (value("unit")) rule.unit = value("unit");
  // Only a reminder has a deadline to count back from; an empty box takes its default.
  if (rule.event_type in REMINDER_DAYS && value("days_before") !== "") rule.days_before = Number(value("days_before"));
  return rule;
}

async function routingPanel() {
  const [rules, units] = await Promise.all([api("/routing-rules").then((answer) => answer.items), all("/units")]);
  const row = (rule) => ruleRow(rule, units);
  const rows = h("tbody", {}, rules.map(row));
  const form = h("form", { "data-testid": "routing-rules" },
    h("div.table-wrap", {}, h("table", {},
      h("thead", {}, h("tr", {}, ["事件", "颜色/阶段", "单位", "推送对象", "渠道", "短信免打扰", "提前工作日", "启用", ""].map((label) => h("th", {}, label)))),
      rows)),
    h("div.row", {},
      h("button.secondary", { type: "button", onclick: () => rows.append(row({ event_type: "colour_changed", colour: "red", role: "operator", channels: ["inbox"], quiet_hours: "22:00-08:00" })) }, "添加规则"),
      h("button", { type: "submit" }, "保存全部规则")));
  submitting(form, async () => {
    const saved = await api("/routing-rules", { method: "PUT", json: { rules: [...rows.children].map(readRule) } });
    rows.replaceChildren(...saved.items.map(row));
    return `已保存 ${saved.items.length} 条规则`;
  });
  return panel("推送规则（自上而下，逐条匹配）",
    h("p.small.muted", {}, "“颜色/阶段”对亮灯变化选红、黄、绿灯，对督办单超期选签收或整改方案超期；“任意”即不限。免打扰时段对短信和钉钉、企业微信群生效，格式如 22:00-08:00。钉钉群、企业微信群发到单位工作群（见“工作群机器人”），督查办另可由运维配置全市统一的群。到期提醒（目标到期、月度报送日、督办单签收和整改方案、13710节点）在到期前“提前工作日”数内发出一次，事项已办结或已报送的不再提醒；留空按默认（目标 3 天、报送日 2 天、其余 1 天）。"),
    form);
}

// Templates -----------------------------------------------------------------------

async function templatesPanel() {
  const list = h("div"), editor = h("div");
  async function show() {
    const items = (await api("/templates")).items;
    list.replaceChildren(table([
      { label: "事件", value: (row) => EVENT_LABEL[row.event_type] || row.event_type },
      { label: "渠道", value: (row) => CHANNEL_LABEL[row.channel] || row.channel },
      // As a message reads, filled with sample values; the template itself is in the editor.
      { label: "示例效果", value: (row) => row.preview
        ? h("span.small", {}, row.preview.subject ? `${row.preview.subject}｜${row.preview.body}` : row.preview.body)
        : h("span.small.error", {}, "该模板无法生成消息，请编辑修正") },
      { label: "修改", value: (row) => row.updated_at ? `${dateTime(row.updated_at)} ${row.updated_by_name || ""}` : "默认" },
      { label: "", value: (row) => h("button.secondary", { type: "button", onclick: () => edit(row) }, "编辑") },
    ], items, { testid: "templates" }));
  }
  function edit(template) {
    const names = template.variable_names || {};
    const subject = template.channel === "sms" ? null : h("input", { name: "subject", value: template.subject || "" });
    const body = h("textarea", { name: "body", rows: 6, value: template.body });
    let focused = body;
    if (subject) subject.addEventListener("focus", () => { focused = subject; });
    body.addEventListener("focus", () => { focused = body; });
    const insert = (name) => {
      const text = `{{ ${name} }}`, at = focused.selectionStart ?? focused.value.length;
      focused.value = focused.value.slice(0, at) + text + focused.value.slice(focused.selectionEnd ?? at);
      focused.focus();
      focused.selectionStart = focused.selectionEnd = at + text.length;
      refresh();
    };
    const preview = h("div.preview", { "data-testid": "template-preview" });
    let timer = null, asked = 0;
    async function refresh() {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        try {
          const shown = await api(`/templates/${template.event_type}/${template.channel}/preview`, { method: "POST",
            json: { subject: subject ? subject.value : "", body: body.value } });
          if (mine !== asked) return;
          preview.replaceChildren(
            ...(shown.subject ? [h("p", {}, h("strong", {}, shown.subject))] : []),
            h("p", { style: "white-space: pre-wrap" }, shown.body));
          preview.classList.remove("error");
        } catch (error) {
          if (mine !== asked) return;
          preview.replaceChildren(h("p", {}, errorText(error)));
          preview.classList.add("error");
        }
      }, 300);
    }
    for (const input of [subject, body]) if (input) input.addEventListener("input", refresh);
    const form = h("form", { "data-testid": "template-editor" },
      h("p", {}, h("strong", {}, `${EVENT_LABEL[template.event_type] || template.event_type} · ${CHANNEL_LABEL[template.channel] || template.channel}`)),
      subject ? field("标题", subject) : null,
      field("正文", body),
      h("p.small.muted", {}, "点击插入变量（发送时换成实际内容）："),
      h("p.row", { "data-testid": "template-variables" }, template.variables.map((name) =>
        h("button.secondary.small", { type: "button", title: `{{ ${name} }}`, onclick: () => insert(name) }, names[name] || name))),
      h("p.small.muted", {}, "预览（以示例内容填入）："),
      preview,
      h("div.row", {}, h("button", { type: "submit" }, "保存模板"),
        h("button.secondary", { type: "button", onclick: () => editor.replaceChildren() }, "取消")));
    submitting(form, async (data) => {
      await api(`/templates/${template.event_type}/${template.channel}`, { method: "PUT",
        json: { subject: data.get("subject") ?? "", body: data.get("body") } });
      await show();
      return "已保存，下一条消息起使用";
    });
    editor.replaceChildren(panel(null, form));
    body.focus();
    refresh();
  }
  await show();
  return panel("消息模板", list, editor);
}

// Group robots --------------------------------------------------------------------

async function robotsPanel() {
  const units = await all("/units");
  const list = h("div");
  async function show() {
    const robots = await api("/robots");
    list.replaceChildren(table([
      { label: "单位", value: (row) => row.unit_name || row.unit },
      { label: "渠道", value: (row) => ROBOT_LABEL[row.channel] || row.channel },
      // The address as the service shows it: the token's last four characters only.
      { label: "地址", value: (row) => h("code.small", {}, row.url) },
      { label: "加签", value: (row) => row.signed ? "已加签" : "—" },
      { label: "修改", value: (row) => `${dateTime(row.updated_at)} ${row.updated_by_name || ""}` },
      { label: "", value: (row) => h("button.danger", { type: "button", onclick: async (event) => {
        event.target.disabled = true;
        try {
          await api(`/robots/${encodeURIComponent(row.unit)}/${row.channel}`, { method: "DELETE" });
          toast("已删除");
          await show();
        } catch (error) { toast(errorText(error)); event.target.disabled = false; }
      } }, "删除") },
    ], robots.items, { empty: "尚未设置单位工作群机器人", testid: "robots" }),
    robots.office.length ? h("p.small.muted", {}, `督查办统一群（运维配置）：${robots.office.map((row) =>
      `${ROBOT_LABEL[row.channel] || row.channel}${row.signed ? "（已加签）" : ""}`).join("、")}`) : null);
  }
  const form = h("form", { "data-testid": "robot-editor" },
    h("div.row", {},
      field("单位", select("unit", units.map((unit) => [unit.code, unit.name]), units[0] && units[0].code)),
      field("渠道", select("channel", Object.entries(ROBOT_LABEL), "dingtalk")),
      field("Webhook 地址", h("input", { name: "webhook_url", required: true, size: 48, autocomplete: "off" })),
      field("钉钉加签密钥（可选）", h("input", { name: "secret", type: "password", size: 24, autocomplete: "off" }))),
    h("button", { type: "submit" }, "保存机器人"));
  submitting(form, async (data) => {
    const json = { webhook_url: data.get("webhook_url").trim() };
    if (data.get("secret").trim()) json.secret = data.get("secret").trim();
    await api(`/robots/${encodeURIComponent(data.get("unit").trim())}/${data.get("channel")}`, { method: "PUT", json });
    // The secret is not kept in the page once saved.
    form.querySelector("[name=secret]").value = "";
    form.querySelector("[name=webhook_url]").value = "";
    await show();
    return "已保存，下一条消息起推送到该群";
  });
  await show();
  return panel("工作群机器人（钉钉、企业微信）",
    h("p.small.muted", {}, "在群设置中添加自定义机器人，复制其 Webhook 地址；钉钉机器人选“加签”时一并填写 SEC 开头的密钥。地址和密钥保存后不再显示。"),
    list, form);
}

// Escalations ---------------------------------------------------------------------

async function escalationsPanel() {
  const unitName = await unitNames();
  // The words of why it stopped, and who acknowledged it by name where the office recorded one.
  const stopped = (row) => {
    const words = STOPPED_LABEL[row.stopped_reason] || ESCALATION_STATUS.stopped;
    return row.stopped_by ? `${words}（${row.stopped_by_name}）` : words;
  };
  const status = select("status", [["", "全部"], ...Object.entries(ESCALATION_STATUS)], "open");
  status.addEventListener("change", () => list.show().catch((error) => toast(errorText(error))));
  const list = pagedList((paging) => api("/escalations", { params: { status: status.value || undefined, ...paging } }), (items) => table([
      { label: "事项", value: (row) => row.task ? h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.label || row.item) : (row.label || row.item) },
      { label: "单位", value: (row) => unitName(row.unit) },
      { label: "已提醒到", value: (row) => `第 ${row.level + 1} 级（${RECIPIENT_LABEL[row.role] || row.role}）` },
      { label: "状态", value: (row) => badge(row.status === "open" ? "yellow" : row.status === "top" ? "red" : "green", ESCALATION_STATUS[row.status] || row.status) },
      { label: "下次提醒", value: (row) => row.next_at ? dateTime(row.next_at) : row.stopped_reason ? stopped(row) : "—" },
    ], items, { empty: "没有逐级提醒", testid: "escalations" }), { testid: "escalation-total" });
  await list.show();
  return panel("逐级提醒", h("div.row", {}, h("label", {}, "状态", status)), list.node);
}

// Parked messages -----------------------------------------------------------------

// What a parked message's error (the service's exception, "KeyError: 'unit'")
// means for the office, by the exception's name; the first that matches.
const PARKED_CAUSES = [
  [/OperationalError|InterfaceError|DisconnectionError|database is locked/i, "数据库暂时无法访问或正忙，可在数据库恢复后重放"],
  [/IntegrityError/, "消息与已有数据冲突（违反数据库约束），请先核实相关数据"],
  [/Timeout|timed out/i, "调用其他服务超时，可在服务恢复后重放"],
  [/ConnectionError|AMQP|socket|Connection refused/i, "与消息总线或其他服务的连接中断，可在连接恢复后重放"],
  [/ValidationError|KeyError|ValueError|TypeError|JSONDecodeError/, "消息内容与服务要求的格式不符，请告知系统管理员"],
];

/** The error in Chinese, with the service's own text under 技术详情 for operators. */
function parkedError(error) {
  if (!error) return "—";
  const cause = PARKED_CAUSES.find(([pattern]) => pattern.test(error));
  return h("div.small", {}, cause ? cause[1] : "服务处理该消息时出错，请告知系统管理员",
    h("details", {}, h("summary", {}, "技术详情"), h("pre.small.tech-detail", {}, error)));
}

async function parkedPanel() {
  const list = h("div", { "data-testid": "parked" });
  async function show() {
    const found = await Promise.all(Object.keys(SERVICES).map(async (service) =>
      [service, (await api(`/admin/parked/${service}`)).items]));
    list.replaceChildren(...found.map(([service, items]) => h("div", {},
      h("h3", {}, `${SERVICES[service]}服务：${items.length} 条`),
      items.length ? h("div.stack", {}, table([
        { label: "事件", value: (row) => h("code.small", {}, row.event_id || "—") },
        { label: "队列", value: (row) => row.queue },
        { label: "尝试", num: true, value: (row) => String(row.attempts ?? "") },
        { label: "错误", value: (row) => parkedError(row.error) },
      ], items), h("button", { type: "button", onclick: async (event) => {
        event.target.disabled = true;
        try {
          const answer = await api(`/admin/parked/${service}/replay`, { method: "POST", json: {} });
          toast(`已重放 ${answer.replayed ?? items.length} 条`);
          await show();
        } catch (error) { toast(errorText(error)); event.target.disabled = false; }
      } }, "排除故障后全部重放")) : null)));
  }
  await show();
  return panel("积压消息（重试失败后暂存）",
    h("p.small.muted", {}, "消息在多次重试仍失败后暂存于此，不会丢失。排除原因后重放，服务按事件编号去重，不会重复处理。"), list);
}
