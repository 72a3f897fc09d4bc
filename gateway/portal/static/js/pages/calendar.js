// 工作日历: the office keeps each year's holidays and make-up working days, entered
// from the State Council's notice (pasted as published, or as a sheet of dates).
import { api, unitNames } from "../api.js";
import { dateTime, errorText, field, h, panel, submitting, table, today } from "../ui.js";

const SOURCE_LABEL = { package: "节假日数据包", office: "督查办录入", provisional: "未录入（暂按周一至周五计）" };
const WEEKDAYS = "日一二三四五六";

/** 2027-02-06 as people read it: 2027年2月6日（周六）. */
export function cnDate(value, withWeekday = true) {
  const [year, month, day] = String(value).slice(0, 10).split("-").map(Number);
  const text = `${year}年${month}月${day}日`;
  return withWeekday ? `${text}（周${WEEKDAYS[new Date(year, month - 1, day).getDay()]}）` : text;
}

let coverageCache = null;

/** The calendar's coverage, asked at most every ten minutes. */
export async function calendarCoverage() {
  if (coverageCache && Date.now() - coverageCache.at < 600_000) return coverageCache.value;
  const value = (await api("/calendar")).coverage;
  coverageCache = { at: Date.now(), value };
  return value;
}

/** The banner the office and the leaders see from 60 days before the entered years end. */
export async function calendarBanner(role) {
  if (role !== "admin" && role !== "leader") return null;
  let coverage;
  try { coverage = await calendarCoverage(); } catch { return null; }
  if (!coverage || !coverage.warn) return null;
  const next = Number(coverage.provisional_from.slice(0, 4));
  const when = coverage.days_left >= 0
    ? `${cnDate(coverage.covers_until, false)}后（还有${coverage.days_left}天）`
    : `${cnDate(coverage.provisional_from, false)}起`;
  return h("div.banner", { role: "status", "data-testid": "calendar-banner" },
    `${next}年放假安排尚未录入：${when}工作日暂按周一至周五计算，相关预警和期限标注“暂按”。`,
    role === "admin" ? h("a", { href: "#/office/calendar" }, "请根据国务院办公厅通知录入") : "请督查办及时录入。");
}

export async function calendarTab(body, { params } = {}) {
  const listing = await api("/calendar");
  const years = listing.years.map((item) => item.year);
  const coverage = listing.coverage;
  const firstProvisional = listing.years.find((item) => item.source === "provisional");
  const thisYear = Number(today().slice(0, 4));
  const year = Number(params && params.get("year")) ||
    (coverage.warn && firstProvisional ? firstProvisional.year : thisYear);
  const picker = h("nav.tabs", {}, years.filter((item) => item >= thisYear - 2).map((item) =>
    h("a", { href: `#/office/calendar?year=${item}`, class: item === year ? "active" : null }, `${item}年`)));
  const current = await api(`/calendar/${year}`);
  body.append(picker, yearPanel(current), entryPanel(year, current), await historyPanel(year));
  if (listing.unjudged) body.append(await unjudgedPanel());
}

function yearPanel(current) {
  const facts = [
    ["来源", SOURCE_LABEL[current.source] || current.source],
    ["版本", current.version ? `第${current.version}版` : "—"],
    ["录入", current.changed_by ? `${current.changed_by_name}，${dateTime(current.changed_at)}` : "—"],
    ["说明", current.note || "—"],
  ];
  const byFestival = new Map();
  for (const item of current.holidays) {
    if (!byFestival.has(item.name)) byFestival.set(item.name, []);
    byFestival.get(item.name).push(item.date);
  }
  return panel(`${current.year}年工作日历`,
    current.provisional_note ? h("p.warn", { "data-testid": "calendar-provisional" }, `本年度放假安排尚未录入，工作日暂按周一至周五计算。`) : null,
    h("dl.facts", {}, facts.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])),
    table([
      { label: "节日", value: (row) => row.name },
      { label: "放假日期", value: (row) => span(row.days) },
      { label: "天数", num: true, value: (row) => String(row.days.length) },
    ], [...byFestival].map(([name, days]) => ({ name, days })), { empty: "无放假安排", testid: "calendar-holidays" }),
    h("p", {}, h("strong", {}, "调休上班："), current.workdays.length ? current.workdays.map((day) => cnDate(day)).join("、") : "无"));
}

function span(days) {
  if (days.length === 1) return cnDate(days[0]);
  const last = days[days.length - 1];
  // 2027年2月6日（周六）至14日（周日）, as the notice itself writes a range.
  const sameYear = last.slice(0, 4) === days[0].slice(0, 4);
  return `${cnDate(days[0])}至${sameYear ? cnDate(last).replace(/^\d+年/, "") : cnDate(last)}`;
}

