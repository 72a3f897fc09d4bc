// 一屏统揽, big-screen mode (`#/screen?big=1`): the whole city on one 16:9 wall,
// without scrolling, at 1920×1080 and at 3840×2160 alike (sizes follow the
// viewport). Title bar with the clock; the colour counts and two key rates as
// rings; the counties coloured by their share of red; the 12-week trend; the horse
// race; a ticker of red items and open notices. Refreshes itself.
import { all, api, cityClock } from "../api.js";
import { LIGHT, echarts } from "../charts.js";
import { COLOURS, COLOUR_SHORT, NOTICE_STATUS, chineseDate, cityParts, cityTime, h } from "../ui.js";
import { horseRace, raceLane, redShare } from "./screen.js";

const WEEKDAY = "日一二三四五六";
const INK = "#e6edf5";
const MUTED = "#9fb3c8";
const LANES = 10;

export async function bigScreenPage(container, { params }) {
  const seconds = Math.max(2, Number(params.get("refresh")) || 30);
  const clock = h("div.wall-clock", { "data-testid": "wall-clock" });
  const title = h("h1", {}, "重点任务落实一屏统揽");
  const office = h("div.wall-office");
  const stamp = h("div.wall-stamp", { "data-testid": "updated" });
  const slot = (testid) => h("div.chart", { "data-testid": testid });
  const charts = {
    colours: slot("ring-colours"), onTime: slot("ring-on-time"), closure: slot("ring-closure"),
    trend: slot("trend-chart"),
  };
  const counts = h("div.wall-counts", { "data-testid": "counts" });
  const red = h("ol.wall-red", { "data-testid": "red-items" });
  const map = h("div.county-map", { "data-testid": "county-map" });
  const races = h("div.wall-races");
  const ticker = h("div.ticker", { "data-testid": "ticker" });
  const panel = (heading, ...body) => h("section.wall-panel", {}, h("h2", {}, heading), ...body);

  container.append(h("div.wall", { "data-testid": "wall" },
    h("header.wall-head", {}, h("div", {}, title, office), h("div.wall-right", {}, clock, stamp,
      h("a.small", { href: "#/screen" }, "退出大屏"))),
    h("div.wall-body", {},
      h("div.wall-col.left", {},
        panel("红黄绿灯总览", h("div.wall-split", {}, charts.colours, counts)),
        panel("关键指标", h("div.wall-rings", {}, charts.onTime, charts.closure)),
        panel("亮红灯最久", red)),
      h("div.wall-col.middle", {},
        panel("各县（市、区）红灯占比", map),
        panel("近12周红黄绿灯走势", charts.trend)),
      h("div.wall-col.right", {}, panel("赛马比拼", races))),
    h("footer.wall-foot", {}, h("span.ticker-label", {}, "最新动态"), ticker)));

  let lib = null;
  try {
    lib = await echarts();
  } catch (error) {
    charts.trend.replaceChildren(h("p.empty", {}, error.message));
  }
  const drawn = lib ? Object.fromEntries(Object.entries(charts).map(
    ([name, element]) => [name, lib.init(element, null, { renderer: "canvas" })])) : {};
  let last = null;
  function draw() {
    if (!lib || !last) return;
    const { board, rates, trend } = last;
    drawn.colours.setOption(colourRing(board.counts || {}), true);
    drawn.onTime.setOption(rateRing("按期完成率", rates && rates.on_time.on_time_rate,
      rates ? `${rates.on_time.label}到期目标${rates.on_time.targets_due}个` : ""), true);
    drawn.closure.setOption(rateRing("督办办结率", rates && rates.notices.closure_rate,
      rates ? `今年督办单${rates.notices.issued_this_year}件` : ""), true);
    drawn.trend.setOption(trendChart(trend), true);
  }
  // Type in the charts follows the viewport like the page's own.
  const resize = () => { Object.values(drawn).forEach((chart) => chart.resize()); draw(); };
  window.addEventListener("resize", resize);

  const tick = () => { clock.textContent = chineseMoment(); };
  tick();
  const clockTimer = setInterval(tick, 1000);

  let units = null;
  async function refresh() {
    cityClock();  // a wall screen runs for days: its clock follows the platform's
    units ??= await all("/units");
    const [board, rates, about, trend, reds, notices, race] = await Promise.all([
      api("/dashboard"),
      api("/dashboard/rates").catch(() => null),
      api("/dashboard/title").catch(() => ({})),
      api("/dashboard/trend", { params: { weeks: 12 } }).catch(() => null),
      api("/dashboard/red-items", { params: { limit: 10 } }).catch(() => ({ items: [] })),
      api("/notices", { params: { limit: 100 } }).catch(() => ({ items: [] })),
      horseRace(),
    ]);
    title.textContent = `${about.city || ""}重点任务落实一屏统揽`;
    office.textContent = about.office || "";
    const names = new Map(units.map((unit) => [unit.code, unit.name]));
    renderCounts(counts, board.counts || {}, board.finished_this_year);
    renderRed(red, reds.items);
    renderMap(map, board.units || [], units);
    renderRaces(races, race);
    renderTicker(ticker, reds.items, notices.items.filter((notice) => notice.status !== "closed"), names);
    last = { board, rates, trend };
    draw();
    stamp.textContent = `数据截至 ${chineseDate(board.as_of)} · 每${seconds}秒刷新`;
  }

  await refresh();
  const timer = setInterval(() => refresh().catch(() => { stamp.textContent = "刷新失败，稍后重试"; }), seconds * 1000);
  return () => {
    clearInterval(timer);
    clearInterval(clockTimer);
    window.removeEventListener("resize", resize);
    Object.values(drawn).forEach((chart) => chart.dispose());
  };
}

