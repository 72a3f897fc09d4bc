// 一屏统揽: the whole city on one screen. Refreshes itself; `?big=1` is the
// big-screen mode (no navigation, larger type), `refresh=N` its period in seconds.
import { api, unitNames } from "../api.js";
import { bigScreenPage } from "./bigscreen.js";
import {
  COLOURS, COLOUR_LABEL, COLOUR_SHORT, NOTICE_STATUS, badge, chineseDate, cityTime, h, panel, percent, rankChange, s, submitting, table, today,
} from "../ui.js";
import { batchOptions, batchesTable } from "./records.js";
import { renderOpenRecords } from "./accountability.js";

const NOTICES_SHOWN = 8;

export async function screenPage(container, { params, me }) {
  if (params.get("big") === "1") return bigScreenPage(container, { params, me });
  const seconds = Math.max(2, Number(params.get("refresh")) || 60);
  const stamp = h("span.muted.small", { "data-testid": "updated" });
  const sections = {
    counts: h("div.counts", { "data-testid": "counts" }),
    trend: h("div"), red: h("div"), units: h("div"), clocks: h("div"), notices: h("div"), race: h("div"),
    accountability: h("div"), forecast: h("div"),
  };
  const forecastCount = h("span.badge.red", { "data-testid": "count-forecast-red" }, "0");
  // A batch (批次) narrows the counts and the units' colours to its tasks.
  let batch = params.get("batch") || "";
  const batchSelect = h("select", { "data-testid": "screen-batch", onchange: () => { batch = batchSelect.value; refresh(); } },
    h("option", { value: "" }, "全部批次"));
  batchOptions().then((options) => {
    batchSelect.replaceChildren(...options.map(([key, text]) => h("option", { value: key, selected: key === batch }, text)));
  });
  sections.batches = h("div");
  const bigLink = h("a.small", { href: "#/screen?big=1" }, "大屏模式");
  container.append(
    h("div.screen-head", {}, h("h1", {}, "一屏统揽"), h("div.row", {}, batchSelect, stamp, bigLink)),
    h("div.grid.screen", {},
      h("div.span-12", {}, sections.counts),
      h("section.panel.span-12", { "data-testid": "forecast-red" },
        h("h2", {}, "预测将亮红灯 ", forecastCount,
          h("span.muted.small", {}, "　目前未亮红灯、按当前进度近期将亮红灯的任务，及早提醒，不代替亮灯")), sections.forecast),
      h("section.panel.span-7", {}, h("h2", {}, "红灯事项（亮灯最久）"), sections.red),
      h("section.panel.span-5", {}, h("h2", {}, "近12周红黄绿灯走势"), sections.trend),
      h("section.panel.span-12", {}, h("h2", {}, "单位红灯占比", h("span.muted.small", {}, "　按牵头事项中红灯的占比着色：无红灯为绿，不足三分之一为黄，三分之一及以上为红　"), h("a.small", { href: "#/help", "data-testid": "screen-help" }, "统计口径")), sections.units),
      h("section.panel.span-6", {}, h("h2", {}, "“13710”即将到期"), sections.clocks),
      h("section.panel.span-6", {}, h("h2", {}, "未办结督办单"), sections.notices),
      h("section.panel.span-12", {}, h("h2", {}, "分批次办理情况"), sections.batches),
      h("section.panel.span-12", {}, h("h2", {}, "赛马比拼（本期实时排名）"), sections.race),
      h("section.panel.span-12", {}, h("h2", {}, "“三问”问责整改"), sections.accountability)));

  let previousRanks = new Map();
  async function refresh() {
    const [board, trend, red, clocks, notices, race, batches] = await Promise.all([
      api("/dashboard", { params: { batch } }),
      api("/dashboard/trend", { params: { weeks: 12 } }).catch(() => null),
      api("/dashboard/red-items", { params: { limit: 10 } }).catch(() => ({ items: [] })),
      api("/dashboard/clocks", { params: { within_days: 3, limit: 1000 } }).catch(() => ({ items: [] })),
      api("/notices", { params: { limit: 100 } }).catch(() => ({ items: [] })),
      horseRace(),
      api("/batches").catch(() => ({ items: [] })),
    ]);
    sections.batches.replaceChildren(batchesTable(batches.items));
    api("/accountability", { params: { open: true, limit: 20 } })
      .then((page) => renderOpenRecords(sections.accountability, page.items)).catch(() => {});
    renderCounts(sections.counts, board);
    forecastCount.textContent = `${board.forecast_red || 0} 项`;
    api("/forecasts", { params: { soon_red: true, batch: batch || undefined, limit: 10 } })
      .then((page) => renderForecasts(sections.forecast, page)).catch(() => {});
    renderTrend(sections.trend, trend);
    renderRed(sections.red, red.items, me, () => refresh());
    renderUnits(sections.units, board.units || [], me);
    renderClocks(sections.clocks, clocks.items);
    const names = new Map((board.units || []).map((unit) => [unit.unit, unit.name]));
    renderNotices(sections.notices, notices.items.filter((notice) => notice.status !== "closed"), board.notices, names);
    previousRanks = renderRace(sections.race, race, previousRanks);
    stamp.textContent = `${batch ? `${batch} · ` : ""}截至 ${chineseDate(board.as_of)} · 更新于 ${cityTime()} · 每${seconds}秒自动刷新`;
  }

  await refresh();
  const timer = setInterval(() => refresh().catch(() => { stamp.textContent = "刷新失败，稍后重试"; }), seconds * 1000);
  return () => clearInterval(timer);
}