function entryPanel(year, current) {
  const preview = h("div", { "data-testid": "calendar-preview" });
  const text = h("textarea", { name: "text", rows: 10, required: true,
    placeholder: "请粘贴《国务院办公厅关于" + year + "年部分节假日安排的通知》全文，例如：\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：……放假调休，共9天。2月20日（周六）上班。" });
  const pasteForm = submitting(h("form", {}, field("通知全文", text), h("button", { type: "submit" }, "识别")), async (data) => {
    show(await api(`/calendar/${year}/parse`, { method: "POST", json: { text: data.get("text") } }));
    return "已识别，请核对下表后确认保存。尚未保存。";
  });
  const file = h("input", { type: "file", name: "file", accept: ".xlsx", required: true });
  const sheetForm = submitting(h("form", {}, h("p.small.muted", {}, "或上传日期表（.xlsx，三列：日期、类型（放假或上班）、名称）："),
    h("div.row", {}, file, h("button.secondary", { type: "submit" }, "读取表格"))), async () => {
    const form = new FormData();
    form.append("file", file.files[0]);
    try {
      show(await api(`/calendar/${year}/spreadsheet`, { method: "POST", form }));
    } catch (error) {
      const errors = error.detail && error.detail.errors;
      if (!errors) throw error;
      preview.replaceChildren(h("p.error", {}, `表格中有 ${errors.length} 处错误，未读取任何日期：`),
        table([{ label: "行", num: true, value: (row) => String(row.row) }, { label: "列", value: (row) => row.field || "—" },
          { label: "问题", value: (row) => row.message || row.reason }], errors));
      return "";
    }
    return "已读取，请核对下表后确认保存。尚未保存。";
  });

  function show(answer) {
    const changes = answer.changes;
    const rows = answer.lines && answer.lines.length && answer.lines[0].name !== undefined && answer.lines[0].holidays
      ? answer.lines.map((line) => ({ line: line.line, name: line.name, off: line.holidays, worked: line.workdays }))
      : null;
    const note = h("input", { name: "note", required: true, value: current.source === "office" ? "更正" : `据国务院办公厅${year}年部分节假日安排的通知录入` });
    const save = submitting(h("form", {}, field("录入说明", note), h("button", { type: "submit", "data-testid": "calendar-save" }, "确认保存")), async (data) => {
      const saved = await api(`/calendar/${year}`, { method: "PUT", json: { holidays: answer.holidays, workdays: answer.workdays, note: data.get("note") } });
      const effect = saved.effect || {};
      coverageCache = null;  // the banner reads the new coverage
      setTimeout(() => { location.hash = `#/office/calendar?year=${year}&saved=${saved.version}`; }, 1500);
      return `已保存为第${saved.version}版。已按新日历重新评价：${effect.colours_changed || 0}项预警颜色变化，${effect.deadlines_moved || 0}份督办单期限调整。`;
    });
    preview.replaceChildren(...[
      h("h3", {}, "识别结果（尚未保存）"),
      rows ? table([
        { label: "行", num: true, value: (row) => String(row.line) },
        { label: "节日", value: (row) => row.name },
        { label: "放假", value: (row) => row.off.length ? `${span(row.off)}，共${row.off.length}天` : "—" },
        { label: "调休上班", value: (row) => row.worked.length ? row.worked.map((day) => cnDate(day)).join("、") : "—" },
      ], rows, { testid: "calendar-lines" }) : h("p", {}, `放假${answer.holidays.length}天，调休上班${answer.workdays.length}天。`),
      h("p", { "data-testid": "calendar-changes" }, `与现行日历相比：${changes.to_holiday.length}天改为放假，${changes.to_workday.length}天改为上班。`),
      answer.other_years && answer.other_years.length
        ? h("p.warn", {}, `通知中还有${answer.other_years.length}个日期属于其他年份（${answer.other_years.map((item) => cnDate(item.date, false)).join("、")}），未包含在本年度中，请在对应年份核对。`) : null,
      save].filter(Boolean));
  }
  return panel(`录入${year}年放假安排`, pasteForm, sheetForm, preview);
}

async function historyPanel(year) {
  const history = await api(`/calendar/${year}/history`);
  return panel("录入记录", table([
    { label: "版本", num: true, value: (row) => `第${row.version}版` },
    { label: "录入人", value: (row) => row.changed_by_name },
    { label: "时间", value: (row) => dateTime(row.changed_at) },
    { label: "说明", value: (row) => row.note },
    { label: "影响", value: (row) => row.effect ? `${row.effect.colours_changed}项颜色变化，${row.effect.deadlines_moved}份督办单期限调整` : "—" },
  ], history.items, { empty: "督查办尚未录入或更正本年度日历" }));
}

async function unjudgedPanel() {
  const [items, unitName] = [(await api("/warnings/unjudged")).items, await unitNames()];
  return panel("日期有误、无法评价的任务", h("p.small.muted", {}, "以下任务的日期超出可计算范围（多为年份录入错误），每日评价时已跳过，请更正。"),
    table([
      { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.task) },
      { label: "牵头单位", value: (row) => unitName(row.unit) },
      { label: "问题", value: (row) => row.problem },
    ], items, { testid: "calendar-unjudged" }));
}
