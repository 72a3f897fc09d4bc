// 如何脱离黑榜 / 提升排名: what a unit in the bottom group of its ranking group (or
// on the black list) still can do this period to leave it, each matter with the
// points the ranking's own scoring gives it. Shown on the unit's workbench and
// in its row of the ranking.
import { api } from "../api.js";
import { errorText, h, number } from "../ui.js";

const KIND = { targets: "目标", notices: "督办单", commitments: "承诺", clocks: "13710事项", reds: "红灯事项" };

/** The way off for `unit` in the live period, as a node (loading first);
 * onClear() is called when the unit is neither on the black list nor in the
 * bottom group. */
export function wayOff(unit, { onClear } = {}) {
  const box = h("div.stack", { "data-testid": "way-off" }, h("p.muted", {}, "正在计算……"));
  api("/rankings/way-off", { params: { unit } })
    .then((found) => {
      box.replaceChildren(...render(found));
      if (!found.on_black_list && !found.in_bottom_group && onClear) onClear();
    })
    .catch((error) => {
      // A unit no group ranks (the office itself) has no place in any list.
      if (error.status !== 404) return box.replaceChildren(h("p.error", {}, errorText(error)));
      box.replaceChildren(h("p.muted", { "data-testid": "way-off-clear" }, "本单位不参与评价排队。"));
      if (onClear) onClear();
    });
  return box;
}

/** The workbench panel: the way off under its heading while the unit is at the
 * bottom, a single line once it is not. */
export function wayOffPanel(unit) {
  const heading = h("h2", {}, "如何脱离黑榜 / 提升排名");
  const section = h("section.panel", { "data-testid": "way-off-panel" }, heading);
  section.append(wayOff(unit, { onClear: () => heading.remove() }));
  return section;
}

function render(found) {
  if (!found.on_black_list && !found.in_bottom_group) {
    return [h("p", { "data-testid": "way-off-clear" },
      `${found.label || ""}：${found.note}`, found.score !== null && found.score !== undefined ? `现得分${number(found.score, 2)}分。` : "")];
  }
  const standing = h("p", {}, h("span.badge.red", {}, found.on_black_list ? "列入黑榜" : "组内末位"), " ",
    (found.reasons || []).join("；"),
    `。现得分 ${number(found.score, 2)} 分`,
    found.line_score !== null && found.line_score !== undefined ? `，黑榜线 ${number(found.line_score, 2)} 分` : "", "。");
  const actions = (found.actions || []).map((action) => h("li", { "data-kind": action.kind },
    h("div.row.spread", {}, h("strong", {}, action.text),
      h("span", { class: action.points > 0 ? "up" : "muted" }, action.points > 0 ? `+${number(action.points, 2)}分` : "不加分")),
    action.items && action.items.length ? h("ul.small", {}, action.items.map((item) => h("li", {}, item.label || item.item_key || String(item.id || "")))) : null,
    action.kind === "reds" ? h("p.small.muted", {}, `${KIND.reds}本期已计入，转绿可避免继续扣分`) : null));
  return [
    standing,
    actions.length ? h("ol.stack", { "data-testid": "way-off-actions" }, actions) : null,
    h("p", { class: found.enough ? "" : "error", "data-testid": "way-off-note" }, found.note),
    found.basis ? h("p.small.muted", {}, found.basis) : null,
  ].filter(Boolean);
}
