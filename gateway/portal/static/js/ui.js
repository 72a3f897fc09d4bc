// Small helpers for building the pages: elements, Chinese labels, formats.

/** h("tag.class", {attrs}, ...children): an element; strings become text, never HTML. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const element = document.createElement(tag || "div");
  if (classes.length) element.className = classes.join(" ");
  if (attrs === null || typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className += (element.className ? " " : "") + value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

export const svgNS = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(svgNS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  for (const child of children) element.append(child instanceof Node ? child : String(child));
  return element;
}

export const COLOURS = ["green", "yellow", "red"];
export const COLOUR_LABEL = { green: "如期推进", yellow: "延期推进", red: "严重延期" };
export const COLOUR_SHORT = { green: "绿灯", yellow: "黄灯", red: "红灯" };
export const STATUS_LABEL = { active: "推进中", completed: "已完成", closed: "已销号", explained: "已说明情况", cancelled: "已撤销" };
export const SOURCE_LABEL = { plan: "计划任务", assignment: "领导交办", instruction: "领导批示" };
export const CLOCK_LABEL = { important: "重要事项", general: "一般事项", complex: "复杂事项" };
export const STAGE_LABEL = { deployed: "部署（1日内）", first_feedback: "首次反馈（3日内）", closed: "办结（7日/1个月内）" };
export const KIND_LABEL = { county: "县（市、区）", department: "市直部门", office: "督查办" };
export const ROLE_LABEL = { admin: "督查办（管理员）", leader: "领导", operator: "单位联络员", evaluator: "牵头单位评价人" };
export const NOTICE_STATUS = { open: "待签收", acknowledged: "已签收待回复", answered: "已回复", closed: "已办结" };
export const RANKING_STATUS = { live: "实时", draft: "草稿", approved: "已审定", published: "已发布" };

export function badge(colour, text) {
  return h(`span.badge.${colour || "none"}`, {}, text || COLOUR_LABEL[colour] || "未评价");
}

/** 2026-12-05 → 2026年12月5日: the date as a person reads it. */
export function chineseDate(value) {
  if (!value) return "—";
  const [y, m, d] = String(value).slice(0, 10).split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

/** A moment (ISO 8601; UTC when it says no offset) as the city's clock shows it. */
export function dateTime(value) {
  if (!value) return "—";
  const at = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : value + "Z");
  if (Number.isNaN(at.getTime())) return value;
  return at.toLocaleString("zh-CN", { timeZone: city.zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function percent(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 10) / 10}%`;
}

export function number(value, digits = 1) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
}

export function progressBar(value) {
  const bar = h("span");
  bar.style.width = `${Math.max(0, Math.min(100, value || 0))}%`;
  return h("div.progress", { title: percent(value) }, bar);
}

export function rankChange(change) {
  if (change === null || change === undefined) return h("span.same", { title: "上期无排名" }, "—");
  if (change > 0) return h("span.up", { title: `上升${change}位` }, `↑${change}`);
  if (change < 0) return h("span.down", { title: `下降${-change}位` }, `↓${-change}`);
  return h("span.same", { title: "名次不变" }, "→");
}

/** A table: columns [{label, value(row) -> node|string, num?}], rows; onclick(row) optional. */
export function table(columns, rows, { onclick, empty = "暂无数据", testid } = {}) {
  if (!rows.length) return h("p.empty", {}, empty);
  return h("div.table-wrap", {}, h("table", { "data-testid": testid },
    h("thead", {}, h("tr", {}, columns.map((column) => h(column.num ? "th.num" : "th", { class: column.cls }, column.label)))),
    h("tbody", {}, rows.map((row) => h(onclick ? "tr.clickable" : "tr", { onclick: onclick && (() => onclick(row)), dataset: row.code ? { code: row.code } : {} },
      // data-label: on a phone each row is drawn as a card of "label value" lines.
      columns.map((column) => h(column.num ? "td.num" : "td", { class: column.cls, "data-label": typeof column.label === "string" ? column.label : "" }, column.value(row))))))));
}

const CHINESE_QUARTERS = ["一", "二", "三", "四"];

/** A ranking period's name as people say it (as the ranking service labels it):
 * 2026-Q4 → 2026年第四季度, 2026-H1 → 2026年上半年, 2026-11 → 2026年11月, 2026 → 2026年度. */
export function periodLabel(key) {
  const match = /^(\d{4})(?:-(?:Q([1-4])|H([12])|(\d{2})))?$/.exec(key || "");
  if (!match) return key || "";
  const [, year, quarter, half, month] = match;
  if (quarter) return `${year}年第${CHINESE_QUARTERS[quarter - 1]}季度`;
  if (half) return `${year}年${half === "1" ? "上" : "下"}半年`;
  if (month) return `${year}年${Number(month)}月`;
  return `${year}年度`;
}

/** The line above a list that holds more than one page: its total, which rows
 * are shown, and the way to the others. go(offset) shows another page. */
export function pager(total, offset, size, go, { noun = "条", testid } = {}) {
  const pages = Math.max(1, Math.ceil(total / size));
  const shown = total ? `，第 ${offset + 1}–${Math.min(total, offset + size)} ${noun}` : "";
  return h("div.row.spread.pager", {},
    h("span.muted.small", { "data-testid": testid }, `共 ${total} ${noun}${pages > 1 ? shown : ""}`),
    pages > 1 ? h("div.row", {},
      h("button.secondary", { type: "button", disabled: offset === 0, onclick: () => go(Math.max(0, offset - size)) }, "上一页"),
      h("span.small", { "data-testid": testid && `${testid}-page` }, `${Math.floor(offset / size) + 1} / ${pages}`),
      h("button.secondary", { type: "button", disabled: offset + size >= total, onclick: () => go(offset + size) }, "下一页")) : "");
}

/** A list that pages through everything it holds. fetch({limit, offset}) answers
 * {items, total}; render(items) draws them. show() draws the first page again
 * (after a filter changed), reload() the page shown (after an action). */
export function pagedList(fetch, render, { size = 50, noun, testid } = {}) {
  const node = h("div");
  let offset = 0;
  async function draw() {
    const page = await fetch({ limit: size, offset });
    if (offset > 0 && offset >= page.total) {  // the last page emptied meanwhile
      offset = Math.max(0, Math.ceil(page.total / size) - 1) * size;
      return draw();
    }
    const go = (next) => { offset = next; draw().catch((error) => toast(errorText(error))); };
    node.replaceChildren(pager(page.total, offset, size, go, { noun, testid }), render(page.items));
  }
  return { node, show: () => { offset = 0; return draw(); }, reload: draw };
}

/** A list of a log that grows while it is read (the audit log): each page
 * follows the one before by the answer's next_before_id, so that rows added
 * meanwhile neither show twice nor push one out of sight. fetch({limit,
 * before_id}) answers {items, total, total_exact, next_before_id}; a total
 * the gateway stopped counting reads "10000 条以上". */
export function cursorList(fetch, render, { size = 50, noun = "条", testid } = {}) {
  const node = h("div");
  let cursors = [undefined];  // the before_id of each page read, the shown one last
  async function draw() {
    const page = await fetch({ limit: size, before_id: cursors[cursors.length - 1] });
    const index = cursors.length - 1;
    const more = page.next_before_id != null;
    // The total counts the rows added since the first page too: the last page is
    // known by having no next one.
    const pages = !more ? index + 1 : page.total_exact === false ? null : Math.max(index + 2, Math.ceil(page.total / size));
    const go = (change) => { change(); draw().catch((error) => toast(errorText(error))); };
    const first = index * size + 1;
    const shown = page.items.length ? `，第 ${first}–${first + page.items.length - 1} ${noun}` : "";
    const total = page.total_exact === false ? `${page.total} ${noun}以上` : `${page.total} ${noun}`;
    node.replaceChildren(h("div.row.spread.pager", {},
      h("span.muted.small", { "data-testid": testid }, `共 ${total}${index > 0 || more ? shown : ""}`),
      index > 0 || more ? h("div.row", {},
        h("button.secondary", { type: "button", disabled: index === 0, onclick: () => go(() => cursors.pop()) }, "上一页"),
        h("span.small", { "data-testid": testid && `${testid}-page` }, pages ? `${index + 1} / ${pages}` : `第 ${index + 1} 页`),
        h("button.secondary", { type: "button", disabled: !more, onclick: () => go(() => cursors.push(page.next_before_id)) }, "下一页")) : ""),
      render(page.items));
  }
  return { node, show: () => { cursors = [undefined]; return draw(); }, reload: draw };
}

export function panel(title, ...children) {
  return h("section.panel", {}, title ? h("h2", {}, title) : null, ...children);
}

let toastTimer;
export function toast(message) {
  const element = document.getElementById("toast");
  element.textContent = message;
  element.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => element.classList.remove("show"), 3500);
}

/** An error as people read it. */
export function errorText(error) {
  if (!error) return "";
  // The gateway's Chinese words (`message`) already say in full what went wrong;
  // a refused input is still introduced as one.
  if (error.said) return error.status === 422 && !error.said.startsWith("输入有误") ? `输入有误：${error.said}` : error.said;
  const status = error.status;
  if (status === 403) return `无权执行此操作（${error.message}）`;
  if (status === 404) return `未找到（${error.message}）`;
  if (status === 409) return `与现有状态冲突：${error.message}`;
  if (status === 413) return "文件或数据过大";
  if (status === 422) return `输入有误：${error.message}`;
  if (status === 429) return "操作过于频繁，请稍后再试";
  if (CHINESE.test(error.message || "")) return error.message;
  // A fault of the page itself, in the browser's English: people are told what
  // to do, the console keeps what it was.
  console.error(error);
  return "页面出错，请刷新页面后重试；如仍出错，请告知系统管理员。";
}

const CHINESE = /[\u3400-\u9fff]/;

/** Run `action` for a form's submit button, showing its error beside it. */
export function submitting(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const message = form.querySelector(".form-message") || form.appendChild(h("p.form-message"));
    message.className = "form-message";
    message.textContent = "";
    if (button) button.disabled = true;
    try {
      const text = await action(new FormData(form));
      if (text) { message.classList.add("ok"); message.textContent = text; }
    } catch (error) {
      message.classList.add("error");
      message.textContent = errorText(error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

export function field(label, input) {
  return h("div.field", {}, h("label", {}, label, input));
}

export function select(name, options, value, attrs = {}) {
  return h("select", { name, ...attrs }, options.map(([key, text]) => h("option", { value: key, selected: key === value }, text)));
}

/** A task found by words of its title and chosen by name; the form still sends
 * its code as `name`. find(words) answers the matching tasks ({code, title}). */
export function taskPicker(label, name, find, { none = "（不选）" } = {}) {
  const choice = select(name, [["", none]], "");
  const words = h("input", { type: "search", maxlength: 100, placeholder: "如：产业园", "aria-label": `${label}：查找` });
  let asked = 0, pause;
  const look = async () => {
    const mine = ++asked, text = words.value.trim();
    const found = text ? await find(text) : [];
    if (mine !== asked) return; // a later search answered first
    choice.replaceChildren(h("option", { value: "" }, text && !found.length ? "未找到，请换个字词" : none),
      ...found.map((task) => h("option", { value: task.code }, `${task.title}（${task.code}）`)));
    if (found.length) choice.value = found[0].code;
  };
  // Asked once the clerk pauses, not at every keystroke.
  words.addEventListener("input", () => { clearTimeout(pause); pause = setTimeout(() => look().catch((error) => toast(errorText(error))), 300); });
  return h("div.field.picker", {}, h("div.fields.nested", {},
    h("label", {}, "查找任务（名称中的字词）", words), h("label", {}, label, choice)));
}

// The city's clock. The reader's browser may keep another zone (a screen on the
// wall set to UTC, a leader abroad) and a rehearsal holds the platform at a day
// of its own, so days and times are the platform's, in the city's zone: the
// difference between its clock and this browser's, and its zone, come from
// GET /api/v1/today (api.js: cityClock). Until they do, Beijing time.
const partsIn = (zone) => new Intl.DateTimeFormat("en-US", {
  timeZone: zone, hourCycle: "h23", weekday: "short", year: "numeric", month: "numeric",
  day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
});
const city = { zone: "Asia/Shanghai", skew: 0, parts: partsIn("Asia/Shanghai") };

/** Take the platform's moment and zone: {now (ISO with offset), timezone}. A zone
 * this browser does not know leaves the one it has. */
export function setCityClock({ now, timezone }) {
  const at = Date.parse(now);
  if (!Number.isNaN(at)) city.skew = at - Date.now();
  if (timezone && timezone !== city.zone) {
    try { city.parts = partsIn(timezone); city.zone = timezone; } catch { /* RangeError */ }
  }
}

/** {year, month, day, weekday (0 = Sunday), hour, minute, second}: now on the
 * platform's clock, in the city. */
export function cityParts() {
  const now = new Date(Date.now() + city.skew);
  const parts = Object.fromEntries(city.parts.formatToParts(now).map((part) => [part.type, part.value]));
  const number = (name) => Number(parts[name]);
  return { year: number("year"), month: number("month"), day: number("day"),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday),
    hour: number("hour"), minute: number("minute"), second: number("second") };
}

const two = (n) => String(n).padStart(2, "0");

// Earlier years the year selector offers, before 全部.
const EARLIER_YEARS = 9;

/** The year selector's choices: this year by the platform's clock (not this
 * browser's), the years before it, and every year ("all"). */
export function yearOptions(chosen = "") {
  const year = cityParts().year;
  const options = [[String(year), `今年（${year}年）`],
    ...Array.from({ length: EARLIER_YEARS }, (_, index) => [String(year - index - 1), `${year - index - 1}年`])];
  // A link may name a year further back, or one to come.
  if (/^\d{4}$/.test(chosen) && !options.some(([key]) => key === chosen)) options.push([chosen, `${chosen}年`]);
  return [...options, ["all", "全部年份"]];
}

/** A year selector's choice as the API's `year`: "all" is none. */
export function yearParam(choice) {
  return choice === "all" ? "" : choice;
}

/** The city's day today, as 2026-12-05. */
export function today() {
  const { year, month, day } = cityParts();
  return `${year}-${two(month)}-${two(day)}`;
}

/** The time of day on the city's clock (or of `parts` read from it), as 09:05:07. */
export function cityTime({ hour, minute, second } = cityParts()) {
  return `${two(hour)}:${two(minute)}:${two(second)}`;
}
