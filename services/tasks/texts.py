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
    "has_children": "单位 {unit} 仍有下级单位（{children}），请先调整其上级单位。",
}

STATUS_NAMES = {"active": "推进中", "completed": "已完成", "closed": "已销号",
                "explained": "已说明情况", "cancelled": "已撤销"}


def say(code, **params):
    """The detail of a refusal: its code and its Chinese words."""
    return {"code": code, "message": TEXTS[code].format(**params)}
