// 台账导入: the office's own ledger (重点任务清单) and its list of units, each
// checked first — a preview of what would change, or every error by row and
// column — and applied only when the office confirms.
import { api, download } from "../api.js";
import { KIND_LABEL, STATUS_LABEL, chineseDate, cityParts, errorText, field, h, panel, select, table, toast, yearOptions, yearParam } from "../ui.js";

const XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export async function ledgerTab(body) {
  body.append(ledgerPanel(), unitsPanel());
}

function ledgerPanel() {
  const file = h("input", { type: "file", name: "file", accept: XLSX, required: true, "data-testid": "ledger-file" });
  const year = h("input", { type: "number", name: "year", min: 2000, max: 2100, placeholder: "标题中已有年份可不填" });
  const result = h("div.stack", { "data-testid": "ledger-result" });
  const form = h("form", {}, h("div.fields", {}, field("台账文件（.xlsx）", file), field("月份列的年份", year)),
    h("button", { type: "submit" }, "检查并预览"));
  let checked = null;

  function send({ dryRun, reason, token }) {
    const data = new FormData();
    data.append("file", checked.file);
    if (checked.year) data.append("year", checked.year);
    if (reason) data.append("reason", reason);
    if (token) data.append("token", token);
    return api("/imports/ledger", { method: "POST", form: data, params: { dry_run: dryRun ? "true" : undefined } });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    checked = { file: file.files[0], year: year.value };
    result.replaceChildren(h("p.muted", {}, "正在检查……"));
    try {
      showPreview(await send({ dryRun: true }));
    } catch (error) { showErrors(result, error, "任务"); }
  });

  function showPreview(preview) {
    const changes = preview.new_total + preview.changed_total;
    const reason = h("input", { name: "reason", maxlength: 2000, placeholder: "如：2026年6月市政府常务会议调整", "data-testid": "ledger-reason" });
    const apply = h("button", { type: "button", "data-testid": "confirm-ledger", disabled: !changes }, "确认导入");
    const failed = failure("ledger-apply-error");
    apply.addEventListener("click", async () => {
      if (preview.changed_total && !reason.value.trim()) { toast("修改已有任务须填写修改原因。"); reason.focus(); return; }
      apply.disabled = true;
      failed.replaceChildren();
      try {
        const done = await send({ dryRun: false, reason: reason.value.trim(), token: preview.token });
        result.replaceChildren(h("p.ok", { "data-testid": "ledger-done" }, `已导入：新增 ${done.created} 项，修改 ${done.updated} 项。`));
      } catch (error) { apply.disabled = false; showFailure(failed, error, "任务"); }
    });
    show(result,
      failed,
      h("p", {}, h("strong", {}, `检查通过，尚未保存：新增 ${preview.new_total} 项，修改 ${preview.changed_total} 项，不变 ${preview.unchanged} 项。`)),
      ignored(preview.ignored_columns),
      preview.new_total ? panel(`新增任务（${preview.new_total}）`, listedOnly(preview.new, preview.new_total), table([
        { label: "行", num: true, value: (row) => String(row.row) },
        { label: "编号", value: (row) => row.generated_code ? `${row.code}（自动生成）` : row.code },
        { label: "任务名称", value: (row) => row.title },
        { label: "牵头单位", value: (row) => row.lead_unit_name },
        { label: "完成时限", value: (row) => chineseDate(row.due_date) },
        { label: "月度计划", value: (row) => planText(row.plan) },
      ], preview.new, { testid: "ledger-new" })) : null,
      preview.changed_total ? panel(`修改的任务（${preview.changed_total}）`, listedOnly(preview.changed, preview.changed_total), table([
        { label: "行", num: true, value: (row) => String(row.row) },
        { label: "编号", value: (row) => row.code },
        { label: "任务名称", value: (row) => row.title },
        { label: "变化", value: (row) => h("ul.small", {}, [
          ...row.fields.map((change) => h("li", {}, `${change.label}：${change.from_text} → ${change.to_text}`)),
          row.plan ? h("li", {}, `月度计划：${planText(row.plan.from)} → ${planText(row.plan.to)}`) : null,
        ]) },
      ], preview.changed, { testid: "ledger-changed" })) : null,
      preview.missing_total ? panel(`表格中没有的任务（${preview.missing_total}，不会删除）`,
        h("p.small.muted", {}, "这些任务在任务库中，但不在本次上传的表格里；导入不会删除或撤销它们，如需撤销请在任务页面办理。"),
        listedOnly(preview.missing, preview.missing_total, false),
        table([
          { label: "编号", value: (row) => row.code },
          { label: "任务名称", value: (row) => row.title },
          { label: "牵头单位", value: (row) => row.lead_unit_name },
          { label: "状态", value: (row) => STATUS_LABEL[row.status] || row.status },
        ], preview.missing, { testid: "ledger-missing" })) : null,
      changes ? h("div.row", {}, preview.changed_total ? field("修改原因（记入每项任务的修改记录）", reason) : null, apply)
        : h("p.muted", {}, "表格与任务库一致，没有需要导入的内容。"));
  }

  const exportYear = select("year", yearOptions(), String(cityParts().year), { "data-testid": "ledger-export-year", "aria-label": "导出年度" });
  return panel("导入台账（重点任务清单）",
    h("p.small.muted", {}, "按督查办平时的台账导入：每行一项任务，表头含“任务名称、牵头单位、完成时限”，单位可填名称或编码，",
      "月度计划填在“1月”至“12月”（或“2026-01”）列，写计划累计完成百分比，可附说明，如“30%；完成立项”。",
      "标题行和空行自动跳过。先检查并预览变化，确认后才保存；有任何一处错误都不保存。按任务编号与任务库比对，表格中没有的任务不会被删除。"),
    h("p.row", {},
      h("button.secondary", { type: "button", onclick: () => download("/imports/ledger/template.xlsx", {}, "重点任务清单模板.xlsx").catch((error) => toast(errorText(error))) }, "下载台账模板"),
      // This year's tasks and the earlier years' still in hand, unless another year is chosen.
      exportYear,
      h("button.secondary", { type: "button", "data-testid": "ledger-export", onclick: () => download("/tasks/ledger.xlsx", { year: yearParam(exportYear.value) }, "重点任务清单.xlsx").catch((error) => toast(errorText(error))) }, "导出现有任务为台账")),
    form, result);
}

