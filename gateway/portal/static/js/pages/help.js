// 统计口径: how each count of the portal is made, in the office's words. The
// numbers in it (how late is red, how many make the black list) are read from
// the rules in force, so the page says what the platform does today.
import { api } from "../api.js";
import { h, panel } from "../ui.js";

function value(rules, key, fallback) {
  const found = rules && rules.rules ? rules.rules[key] : undefined;
  return found === undefined || found === null ? fallback : found;
}

function list(...items) {
  return h("ul", {}, items.map((item) => h("li", {}, item)));
}

export async function helpPage(container) {
  const [warning, score] = await Promise.all([
    api("/rules").catch(() => null), api("/ranking-rules").catch(() => null)]);
  const w = (key, fallback) => String(value(warning, key, fallback));
  const r = (key, fallback) => String(value(score, key, fallback));
  const days = value(warning, "calendar_mode", "working") === "calendar" ? "自然日" : "工作日";
  container.append(
    h("h1", {}, "统计口径"),
    h("p.muted", {}, "一屏统揽、单位红灯占比、任务清单、导出、评价排队和大屏用同一套口径。下列阈值为督查办现行规则",
      warning ? `（预警规则第${warning.version}版，评分规则${score ? `第${score.version}版` : ""}）` : "", "，规则调整后本页随之更新。"),
    h("div.grid.cols-2", { "data-testid": "help" },
      panel("红灯、黄灯、绿灯事项", h("div", { "data-testid": "help-colours" },
        h("p", {}, "每个月度目标、“13710”每个环节、每项书面承诺和任务本身各亮一盏灯；任务取其各部分和自身规则中最严重的颜色。一屏统揽和大屏的红灯、黄灯、绿灯数是在办任务数：任务销号或说明情况当日起不再亮灯，连同其各部分转为绿灯，计入“今年已办结”（按销号、说明情况的日期计入当年）；已撤销的任务不计。"),
        list(
          h("span", {}, h("strong", {}, "红灯（严重延期）："), `目标过期未达计划超过${w("late_days_red", 15)}个${days}；进度落后计划超过${w("behind_points_red", 20)}个百分点；连续${w("missing_reports_red", 2)}个月未报送进展；在办任务${w("stalled_days_red", 90)}个自然日无任何进展；“13710”环节超过时限的${w("clock_red_multiple", 2)}倍仍未完成；书面承诺逾期未兑现。`),
          h("span", {}, h("strong", {}, "黄灯（延期推进）："), `目标过期未达计划（未到转红天数）；进度落后计划超过${w("behind_points_yellow", 10)}个百分点；每月第${w("report_working_day", 5)}个工作日前未报送上月进展；“13710”环节超过时限。`),
          h("span", {}, h("strong", {}, "绿灯（如期推进）："), "以上都没有。新任务在首次报送或首个报送日前“待首报”，不亮黄红灯，计入绿灯。"),
          "亮红灯的事项在任务进度赶上计划当日应达到的进度前一直是红灯；环节、承诺、报送补记后即恢复。",
        ))),
      panel("单位红灯占比", h("div", { "data-testid": "help-share" },
        list(
          "单位的事项：该单位牵头的在办任务（以任务的牵头单位计，不含配合事项），已销号、已说明情况和已撤销的不计。",
          "红灯占比 = 牵头任务中红灯任务数 ÷ 牵头任务总数（红、黄、绿之和）。",
          "一屏统揽的单位方块按占比着色：无红灯为绿，不足三分之一为黄，三分之一及以上为红；方块上的“红N”即该单位红灯任务数。",
          "点击方块打开该单位的红灯清单（任务清单：牵头单位为该单位、亮灯为红灯），清单条数与方块上的红灯数、按同样条件导出的清单行数一致。",
        ))),
      panel("亮红灯天数", h("div", { "data-testid": "help-days-red" },
        list(
          "从任务转为红灯的评价日起，到今天为止的整天数（转红当天为0天）；按自然日计。",
          "任务离开红灯后再次转红，重新计数。颜色不变、原因变化（如逾期天数增加）不重新计数。",
          "一屏统揽的“红灯事项”和单位的红灯清单都按亮红灯天数从多到少排列；天数相同的，前者按逾期天数、后者按任务编号排列。",
          `任务亮红灯满${w("notice_after_red_days", 5)}天自动下发督办单；满${w("accountability_red_days", 0)}天可作为“三问”问责依据（0表示亮红灯即可）。`,
        ))),
      panel("按期完成率", h("div", { "data-testid": "help-on-time" },
        list(
          "对象：考核周期内（截至今天）已到期的月度目标。",
          "按期完成：任务报送的累计进度在目标到期日当天或之前达到该目标的计划进度。",
          "按期完成率 = 按期完成的目标数 ÷ 已到期的目标数；没有到期目标时不计。",
          "大屏的按期完成率是全市本期的数；评价排队中是各单位本期的数（“目标按期完成率”指标）。",
        ))),
      panel("督办办结率", h("div", { "data-testid": "help-closure" },
        list(
          "对象：本年度下发的督办单（按督办单编号的年度）。",
          "督办办结率 = 其中已办结的督办单数 ÷ 本年度下发的督办单数；尚未下发时不计。",
          "督办单由督查办办结：所涉事项已不再亮红灯，或仍亮红灯但督查办说明理由；任务撤销时其未办结的督办单随之办结。",
        ))),
      panel("评价排队中的红灯", h("div", { "data-testid": "help-ranking" },
        list(
          "评价排队看整个考核周期，不是今天一天：周期内亮过红灯的目标、“13710”环节和书面承诺，按各自的责任单位计入“红色预警N项累计M天”；任务本身不计入（它的颜色来自这些部分和报送、停滞等规则，报送另有“月度报送及时率”指标）。因此它与一屏统揽上今天的红灯任务数口径不同，不能直接相比。",
          `预警扣分：每个红灯事项按权重${r("red_weight", 3)}、黄灯事项按权重${r("yellow_weight", 1)}乘以亮灯天数计入，一个权重为1的红灯事项持续整个周期扣${r("warning_deduction", 30)}分。`,
          `红榜：各组排名前${r("red_list_size", 3)}名；黑榜：各组排名后${r("black_list_size", 3)}名，以及周期内红色预警达${r("black_list_red_items", 3)}项${value(score, "black_list_unanswered_notice", true) ? "或有督办单逾期未答复" : ""}的单位。经审核发布后公开。`,
          score && score.tie_break ? score.tie_break : "",
        ))),
    ));
}