/** Now on the city's clock, as the wall reads it: 2026年12月5日 星期六 09:05:07. */
function chineseMoment() {
  const now = cityParts();  // one reading for the day and the time
  return `${now.year}年${now.month}月${now.day}日 星期${WEEKDAY[now.weekday]} ${cityTime(now)}`;
}

function renderCounts(element, counts, finished) {
  element.replaceChildren(...COLOURS.map((colour) => h(`div.wall-count.${colour}`, {},
    h("span", { class: `dot ${colour}` }), h("span.label", {}, COLOUR_SHORT[colour]),
    h("strong", { "data-testid": `count-${colour}-value` }, String(counts[colour] || 0)))),
    h("div.wall-count.done", {}, h("span.label", {}, "今年已办结"),
      h("strong", { "data-testid": "count-finished-value" }, String(finished || 0))));
}

function renderRed(element, items) {
  element.replaceChildren(...(items.length ? items.slice(0, 6).map((row) =>
    h("li", {}, h("a", { href: `#/task/${encodeURIComponent(row.task)}` }, row.title || row.task),
      h("span.muted", {}, `${row.unit_name || row.unit} · 红${row.days_red}天`))) : [h("li.muted", {}, "没有红灯事项")]));
}

// A schematic map: one tile per county, its colour the share of its tasks red
// (green at none, full red from a third up), opening that county's red items.
function renderMap(element, rows, units) {
  const byUnit = new Map(rows.map((row) => [row.unit, row]));
  const counties = units.filter((unit) => unit.kind === "county");
  if (!counties.length) { element.replaceChildren(h("p.empty", {}, "暂无县（市、区）")); return; }
  element.style.setProperty("--columns", String(Math.ceil(Math.sqrt(counties.length * 1.6))));
  element.replaceChildren(...counties.map((county) => {
    const row = byUnit.get(county.code) || { green: 0, yellow: 0, red: 0 };
    const total = row.green + row.yellow + row.red;
    const share = redShare(row);
    const tile = h("a.county", {
      href: `#/tasks?lead_unit=${encodeURIComponent(county.code)}&colour=red`, "data-unit": county.code,
      "data-share": share.toFixed(3), title: `${county.name}：红灯${row.red}项，占${Math.round(share * 100)}%`,
    }, h("span.name", {}, county.name),
    h("strong", {}, total ? `${Math.round(share * 100)}%` : "—"),
    h("span.small", {}, `红${row.red} / ${total}项`));
    tile.style.background = shareColour(share, total);
    return tile;
  }));
}

function shareColour(share, total) {
  if (!total) return "#1b3354";
  const hue = Math.round(120 * (1 - Math.min(share / 0.33, 1)));
  return `hsl(${hue} 55% 32%)`;
}

function renderRaces(element, rankings) {
  if (!rankings.length) { element.replaceChildren(h("p.empty", {}, "暂无排名")); return; }
  element.replaceChildren(...rankings.map((ranking) => {
    const top = Math.max(1, ...ranking.entries.map((entry) => entry.score || 0));
    return h("div.wall-race", { "data-testid": `race-${ranking.group}` },
      h("h3", {}, ranking.group_label || ranking.group, h("span.muted", {}, `　${ranking.label || ranking.period}`)),
      ...ranking.entries.slice(0, LANES).map((entry) => {
        const bar = h("div.bar");
        bar.style.width = `${(100 * (entry.score || 0)) / top}%`;
        return raceLane(entry, bar);
      }));
  }));
}

