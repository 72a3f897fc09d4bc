"""What the tasks service tells people about an office's spreadsheets (the task
ledger and the list of units), in one place: a stable code that machines match
on, and the Chinese words the portal shows beside a row and a column. A code
never changes once published; its words may."""

MESSAGES = {
    # The sheet as a whole
    "sheet_empty": "工作表是空的，请在第一个工作表中填写台账。",
    "sheet_too_many_rows": "一次最多导入 {limit} 行，请分批导入。",
    "header_not_found": "找不到表头行：表头应包含{required}等列名。",
    "header_missing": "缺少“{header}”列，请在表头中加上。",
    "header_twice": "“{header}”列出现了两次，请删去一列。",
    "no_rows": "表头以下没有任何任务，请填写后重新上传。",
    "month_year_unknown": ("“{header}”没有年份：请在表格标题中写明年份（如“2026年重点任务清单”），"
                           "导入时填写年份，或把列名写成“2026-01”的样式。"),
    "month_twice": "“{header}”与另一列是同一个月，请删去一列。",
    # A cell
    "required": "“{header}”不能为空。",
    "too_long": "“{header}”最多 {limit} 个字，请缩短。",
    "bad_code": "任务编号只能由字母、数字、“.”“_”“-”组成，不超过32个字符，且以字母或数字开头。",
    "bad_unit_code": ("单位编码只能由字母、数字、“.”“_”“-”组成，不超过32个字符，"
                      "且以字母或数字开头。"),
    "bad_date": "“{header}”应为日期，如 2026-12-31 或 2026年12月31日。",
    "date_out_of_range": "“{header}”应在2000年至2100年之间。",
    "due_before_start": "完成时限早于开始时间，请检查两个日期。",
    "unknown_unit": "找不到单位“{value}”：请填写单位名称或单位编码，与单位列表一致。",
    "ambiguous_unit": "有多个单位名为“{value}”，请改填单位编码。",
    "lead_unit_required": "请填写牵头单位（单位名称或编码）。",
    "unknown_source": "来源应为“计划任务”“领导交办”或“领导批示”之一，留空为计划任务。",
    "bad_target": "应填写计划累计完成百分比，可附说明，如“30%”或“30%；完成立项”。",
    "percent_range": "计划完成百分比应在0到100之间。",
    "target_goes_back": "计划是累计进度，不能低于前面月份的 {previous:g}%。",
    "target_before_start": "这个月在任务开始时间之前，不能有计划。",
    "target_after_due": "这个月在完成时限之后，不能有计划；如需延后请修改完成时限。",
    "description_too_long": "月度计划的说明最多500个字，请缩短。",
    "code_twice": "任务编号 {code} 在表格中出现了两次（另见第 {other} 行）。",
    "code_generated_twice": ("这一行与第 {other} 行的任务名称和牵头单位相同，生成的编号重复："
                             "请填写“任务编号”列加以区分。"),
    "task_finished": "任务 {code} 已{status}，不能再通过台账修改。",
    "invalid": "“{header}”不符合要求：{detail}",
    # Units
    "unit_name_twice": "单位名称“{value}”在表格中出现了两次（另见第 {other} 行）。",
    "unit_code_twice": "单位编码 {value} 在表格中出现了两次（另见第 {other} 行）。",
    "unit_kind": "类型应为“县区”“部门”或“办公室”之一。",
    "unknown_parent": "找不到上级单位“{value}”：请填写已有单位或本表中单位的名称或编码。",
    "parent_cycle": "上级单位形成了循环，请检查。",
    "parent_is_self": "上级单位不能是本单位。",
    "head_needed": "填写了电话或邮箱时，请同时填写负责人姓名。",
    "bad_phone": "电话应为5到20位数字，可含“-”、空格或开头的“+”。",
    "bad_email": "邮箱格式不正确，如 name@example.cn。",
    "unit_name_taken": "单位名称“{value}”已被单位 {code} 使用。",
    "unit_kind_changed": "单位 {code} 已登记为“{old}”，类型不能通过导入修改。",
    "unit_parent_changed": "单位 {code} 已登记在“{old}”之下，上级单位不能通过导入修改。",
    # Applying
    "reason_required": ("修改已有任务须填写修改原因（一句话说明依据，"
                        "如“2026年6月市政府常务会议调整”）。"),
    "preview_stale": "预览之后表格或任务库已有变化，请重新检查后再确认导入。",
}


def say(message: str, /, **params) -> str:
    return MESSAGES[message].format(**params)
