// 每周专报: the weekly bulletins. The timer draws each week's up as a draft; the
// office previews it here and signs it (签发), which numbers it (第N期) and sends it
// to the leaders. Leaders read the issued ones; everyone downloads PDF, Word or 网页.
import { api, download } from "../api.js";
import { chineseDate, dateTime, errorText, h, pagedList, panel, table, toast } from "../ui.js";

const SECTION_NUMBERS = "一二三四五六七八九十";

function sectionNumber(index) {
  return index < 10 ? SECTION_NUMBERS[index] : `十${SECTION_NUMBERS[index - 10] || ""}`;
}

export async function bulletinsPage(container, { me }) {
  const office = me.role === "admin";
  const status = h("p.muted", { "data-testid": "bulletin-drafts" });
  const preview = h("div", { "data-testid": "bulletin-preview" });
  let drafts = 0;
  const list = pagedList(
    async (params) => {
      const answer = await api("/bulletins", { params });
      drafts = answer.drafts || 0;
      return answer;
    },
    (rows) => {
      status.textContent = office
        ? (drafts ? `待签发 ${drafts} 期：请预览核对后签发，签发后即发送领导。` : "没有待签发的专报。")
        : "";
      // Leaders read what the office signed; drafts are the office's work.
      const items = office ? rows : rows.filter((row) => row.status === "issued");
      if (!preview.childElementCount && items.length) show(items[0]);
      return table([
        { label: "期号", value: (row) => row.issue || (row.status === "draft" ? "待签发" : "—") },
        { label: "统计时段", value: (row) => `${chineseDate(row.summary.week_start)}至${chineseDate(row.summary.week_end)}` },
        { label: "状态", value: (row) => row.status === "draft"
          ? h("span.badge.yellow", {}, "草稿")
          : h("span", {}, h("span.badge.green", {}, "已签发"), ` ${row.issued_at ? dateTime(row.issued_at) : ""}`) },
        { label: "摘要", value: (row) => summaryLine(row.summary) },
        { label: "操作", value: (row) => h("span.row", {},
          h("button.secondary", { type: "button", onclick: () => show(row) }, "预览"),
          office && row.status === "draft"
            ? h("button", { type: "button", "data-testid": `issue-${row.id}`, onclick: () => issue(row) }, "签发")
            : "",
          ...files(row)) },
      ], items, { empty: office ? "暂无专报" : "暂无已签发的专报", testid: "bulletins" });
    },
    { size: 20, noun: "期", testid: "bulletins-pager" });

  function show(row) {
    preview.replaceChildren(documentView(row));
    preview.scrollIntoView?.({ block: "nearest" });
  }

  async function issue(row) {
    const period = `${chineseDate(row.summary.week_start)}至${chineseDate(row.summary.week_end)}`;
    if (!window.confirm(`签发${period}的专报？签发后编为本年度下一期，立即发送领导，不能再修改。`)) return;
    try {
      const issued = await api(`/bulletins/${row.id}/issue`, { method: "POST" });
      toast(`已签发：${issued.issue}，已发送领导`);
      preview.replaceChildren();
      await list.reload();
    } catch (error) { toast(errorText(error)); }
  }

  const actions = office ? h("p", {}, h("button", { type: "button", onclick: async () => {
    try {
      await api("/bulletins", { method: "POST" });
      toast("已生成上周专报草稿，请预览后签发");
      preview.replaceChildren();
      await list.reload();
    } catch (error) { toast(errorText(error)); }
  } }, "生成上周专报草稿")) : "";
  container.append(h("h1", {}, "每周专报（落实事项专报）"),
    panel(null, actions, status, list.node), panel("预览", preview));
  await list.reload();
}

function files(row) {
  // As the server names the file (its header wins); used only if a proxy drops it.
  const label = row.issue || (row.status === "draft" ? "待签发" : chineseDate(row.week_start));
  return [["pdf", "PDF"], ["docx", "Word"], ["html", "网页"]].map(([format, text]) =>
    h("button.secondary", { type: "button", onclick: () =>
      download(`/bulletins/${row.id}.${format}`, {}, `落实事项专报-${label}.${format}`).catch((error) => toast(errorText(error))) }, text));
}

function summaryLine(value) {
  if (!value || !value.counts) return "";
  const counts = value.counts;
  return `新增红灯${counts.red ?? 0}项 · 督办逾期${counts.overdue ?? 0}件 · 办结${counts.closed ?? 0}项`;
}

// A row names its task by title; rows drawn up before they carried a title name it in `task`.
function taskName(row) {
  return row.title ?? row.task ?? "";
}

/** The bulletin as its document reads: the red header, the overall picture and
 * the numbered sections, drawn from the summary the service keeps. */
function documentView(row) {
  const summary = row.summary;
  const heading = row.heading || { issue: row.issue || "（待签发）", issuer: "", date: "" };
  const parts = [];
  const overview = summary.overview;
  const counts = summary.counts || {};
  const line = `本周新增红色预警${counts.red ?? 0}项，督办单逾期${counts.overdue ?? 0}件，办结${counts.closed ?? 0}项。`;
  const overviewBody = [h("p", {}, (overview ? overview.text : "") + line)];
  for (const group of overview?.groups || []) {
    if (!group.rows.length) continue;
    overviewBody.push(h("h4", {}, `${group.label}亮灯情况（截至${chineseDate(overview.as_of)}）`), table([
      { label: "单位", value: (r) => r.unit_name },
      { label: "在办任务", value: (r) => r.total },
      { label: "绿灯", value: (r) => r.green },
      { label: "黄灯", value: (r) => r.yellow },
      { label: "红灯", value: (r) => r.red },
      { label: "红灯占比", value: (r) => `${r.red_share}%` },
    ], group.rows));
  }
  if (overview?.worst?.length) {
    overviewBody.push(h("h4", {}, "亮红灯最久的事项"), table([
      { label: "任务", value: taskName },
      { label: "牵头单位", value: (r) => r.unit_name },
      { label: "亮红灯天数", value: (r) => r.days_red },
      { label: "原因", value: (r) => r.reason },
    ], overview.worst));
  }
  if (!overview) overviewBody.push(h("p.muted", {}, "亮灯统计暂不可用，总体情况未能生成。"));
  parts.push(["总体情况", overviewBody]);
  for (const section of summary.sections || []) {
    const said = section.summary ? [h("p", {}, section.summary)] : [];
    parts.push([section.title, section.rows.length ? [...said, table([
      { label: "日期", value: (r) => chineseDate(r.day) },
      { label: "单位", value: (r) => r.unit_name || "" },
      { label: "任务", value: taskName },
      { label: "情况", value: (r) => r.detail },
    ], section.rows)] : [...said, h("p.muted", {}, section.empty)]]);
  }
  return h("article.bulletin", {},
    h("div.masthead", {}, "落实事项专报"),
    h("p.issue", {}, heading.issue),
    h("div.byline", {}, h("span", {}, heading.issuer), h("span", {}, heading.date)),
    h("p", {}, `统计时段：${chineseDate(summary.week_start)}至${chineseDate(summary.week_end)}`),
    ...parts.flatMap(([title, body], index) => [h("h3", {}, `${sectionNumber(index)}、${title}`), ...body]));
}