function unitsPanel() {
  const file = h("input", { type: "file", name: "file", accept: XLSX, required: true, "data-testid": "units-file" });
  const result = h("div.stack", { "data-testid": "units-result" });
  const form = h("form", {}, h("div.row", {}, file, h("button", { type: "submit" }, "检查并预览")));
  let checked = null;

  function send(dryRun, token) {
    const data = new FormData();
    data.append("file", checked);
    if (token) data.append("token", token);
    return api("/imports/units", { method: "POST", form: data, params: { dry_run: dryRun ? "true" : undefined } });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    checked = file.files[0];
    result.replaceChildren(h("p.muted", {}, "正在检查……"));
    try {
      const preview = await send(true);
      const apply = h("button", { type: "button", "data-testid": "confirm-units", disabled: !(preview.new.length + preview.changed.length) }, "确认导入");
      const failed = failure("units-apply-error");
      apply.addEventListener("click", async () => {
        apply.disabled = true;
        failed.replaceChildren();
        try {
          const done = await send(false, preview.token);
          result.replaceChildren(h("p.ok", {}, `已导入：新增 ${done.created} 个单位，更新 ${done.updated} 个单位。`));
        } catch (error) { apply.disabled = false; showFailure(failed, error, "单位"); }
      });
      show(result,
        failed,
        h("p", {}, h("strong", {}, `检查通过，尚未保存：新增 ${preview.new.length} 个，修改 ${preview.changed.length} 个，不变 ${preview.unchanged} 个。`)),
        ignored(preview.ignored_columns),
        preview.new.length ? table([
          { label: "行", num: true, value: (row) => String(row.row) },
          { label: "单位", value: (row) => `${row.name}（${row.code}）` },
          { label: "类型", value: (row) => KIND_LABEL[row.kind] || row.kind },
          { label: "负责人", value: (row) => contactText(row.head) },
        ], preview.new, { testid: "units-new" }) : null,
        preview.changed.length ? table([
          { label: "行", num: true, value: (row) => String(row.row) },
          { label: "单位", value: (row) => `${row.name}（${row.code}）` },
          { label: "变化", value: (row) => h("ul.small", {}, row.fields.map((change) => h("li", {},
            change.field === "head" ? `负责人：${contactText(change.from)} → ${contactText(change.to)}` : `${change.label}：${change.from} → ${change.to}`))) },
        ], preview.changed, { testid: "units-changed" }) : null,
        apply);
    } catch (error) { showErrors(result, error, "单位"); }
  });
  return panel("导入单位与负责人",
    h("p.small.muted", {}, "列：单位名称、单位编码、类型（县区、部门或办公室）、上级单位（名称或编码）、负责人、电话、邮箱。",
      "新单位将被创建，已有单位的名称和负责人变化将被更新；类型和上级单位请在单位页面调整。"),
    h("p", {}, h("button.secondary", { type: "button", onclick: () => download("/imports/units/template.xlsx", {}, "单位与负责人.xlsx").catch((error) => toast(errorText(error))) }, "导出现有单位")),
    form, result);
}