function renderCounts(element, board) {
  const counts = board.counts || {};
  const total = COLOURS.reduce((sum, colour) => sum + (counts[colour] || 0), 0);
  element.replaceChildren(...COLOURS.map((colour) => h(`div.count.${colour}`, { "data-testid": `count-${colour}` },
    h("div.label", {}, h("span", { class: `dot ${colour}` }), `${COLOUR_SHORT[colour]} · ${COLOUR_LABEL[colour]}`),
    h("div.value", { "data-testid": `count-${colour}-value` }, String(counts[colour] || 0)),
    h("div.share", {}, total ? `占 ${Math.round((100 * (counts[colour] || 0)) / total)}%` : "—"))),
    // The colours are of the work still to do; what was finished this year is said apart.
    h("div.small.muted.counts-note", { "data-testid": "counts-note" },
      `在办任务 ${total} 项；今年已办结 ${board.finished_this_year || 0} 项（已销号、已说明情况）`));
}

async function renderForecasts(element, page) {
  const unitName = await unitNames();
  element.replaceChildren(table([
    { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.title || row.task) },
    { label: "牵头单位", value: (row) => unitName(row.unit) },
    { label: "预计亮红灯", value: (row) => chineseDate(row.red_on) },
    { label: "预测", cls: "hide-narrow", value: (row) => h("span.small", {}, row.words) },
  ], page.items, { empty: "暂无预测将亮红灯的任务", testid: "forecast-table" }));
}

function renderTrend(element, trend) {
  if (!trend || !trend.weeks.length) { element.replaceChildren(h("p.empty", {}, "暂无历史")); return; }
  const weeks = trend.weeks;
  const width = 520, height = 220, left = 34, bottom = 30, top = 10;
  const max = Math.max(1, ...weeks.map((week) => week.green + week.yellow + week.red));
  const step = (width - left - 6) / weeks.length;
  const scale = (value) => ((height - bottom - top) * value) / max;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "近12周红黄绿灯数量走势" });
  for (const fraction of [0, 0.5, 1]) {
    const y = height - bottom - scale(max * fraction);
    svg.append(s("line", { x1: left, x2: width, y1: y, y2: y, stroke: "currentColor", "stroke-opacity": 0.12 }),
      s("text", { x: left - 4, y: y + 4, "text-anchor": "end" }, String(Math.round(max * fraction))));
  }
  const fills = { green: "#43a047", yellow: "#f2b233", red: "#e53935" };
  weeks.forEach((week, index) => {
    let y = height - bottom;
    const x = left + index * step + step * 0.18;
    for (const colour of COLOURS) {
      const size = scale(week[colour]);
      if (size > 0) {
        y -= size;
        svg.append(s("rect", { x, y, width: step * 0.64, height: size, fill: fills[colour] },
          s("title", {}, `${week.week_end}：${COLOUR_SHORT[colour]} ${week[colour]} 项`)));
      }
    }
    if (index % 2 === weeks.length % 2 || index === weeks.length - 1) {
      svg.append(s("text", { x: x + step * 0.32, y: height - bottom + 16, "text-anchor": "middle" }, week.week_end.slice(5)));
    }
  });
  element.replaceChildren(svg, h("div.legend", {}, COLOURS.map((colour) => h("span", {}, h("span", { class: `dot ${colour}` }), COLOUR_SHORT[colour]))));
}

