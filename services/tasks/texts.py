"""What the tasks service tells people when it refuses a change of the records,
in one place: each refusal is `{"code", "message"}`, a stable code for machines
beside its Chinese words (the gateway passes it on as the error's detail)."""

TEXTS = {
    "reason_required": "请填写原因。",
    "task_not_active": "任务 {task} 当前状态为“{status}”，不能再{action}。",
    "nothing_changed": "没有需要修改的内容。",
    "unit_unknown": "单位 {unit} 不存在。",
    "unit_retired": "单位 {unit} 已撤销，不能再承担任务。",
    "lead_also_cooperating": "牵头单位不能同时是配合单位。",
    "dates_out_of_order": "完成时限不能早于开始日期。",
    "target_outside_dates": "第{seq}个目标的截止日期{due}不在任务起止日期之内，请先调整计划。",
    "replan_in_past": "新计划的目标截止日期不能早于今天（{today}）。",
    "replan_before_kept": ("新计划的第{index}个目标早于或低于已到期的目标（{due}，{percent}%），"
                           "计划须逐步累进。"),
    "replan_after_due": ("新计划的第{index}个目标截止日期{due}晚于任务完成时限{task_due}，"
                         "请先调整完成时限。"),
    "unit_not_active": "单位 {unit} 已撤销，不能修改。",
    "unit_leads_open_tasks": ("单位 {unit} 仍牵头{count}项未办结任务（{tasks}），"
                              "请先将其合并到其他单位或改派牵头单位。"),
    "merge_into_itself": "不能将单位合并到其自身。",
    "year_invalid": "年份应为 {first}—{last} 之间的四位数字，如 2026。",
    "month_invalid": "月份应写作“年-月”，如 2026-12。",
    "has_children": "单位 {unit} 仍有下级单位（{children}），请先调整其上级单位。",
    "ledger_reason_required": ("修改已有任务须填写修改原因（一句话说明依据，"
                               "如“2026年6月市政府常务会议调整”），记入每项任务的修改记录。"),
    "preview_stale": "预览之后表格或任务库已有变化，请重新检查并预览后再确认导入。",
    # A progress report refused (check_progress_batch): the item's `code` and `reason`.
    "report_outside_units": "任务或单位不在本账号所属单位的范围内，请检查任务编号和单位。",
    "task_unknown": "任务 {task} 不存在，请检查任务编号。",
    "unit_not_assigned": "单位 {unit} 不是任务 {task} 的牵头或配合单位。",
    "percent_lower": ("报送的进度 {percent:g}% 低于上次报送的 {last:g}%。进度是累计完成百分比，"
                      "不能倒退；如确需下调，请注明更正（correction: true）并在备注中说明原因。"),
    "correction_needs_note": "更正（下调）进度须在备注中说明原因。",
    # Closing (销号), explaining and extending a task.
    "close_needs_100": "任务完成100%后才能销号，目前为 {percent:g}%。",
    "close_needs_evidence": "销号前请至少上传一份佐证资料。",
    "extension_after_task": "目标的完成时限不能晚于任务的完成时限，请先延长任务的完成时限。",
    "extension_not_later": "新的完成时限须晚于现在的完成时限（{previous}）。",
    # Evidence a report must carry (evidence_rules.report_evidence_problem).
    "evidence_required_full": "进度达到100%的报送须附佐证资料，请上传后再报送。",
    "evidence_required_target": "报送第{seq}个目标已完成须附佐证资料，请上传后再报送。",
    "evidence_unknown": ("佐证资料 {evidence} 不是任务 {task} 已上传且未被其他报送使用的文件，"
                         "请重新上传。"),
    "evidence_too_many": "每次报送最多附{most}份佐证资料。",
    "target_met_unknown": "任务 {task} 没有第{seq}个目标。",
    # Extensions asked for by the lead unit, decided by the office.
    "extension_request_pending": "任务 {task} 已有待审批的延期申请，请等待督查办审批。",
    "extension_request_decided": "该延期申请已处理（{status}），不能再审批。",
    "extension_request_not_found": "延期申请 {request} 不存在。",
    "extension_shortened_between": ("缩短批准的日期须晚于原完成时限（{previous}）"
                                    "且早于申请的日期（{asked}）。"),
    # Commitments and 13710 stages.
    "commitment_unit_not_assigned": "单位 {unit} 不是该任务的牵头或配合单位，不能作出承诺。",
    "commitment_not_found": "承诺 {commitment} 不存在。",
    "commitment_not_open": "承诺 {commitment} 当前状态为“{status}”，不能再标记为兑现。",
    "task_not_on_clock": "任务 {task} 不是交办事项，没有13710节点。",
    "stage_recorded": "任务 {task} 的“{stage}”节点已经记录过了。",
    # Correcting a leader's instruction (instructions.correction).
    "instruction_nothing_changed": ("更正后的批示内容、领导姓名和批示日期与原来相同，"
                                    "没有需要更正的内容。"),
    "instruction_date_in_future": "批示日期（{given_on}）不能晚于今天（{today}）。",
    "instruction_field_blank": "{label}不能为空。",
    # Signals of gamed numbers, the office's review.
    "signal_not_found": "数据真实性线索 {signal} 不存在。",
    "signal_reviewed": "该线索已核查（{status}），不能再次核查。",
    "signal_verdict": "核查结论须为“看过，无问题”（reviewed）或“属实”（confirmed）。",
    "signal_note_required": "确认属实须写明核查说明。",
}

STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}
COMMITMENT_STATUS_NAMES = {"open": "待兑现", "fulfilled": "已兑现", "broken": "未兑现"}

STATUS_NAMES = {"active": "推进中", "completed": "已完成", "closed": "已销号",
                "explained": "已说明情况", "cancelled": "已撤销"}


def say(code, **params):
    """The detail of a refusal: its code and its Chinese words."""
    return {"code": code, "message": TEXTS[code].format(**params)}


# The office's spreadsheets (services/tasks/ledger.py): the words placed beside a
# sheet row and column, each under the stable code it travels with.
SHEET_TEXTS = {
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
    "retired_unit": "单位“{value}”已撤销，不能再承担任务；请改填承接其工作的单位。",
    "lead_unit_required": "请填写牵头单位（单位名称或编码）。",
    "unknown_source": "来源应为“计划任务”“领导交办”或“领导批示”之一，留空为计划任务。",
    "bad_target": "应填写计划累计完成百分比，可附说明，如“30%”或“30%；完成立项”。",
    "percent_range": "计划完成百分比应在0到100之间。",
    "target_goes_back": "计划是累计进度，不能低于前面月份的 {previous:g}%。",
    "target_before_start": "这个月在任务开始时间之前，不能有计划。",
    "target_after_due": "这个月在完成时限之后，不能有计划；如需延后请修改完成时限。",
    "plan_past_changed": ("这个月的计划已经到期，保留原计划，不能通过台账修改"
                          "（已到期节点的亮灯和评价按原计划）；请恢复原来的内容。"),
    "plan_needs_future": ("调整后的计划须至少有一个今天以后的月度节点；"
                          "如任务不再推进，请在任务页面撤销。"),
    "description_too_long": "月度计划的说明最多500个字，请缩短。",
    "unstorable": ("“{header}”含有无法保存的字符（如控制字符或无效的 Unicode 字符），"
                   "请删除后重新上传。"),
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

}


def sheet_text(code, /, **params):
    """The words of a problem found in a sheet."""
    return SHEET_TEXTS[code].format(**params)
