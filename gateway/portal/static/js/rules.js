// The office's rules (预警规则, 评分规则, …) as Chinese forms: each field by its
// name, its unit and what it does; choices as choices; the score's weights and
// the 13710 closing days as labelled numbers. A field the portal does not know
// yet is still shown, under its code, in 其他, so nothing the service keeps is
// hidden from the office.
import { api } from "./api.js";
import { field, h, panel, submitting } from "./ui.js";

const CLOCK_CLASSES = { important: "重要事项", general: "一般问题", complex: "复杂问题" };
const INDICATORS = {
  on_time: "目标按期完成率", warnings: "预警扣分", clocks: "13710办结率", commitments: "承诺兑现率",
  notices: "督办单按时签收答复率", reports: "月度报送及时率", evaluations: "牵头单位评价",
};

// {key: [label, unit, help, choices?]}
export const RULE_FIELDS = {
  calendar_mode: ["计日方式", "", "期限按工作日（国家法定节假日安排）或自然日计算", { working: "工作日", calendar: "自然日" }],
  late_days_red: ["逾期转红天数", "天", "目标过期未达计划，超过此天数亮红灯"],
  behind_points_yellow: ["滞后转黄幅度", "个百分点", "进度落后计划超过此幅度亮黄灯"],
  behind_points_red: ["滞后转红幅度", "个百分点", "进度落后计划超过此幅度亮红灯"],
  report_working_day: ["月度报送日", "个工作日", "每月第几个工作日前报送上月进展，逾期亮黄灯"],
  missing_reports_red: ["连续未报转红月数", "个月", "连续此数月未报送进展亮红灯"],
  stalled_days_red: ["停滞转红天数", "自然日", "在办任务此数日无任何进展亮红灯"],
  clock_deployed_days: ["13710 部署时限", "天", "自交办日起，此数日内部署（“1”）"],
  clock_first_feedback_days: ["13710 首次反馈时限", "天", "自交办日起，此数日内首次反馈（“3”）"],
  clock_closed_days: ["13710 一般问题办结时限", "天", "自交办日起，一般问题此数日内办结（“7”）"],
  clock_complex_closed_days: ["13710 复杂问题办结时限", "自然日", "复杂问题此数日内办结（“10”指一个月），遇休息日顺延"],
  clock_red_multiple: ["13710 转红倍数", "倍", "阶段超期亮黄灯，超过时限的此倍数亮红灯"],
  notice_after_red_days: ["自动督办天数", "天", "任务亮红灯满此数日自动下发督办单"],
  notice_ack_days: ["督办单签收时限", "天", "下发后此数日内签收，逾期亮黄灯"],
  notice_answer_days: ["督办单答复时限", "天", "下发后此数日内报送整改方案，逾期亮红灯"],
  first_report_grace: ["新任务待首报", "", "新任务在首次报送或首个报送日前不评价，不亮黄红灯"],
  accountability_red_days: ["问责红灯天数", "天", "事项亮红灯满此数日可作为“三问”问责依据；0 表示亮红灯即可"],
  forecast_red_days: ["预测红灯提前天数", "天", "按当前进度预计此数日内将亮红灯的任务列入“预测将亮红灯”并提醒单位"],
  forecast_min_reports: ["预测所需报送次数", "次", "报送少于此次数的任务不作预测"],
  period_kind: ["排名周期", "", "实时排名和自动草稿采用的考核周期", { month: "月度", quarter: "季度", half: "半年", year: "年度" }],
  weights: ["指标权重", "", "各项指标在得分中的权重；单位无某项考核事项时该项不计"],
  yellow_weight: ["黄灯权重", "", "每个黄灯事项按此权重计入预警扣分"],
  red_weight: ["红灯权重", "", "每个红灯事项按此权重计入预警扣分"],
  warning_deduction: ["预警扣分", "分", "一个权重为1的红灯事项持续整个周期扣此分数"],
  report_grace_days: ["报送宽限", "天", "目标到期后此数日内报送仍算按时"],
  clock_closing_days: ["13710 办结考核天数", "自然日", "各类事项自交办至办结的考核天数"],
  red_list_size: ["红榜名额", "个", "每组得分最高的此数个单位上红榜"],
  black_list_size: ["黑榜名额", "个", "每组得分最低的此数个单位上黑榜"],
  black_list_red_items: ["直接上黑榜的红灯数", "项", "本期红灯事项达到此数，不论名次直接上黑榜"],
  black_list_unanswered_notice: ["督办单逾期未答复上黑榜", "", "有督办单逾期未答复的单位直接上黑榜"],
  groups: ["排名分组", "", "每组单独排名；单位按编码或单位类型归入第一个匹配的组"],
  return_deduction: ["复核退回扣分", "分/次", "单位申请的销号、13710节点、承诺兑现经复核被退回，每次扣此分数"],
  extension_approved_deduction: ["批准延期扣分", "分/次", "本期每批准单位延期一次扣此分数"],
  extension_refused_deduction: ["未批准延期扣分", "分/次", "本期单位延期申请每被驳回一次扣此分数"],
  at_full: ["报送100%须附佐证", "", "进度报至100%的报送须附佐证资料，否则不予受理"],
  at_target_met: ["目标完成须附佐证", "", "声明完成某个目标的报送须附佐证资料，否则不予受理"],
};