function renderTicker(element, reds, notices, names) {
  const news = [
    ...reds.map((row) => `【红灯】${row.title || row.task}（${row.unit_name || names.get(row.unit) || row.unit}）已亮红灯${row.days_red}天`),
    ...notices.slice(0, 20).map((notice) => `【督办】${notice.number} ${names.get(notice.unit) || notice.unit}：${NOTICE_STATUS[notice.status] || notice.status}`),
  ];
  const track = h("div.track", {}, news.length ? news.join("　　") : "暂无新增红灯与督办");
  // The longer the news, the longer one pass takes: the same reading speed.
  track.style.animationDuration = `${Math.max(20, news.join("").length / 6)}s`;
  element.replaceChildren(track);
}

// The page's type size (app.css: max(12px, 0.82vw)) times `times`, in pixels.
const px = (times) => Math.round(Math.max(12, window.innerWidth * 0.0082) * times);
// A canvas knows no "inherit": the page's own font stack, by name.
const text = { color: INK, get fontFamily() { return getComputedStyle(document.body).fontFamily; } };

function colourRing(counts) {
  const total = COLOURS.reduce((sum, colour) => sum + (counts[colour] || 0), 0);
  return {
    textStyle: text,
    title: { text: String(total), subtext: "项在办任务", left: "center", top: "36%",
      textStyle: { ...text, fontSize: px(2.2), fontWeight: "bold" },
      subtextStyle: { color: MUTED, fontSize: px(1) } },
    series: [{
      type: "pie", radius: ["58%", "82%"], avoidLabelOverlap: true, label: { show: false },
      data: COLOURS.map((colour) => ({ name: COLOUR_SHORT[colour], value: counts[colour] || 0,
        itemStyle: { color: LIGHT[colour] } })),
    }],
    tooltip: { trigger: "item", formatter: "{b}：{c}项（{d}%）", textStyle: { fontSize: px(1) } },
  };
}

function rateRing(name, rate, note) {
  const value = rate === null || rate === undefined ? null : rate;
  const width = px(0.9);
  return {
    textStyle: text,
    title: { text: name, subtext: note, left: "center", bottom: 0,
      textStyle: { ...text, fontSize: px(1.1) }, subtextStyle: { color: MUTED, fontSize: px(0.85) } },
    series: [{
      type: "gauge", startAngle: 90, endAngle: -270, min: 0, max: 100, radius: "62%", center: ["50%", "40%"],
      pointer: { show: false }, axisLine: { lineStyle: { width, color: [[1, "#1b3354"]] } },
      progress: { show: true, roundCap: true, width,
        itemStyle: { color: value === null ? "#1b3354" : value >= 90 ? LIGHT.green : value >= 70 ? LIGHT.yellow : LIGHT.red } },
      splitLine: { show: false }, axisTick: { show: false }, axisLabel: { show: false }, title: { show: false },
      detail: { offsetCenter: [0, 0], color: INK, fontSize: px(1.9), fontWeight: "bold",
        formatter: () => (value === null ? "—" : `${value}%`) },
      data: [{ value: value || 0 }],
    }],
  };
}

function trendChart(trend) {
  const weeks = trend ? trend.weeks : [];
  return {
    textStyle: text,
    grid: { left: px(3.2), right: px(1), top: px(2.4), bottom: px(2) },
    legend: { top: 0, right: 8, itemWidth: px(1.4), itemHeight: px(0.9), textStyle: { color: MUTED, fontSize: px(0.95) },
      data: COLOURS.map((colour) => COLOUR_SHORT[colour]) },
    tooltip: { trigger: "axis", textStyle: { fontSize: px(1) } },
    xAxis: { type: "category", data: weeks.map((week) => week.week_end.slice(5).replace("-", "/")),
      axisLabel: { color: MUTED, fontSize: px(0.85) }, axisLine: { lineStyle: { color: "#23406a" } } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { color: MUTED, fontSize: px(0.85) },
      splitLine: { lineStyle: { color: "#1b3354" } } },
    series: COLOURS.map((colour) => ({
      name: COLOUR_SHORT[colour], type: "bar", stack: "colours", barWidth: "56%",
      itemStyle: { color: LIGHT[colour] }, data: weeks.map((week) => week[colour]),
    })),
  };
}