// Leaders (and the office) act on a red item from the screen: 批示 records their
// instruction on the task (the lead unit answers at each 13710 stage), 督办 issues
// a supervision notice to the lead unit.
function renderRed(element, items, me, refresh) {
  const acts = me && (me.role === "leader" || me.role === "admin");
  // The screen refreshes itself: not while someone is writing an instruction here.
  if (element.querySelector(".act-form")) return;
  element.replaceChildren(table([
    { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.title || row.task) },
    { label: "牵头单位", value: (row) => row.unit_name || row.unit },
    { label: "逾期", num: true, value: (row) => row.overdue_days ? `${row.overdue_days}天` : "—" },
    { label: "亮红灯", num: true, cls: "hide-narrow", value: (row) => `${row.days_red}天` },
    { label: "进度", num: true, cls: "hide-narrow", value: (row) => percent(row.percent) },
    { label: "原因", cls: "hide-narrow", value: (row) => h("span.small", {}, row.reason) },
    ...(acts ? [{ label: "", value: (row) => actOn(row, me, refresh) }] : []),
  ], items, { empty: "没有红灯事项", testid: "red-items" }));
}

function actOn(row, me, refresh) {
  const box = h("div.act", { "data-act": row.task });
  const open = (kind) => {
    const words = h("textarea", { name: "text", required: true, maxlength: kind === "instruction" ? 5000 : 500, rows: 2,
      placeholder: kind === "instruction" ? "批示内容，如：请抓紧推进，本月底前报送整改情况。" : "督办事由，如：进度严重滞后，请三日内报送整改方案。" });
    const form = h("form.act-form", {}, words, h("div.row", {},
      h("button", { type: "submit" }, kind === "instruction" ? "提交批示" : "下发督办单"),
      h("button.secondary", { type: "button", onclick: () => form.remove() }, "取消")));
    submitting(form, async (data) => {
      const text = data.get("text").trim();
      if (kind === "instruction") {
        const body = { task: row.task, text, given_on: today(), ...(me.role === "leader" ? { leader_name: me.name || me.user } : {}) };
        await api("/instructions", { method: "POST", json: body });
        return "已批示，牵头单位将按“13710”时限反馈";
      }
      const notice = await api("/notices", { method: "POST", json: { task: row.task, reason: text } });
      refresh?.();
      return `已下发督办单 ${notice.number}`;
    });
    box.querySelector("form")?.remove();
    box.append(form);
    words.focus();
  };
  box.append(h("div.row", {},
    me.role === "leader" ? h("button.secondary", { type: "button", onclick: () => open("instruction") }, "批示") : "",
    h("button.secondary", { type: "button", onclick: () => open("notice") }, "督办")));
  return box;
}

// A tile is coloured by the unit's share of red among the tasks it leads (not by
// its worst task, which would paint nearly every unit red), and opens those red
// tasks. The same share colours the counties on the big screen.
export function redShare(unit) {
  const total = unit.green + unit.yellow + unit.red;
  return total ? unit.red / total : 0;
}

export function shareLight(share) {
  return share === 0 ? "green" : share < 1 / 3 ? "yellow" : "red";
}

// A tile opens the unit's red items for those who may read them: the office and
// leaders every unit's, a unit's staff only their own (the others' tiles are not links).
function renderUnits(element, units, me) {
  if (!units.length) { element.replaceChildren(h("p.empty", {}, "暂无单位数据")); return; }
  const sorted = [...units].sort((a, b) => redShare(b) - redShare(a) || b.red - a.red
    || (a.name || a.unit).localeCompare(b.name || b.unit, "zh-CN"));
  element.replaceChildren(h("div.units", { "data-testid": "units" }, sorted.map((unit) => {
    const share = redShare(unit);
    const light = shareLight(share);
    const opens = !me?.units || me.units.includes(unit.unit);
    return h(`${opens ? "a" : "div"}.unit.${light}`, {
      href: opens ? `#/tasks?lead_unit=${encodeURIComponent(unit.unit)}&colour=red` : undefined, "data-unit": unit.unit, "data-colour": light,
      title: `${unit.name || unit.unit}：牵头${unit.green + unit.yellow + unit.red}项，红灯${unit.red}项，占${Math.round(share * 100)}%`,
    },
    h("div.name", {}, unit.name || unit.unit),
    h("div.nums", {}, `红${unit.red} / ${unit.green + unit.yellow + unit.red}项 · 占${Math.round(share * 100)}%`));
  })));
}