const NESTED = { weights: INDICATORS, clock_closing_days: CLOCK_CLASSES };

function label(key) {
  return (RULE_FIELDS[key] || [key])[0];
}

function input(key, value) {
  const [, unit = "", , choices] = RULE_FIELDS[key] || [];
  let control;
  if (choices) {
    control = h("select", { name: key }, Object.entries(choices).map(([code, words]) =>
      h("option", { value: code, selected: code === value }, words)));
  } else if (typeof value === "boolean") {
    control = h("select", { name: key }, h("option", { value: "true", selected: value }, "是"),
      h("option", { value: "false", selected: !value }, "否"));
  } else if (typeof value === "number") {
    control = h("input", { name: key, type: "number", step: "any", value: String(value) });
  } else if (value !== null && typeof value === "object" && !Array.isArray(value) && NESTED[key]) {
    return h("div.fields.nested", {}, Object.entries(value).map(([inner, number]) =>
      field(NESTED[key][inner] || inner, h("input", { name: `${key}.${inner}`, type: "number", step: "any", value: String(number) }))));
  } else if (value !== null && typeof value === "object") {
    // Lists of records (the ranking's groups): kept as text behind 高级, shown as words above.
    return h("details", {}, h("summary", {}, describe(key, value)),
      h("textarea", { name: key, rows: 6, value: JSON.stringify(value, null, 1) }));
  } else {
    control = h("input", { name: key, value: value ?? "" });
  }
  return unit ? h("div.row.nowrap", {}, control, h("span.muted", {}, unit)) : control;
}

function describe(key, value) {
  if (key === "groups" && Array.isArray(value)) {
    const kinds = { county: "县（市、区）", department: "市直部门", office: "督查办" };
    return value.map((group) => `${group.label}：${(group.kinds || []).map((kind) => kinds[kind] || kind).join("、")}` +
      (group.units?.length ? `，另含${group.units.length}个指定单位` : "")).join("；") + "（点击展开高级编辑）";
  }
  return "点击展开高级编辑";
}

function read(form, key, value) {
  const [, , , choices] = RULE_FIELDS[key] || [];
  if (choices) return form.elements[key].value;
  if (typeof value === "boolean") return form.elements[key].value === "true";
  if (typeof value === "number") return Number(form.elements[key].value);
  if (value !== null && typeof value === "object" && !Array.isArray(value) && NESTED[key]) {
    return Object.fromEntries(Object.keys(value).map((inner) => [inner, Number(form.elements[`${key}.${inner}`].value)]));
  }
  if (value !== null && typeof value === "object") {
    try { return JSON.parse(form.elements[key].value); } catch { throw new Error(`“${label(key)}”的格式有误，请检查后再保存。`); }
  }
  return form.elements[key].value;
}

/** A versioned rules editor: title, the API path, the rules as the API answers them
 * ({version, note, rules}). Saves only the fields changed, as a new version. */
export function rulesEditor(title, path, rules) {
  const entries = Object.entries(rules.rules || {}).filter(([key]) => key !== "version");
  const known = entries.filter(([key]) => RULE_FIELDS[key]);
  const other = entries.filter(([key]) => !RULE_FIELDS[key]);
  const row = ([key, value]) => h("div.rule", { "data-rule": key },
    field(label(key), input(key, value)),
    RULE_FIELDS[key] ? h("p.small.muted", {}, RULE_FIELDS[key][2]) : "");
  const form = h("form.rules", {}, h("div.rule-list", {}, known.map(row)),
    other.length ? h("div.rule-list", {}, h("h3", {}, "其他"), other.map(row)) : "",
    field("修改说明", h("input", { name: "__note", maxlength: 500, placeholder: "如：根据市委督查室2027年工作要点调整" })),
    h("button", { type: "submit" }, "保存为新版本"));
  submitting(form, async () => {
    const changed = {};
    for (const [key, value] of entries) {
      const next = read(form, key, value);
      if (JSON.stringify(next) !== JSON.stringify(value)) changed[key] = next;
    }
    if (!Object.keys(changed).length) return "没有修改";
    const note = form.elements.__note.value.trim();
    const saved = await api(path, { method: "PUT", json: { rules: changed, ...(note ? { note } : {}) } });
    return `已保存为第 ${saved.version} 版（修改了${Object.keys(changed).map(label).join("、")}）`;
  });
  return panel(`${title}（第 ${rules.version} 版${rules.note ? `：${rules.note}` : ""}）`, form);
}