function planText(plan) {
  if (!plan || !plan.length) return "（无）";
  return plan.map((item) => `${item.month.slice(5).replace(/^0/, "")}月 ${item.planned_percent}%${item.description ? `（${item.description}）` : ""}`).join("，");
}

function contactText(contact) {
  if (!contact) return "（无）";
  return [contact.name, contact.phone, contact.email].filter(Boolean).join(" ");
}

// A preview's parts, those it has: a part it lacks is null, which the DOM would
// write out as the word "null".
function show(result, ...parts) {
  result.replaceChildren(...parts.filter((part) => part != null));
}

// A long list is shown in part: the first rows in sheet order, and how many in all.
function listedOnly(listed, total, saved = true) {
  if (listed.length >= total) return null;
  return h("p.small.muted", {}, `共 ${total} 项，下面列出前 ${listed.length} 项` +
    (saved ? `（按表格行序）；确认导入时全部 ${total} 项一并保存。` : "。"));
}

function ignored(columns) {
  if (!columns || !columns.length) return null;
  return h("p.small.muted", {}, `未读取的列：${columns.map((column) => `${column.column}列“${column.header}”`).join("、")}`);
}

function showErrors(result, error, what) {
  result.replaceChildren(errorsOf(error, what));
}

// Where a failed 确认导入 says why, above the preview: the preview and the reason
// typed stay, so the office can confirm again once the cause is gone.
function failure(testid) {
  return h("div", { role: "alert", "data-testid": testid });
}

function showFailure(failed, error, what) {
  // Errors by row need the sheet mended; anything else may pass on a second try.
  const byRow = error.detail && error.detail.errors;
  failed.replaceChildren(errorsOf(error, what),
    ...(byRow ? [] : [h("p.small.muted", {}, "下面的预览和填写的内容都已保留，可稍后再次确认导入。")]));
  failed.scrollIntoView({ block: "nearest" });
}

function errorsOf(error, what) {
  const detail = error.detail && error.detail.errors;
  if (!detail) return h("p.error", {}, errorText(error));
  return h("div.errors", {},
    h("p", {}, h("strong", {}, `发现 ${detail.length} 处错误，未保存任何${what}。请按行号和列修改表格后重新上传。`)),
    table([
      { label: "行", num: true, value: (row) => (row.row ? String(row.row) : "—") },
      { label: "列", value: (row) => [row.column, row.header].filter(Boolean).join(" ") || "—" },
      { label: "问题", value: (row) => row.reason },
    ], detail, { testid: "ledger-errors" }));
}