function renderClocks(element, all) {
  // About to run out first; those already late are red on the screen already,
  // so only the latest few of them are listed, with their number.
  const items = all.filter((row) => row.days_left >= 0).slice(0, 8);
  const late = all.filter((row) => row.days_left < 0).sort((a, b) => b.days_left - a.days_left);
  element.replaceChildren(late.length ? h("p.small.muted", {}, `另有 ${late.length} 个环节已超时未完成（均已亮灯）`) : "", table([
    { label: "事项", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.title || row.task) },
    { label: "单位", value: (row) => row.unit_name || row.unit },
    { label: "环节", value: (row) => row.stage_name },
    { label: "时限", cls: "nowrap", value: (row) => chineseDate(row.due) },
    { label: "剩余", num: true, value: (row) => row.days_left < 0
      ? h("span.badge.red", {}, `超时${-row.days_left}天`)
      : h(`span.badge.${row.days_left <= 1 ? "yellow" : "green"}`, {}, row.days_left === 0 ? "今日到期" : `${row.days_left}天`) },
  ], items.length ? items : late.slice(0, 5), { empty: "近期没有即将到期的交办事项", testid: "clocks" }));
}

function renderNotices(element, items, counts, names) {
  const summary = counts
    ? h("p.small.muted", {}, `待签收 ${counts.open} · 待回复 ${counts.acknowledged} · 已回复 ${counts.answered} · 超期 ${counts.overdue}`)
    : null;
  element.replaceChildren(summary || "", table([
    { label: "编号", value: (row) => row.number },
    { label: "任务", value: (row) => h("a", { href: `#/task/${encodeURIComponent(row.task)}`, title: row.task }, row.title || row.task) },
    { label: "单位", value: (row) => names.get(row.unit) || row.unit },
    { label: "状态", value: (row) => badge(row.colour, NOTICE_STATUS[row.status] || row.status) },
    { label: "回复时限", value: (row) => chineseDate(row.answer_due) },
  ], items.slice(0, NOTICES_SHOWN), { empty: "没有未办结的督办单", testid: "notices" }));
}

export async function horseRace() {
  try {
    const groups = (await api("/rankings/groups")).items.slice(0, 2);
    return await Promise.all(groups.map((group) => api("/rankings", { params: { group: group.key } })));
  } catch {
    return [];
  }
}

function renderRace(element, rankings, previousRanks) {
  const ranks = new Map();
  if (!rankings.length) { element.replaceChildren(h("p.empty", {}, "暂无排名")); return ranks; }
  element.replaceChildren(h("div.grid.cols-2", {}, rankings.map((ranking) => {
    const top = Math.max(1, ...ranking.entries.map((entry) => entry.score || 0));
    return h("div", { "data-testid": `race-${ranking.group}` },
      h("h3", {}, `${ranking.group_label || ranking.group}`, h("span.muted.small", {}, `　${ranking.label || ranking.period} · 截至${chineseDate(ranking.as_of)}`)),
      h("div.race", {}, ranking.entries.map((entry) => {
        const bar = h("div.bar");
        const key = `${ranking.group}/${entry.unit}`;
        const before = previousRanks.get(key);
        ranks.set(key, { rank: entry.rank });
        ranks.get(key).score = entry.score || 0;
        const width = `${(100 * (entry.score || 0)) / top}%`;
        if (before) {
          // The race moves: from the last refresh's position to the new one.
          bar.style.width = `${(100 * before.score) / top}%`;
          requestAnimationFrame(() => requestAnimationFrame(() => { bar.style.width = width; }));
        } else {
          bar.style.width = width;
        }
        return raceLane(entry, bar);
      })));
  })));
  return ranks;
}

/** One unit's lane of the horse race: rank, name, its bar (sized by the caller),
 * score and the arrow of its rank change. The big screen draws the same lanes. */
export function raceLane(entry, bar) {
  return h("div.lane", { "data-unit": entry.unit },
    h("span.rank", {}, entry.rank === null || entry.rank === undefined ? "—" : String(entry.rank)),
    h("span.lane-name", { title: entry.name }, entry.name || entry.unit),
    h("div.track", {}, bar),
    h("span.score", {}, entry.score === null || entry.score === undefined ? "—" : entry.score.toFixed(1)),
    rankChange(entry.rank_change));
}
