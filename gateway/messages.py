"""What the gateway itself tells people when it refuses, in one place.

Each refusal carries a stable `code` that machines match on and a Chinese
`message` that the portal shows as it is: `{"detail": {"code", "message"}}`.
A code never changes once published; its words may.
"""
from fastapi import HTTPException

MESSAGES = {
    "not_authenticated": "尚未登录，请先登录。",
    "bad_credentials": "用户名或密码错误。",
    "token_invalid": "登录已失效，请重新登录。",
    "token_idle": "长时间未操作，登录已失效，请重新登录。",
    "api_key_invalid": "接口密钥无效、已吊销或已过期。",
    "api_key_read_only": "该接口密钥为只读，不能提交或修改数据。",
    "user_disabled": "该账号已停用，请联系督查办。",
    "password_change_required": "密码已由管理员重置，请先修改密码后再继续操作。",
    "sign_in_locked": "登录失败次数过多，请 {seconds} 秒后再试。",
    "rate_limited": "操作过于频繁，请 {seconds} 秒后再试。",
    "admin_only": "仅督查办管理员可执行此操作。",
    "evaluators_only": "仅评价人和督查办可执行此操作。",
    "city_wide_only": "仅督查办和领导可查看。",
    "notice_unit_only": "督办单只能由被督办单位的联络员或督查办签收和回复。",
    "read_only_role": "“{role}”角色只能查看，不能提交或修改数据。",
    "role_not_allowed": "“{role}”角色无权进行此操作，如需办理请联系督查办。",
    "no_password_for_key": "接口密钥没有密码。",
    "current_password_wrong": "当前密码不正确。",
    "user_not_found": "用户“{username}”不存在。",
    "user_exists": "用户“{username}”已存在。",
    "unit_needed": "“{role}”角色须指定所属单位。",
    "unknown_units": "以下单位编码不存在：{units}。",
    "last_admin": "不能停用或降级最后一名可用的管理员。",
    "api_key_not_found": "接口密钥 {key_id} 不存在。",
    "api_key_exists": "接口密钥“{name}”已存在。",
    "api_key_revoked": "接口密钥 {key_id} 已吊销，不能轮换。",
    "expiry_in_past": "到期时间须晚于现在。",
    "sheet_unreadable": ("无法读取这个文件：请上传 Excel 工作簿（.xlsx），"
                         "不要上传 .xls、.csv 或加密的文件。"),
    "sheet_too_large": "这个工作簿解压后超过 {limit} MiB，请删去多余的工作表或图片后重新上传。",
    "sheet_too_many_rows": "一次最多导入 {limit} 行，请分批导入。",
    # A task library's sheet (spreadsheet.py): {column} is its header as typed.
    "sheet_empty": "工作表是空的：第一行填写表头，从第二行起每行填写一项。请下载模板对照填写。",
    "sheet_unknown_column": "第一行的“{column}”不是任务库的列，请改为模板中的列名或删去这一列。",
    "sheet_missing_column": "缺少任务编号列（表头 {column}），请按模板填写第一行的表头。",
    "sheet_code_missing": "这一行没有填写任务编号，请填写编号，同一任务的各行填写同一编号。",
    "sheet_no_tasks": "表格中没有任务：请从第二行起每行填写一个月度目标。",
    # The working-day calendar's sheet.
    "calendar_header": "第一行应为表头：日期、类型（放假或上班）、名称。",
    "calendar_bad_date": "日期应按 2027-01-01 的格式填写。",
    "calendar_bad_kind": "类型应为“放假”或“上班”。",
    "calendar_holiday_unnamed": "放假的日期应写明节日名称。",
    "calendar_no_days": "表格中没有读到任何日期。",
    "office_or_leader_only": "批示只能由督查办录入，或由领导本人录入。",
    "not_a_leader": "“{username}”不是领导账号，请选择角色为领导的用户。",
    "leader_own_only": "领导只能录入本人的批示。",
    "files_too_many": "每次最多上传 {count} 个附件。",
    "lead_unit_only": ("任务 {task} 的整体进度、销号、说明情况和13710节点只能由牵头单位 {lead} "
                       "或督查办办理。"),
    "audit_unavailable": ("审计日志暂时无法写入，为保证每项操作都有记录，本次请求未执行。"
                          "请稍后重试。"),
    "audit_outcome_unrecorded": ("本次操作的结果未能记入审计日志，因此不作为已完成答复。"
                                 "操作可能已经生效：请刷新页面核实后再决定是否重试，"
                                 "并告知系统管理员。"),
    # When the services cannot answer (errors.py): nothing the person did wrong.
    "service_failed": ("后台服务处理时出错，本次操作未完成。"
                       "请稍后重试；如仍出错，请告知系统管理员。"),
    "service_timeout": ("后台服务未能及时响应，操作可能尚未完成："
                        "请稍后刷新页面核实，再决定是否重试。"),
    "services_unavailable": "后台服务暂时无法连接，请稍后重试。",
    "service_unavailable": "{service}暂时不可用，请稍后重试。",
    "internal_error": "系统内部错误，本次操作未完成。请稍后重试；如仍出错，请告知系统管理员。",
    "route_not_found": "找不到这个地址，请检查链接或从菜单重新进入。",
    "method_not_allowed": "这个地址不支持此操作。",
    "http_error": "请求未能完成（HTTP {status}），请检查后重试。",
    "body_too_large": "提交的内容过大（超过 {limit} 字节），请缩小文件或分批提交。",
    "too_many_items": "一次最多报送 {limit} 条进度，本次 {count} 条，请分批报送。",
    "too_many_tasks": "一次最多提交 {limit} 项任务，本次 {count} 项，请分批提交。",
    # A request the schemas refuse (422); each field's words are in FIELD_PHRASES.
    "invalid_input": "提交的内容有误，请检查后重新填写。",
}


def message(code: str, **params) -> dict:
    """The `detail` of a refusal: its code and its Chinese words."""
    return {"code": code, "message": MESSAGES[code].format(**params)}


def refusal(status: int, code: str, headers: dict | None = None, **params) -> HTTPException:
    """An HTTPException whose detail is `message(code, **params)`."""
    return HTTPException(status, message(code, **params), headers=headers)


# ---------------------------------------------------------------------------
# Fields, as people call them: what a 422 names. The API's field and parameter
# names (schemas.py, the routes' query and path parameters, the services'
# field errors); a name not here is shown as sent, in quotes.
FIELD_LABELS = {
    # A unit's work-group robot (钉钉, 企业微信).
    "webhook_url": "Webhook 地址", "url": "Webhook 地址", "secret": "加签密钥",
    "access": "访问权限", "answer": "回复内容", "as_of": "评估日期", "asking": "请示内容",
    "batch": "批次", "body": "正文", "category": "重点领域", "channel": "渠道",
    "channels": "渠道", "clock_class": "13710类别", "code": "编码", "colour": "预警颜色",
    "comment": "评价意见", "content_b64": "文件内容", "cooperating_units": "配合单位",
    "days_before": "提前工作日数", "days": "天数", "soon_red": "仅看预测将亮红灯",
    "correction": "更正标记", "current": "当前密码", "date": "日期", "deadline": "整改期限",
    "description": "说明", "disabled": "停用", "dry_run": "仅预览", "due_date": "完成时限",
    "email": "邮箱", "enabled": "启用", "evaluation": "评价", "event_ids": "事件编号",
    "event_type": "消息类型", "expires_at": "到期时间", "file": "文件", "files": "附件",
    "filename": "文件名", "format": "格式", "given_on": "批示日期", "ground": "问责依据",
    "ground_ref": "问责依据对象", "group": "分组", "head": "负责人", "holidays": "节假日",
    "id": "编号", "ids": "编号", "idempotency-key": "Idempotency-Key 请求头",
    "idempotency_key": "Idempotency-Key 请求头", "into": "并入单位", "item": "条目",
    "items": "进度条目", "kind": "类型", "lead_unit": "牵头单位", "leader": "领导",
    "leader_name": "领导姓名", "limit": "每页条数", "matter": "交办事项", "month": "月份",
    "name": "名称", "new": "新密码", "new_due_date": "新的完成时限", "note": "备注",
    "offset": "起始位置", "before_id": "从此条之前", "due_month": "到期月份",
    "open": "仅看未办结", "open_only": "仅看未办结",
    "operator": "联络员", "page": "页码", "parent": "上级单位", "password": "密码",
    "percent": "完成百分比", "period": "评价周期", "phone": "电话", "plan": "整改方案",
    "plan_deadline": "整改方案期限", "planned_percent": "计划完成百分比",
    "promised_date": "承诺完成日期", "q": "搜索词", "questions": "问责事项",
    "quiet_hours": "免打扰时段", "reason": "原因", "received_at": "收到时间",
    "recorded_at": "完成时间", "rectified": "已整改", "report_id": "进度报送编号",
    "reported_at": "报送时间", "responsible_person": "责任人", "result": "承诺结果",
    "role": "角色", "rows": "表格行", "rules": "规则", "score": "评分", "seq": "目标序号",
    "sheet": "工作表", "since": "起始日期", "source": "任务来源", "stage": "13710节点",
    "start_date": "开始日期", "status": "状态", "step": "承诺事项", "subject": "标题",
    "summary": "问题概述", "taken_on": "措施日期", "target": "目标", "targets": "计划目标",
    "task": "任务", "text": "内容", "title": "任务名称", "token": "预览凭据",
    "unit": "单位", "units": "单位", "until": "截止日期", "user": "用户",
    "username": "用户名", "verification_id": "复核事项编号", "week_start": "周起始日",
    "weeks": "周数", "within_days": "天数",
    "workdays": "调休上班日", "year": "年份",
    "bulletin_id": "专报编号", "commitment_id": "承诺编号", "evidence_id": "佐证资料编号",
    "instruction_id": "批示编号", "key_id": "接口密钥编号", "notice_id": "督办单编号",
    "notification_id": "消息编号", "record_id": "问责记录编号", "mine": "仅看本人",
    "unread": "仅看未读", "path": "文件路径", "service": "服务",
    # Evidence per report and the units' extension requests.
    "evidence": "佐证资料", "target_met": "已完成的目标序号", "asked_due_date": "申请的完成时限",
    "outcome": "审批结果", "granted_due_date": "批准的完成时限", "request_id": "延期申请编号",
    "at_full": "进度100%须附佐证", "at_target_met": "目标完成须附佐证",
    # The office's review of the signals of gamed numbers.
    "verdict": "核查结论", "signal_id": "线索编号",
    # OAuth2's sign-in form.
    "client_id": "客户端编号", "client_secret": "客户端密钥", "grant_type": "授权方式",
    "scope": "授权范围",
    # A task library's target columns (spreadsheet.py).
    "target_due_date": "目标截止日期", "target_planned_percent": "目标计划完成百分比",
    "target_description": "目标说明", "target_unit": "目标责任单位",
    # Where a name means something else inside another field.
    "targets.due_date": "截止日期", "head.name": "负责人姓名", "operator.name": "联络员姓名",
    "holidays.name": "节日名称", "holidays.date": "放假日期", "matter.title": "事项名称",
}

# Machine values of the API's enumerations, as people call them.
VALUE_NAMES = {
    "county": "县区", "department": "部门", "office": "办公室",
    "admin": "管理员", "leader": "领导", "operator": "联络员", "evaluator": "评价人",
    "green": "绿色", "yellow": "黄色", "red": "红色",
    "plan": "计划任务", "assignment": "领导交办", "instruction": "领导批示",
    "important": "重要事项", "general": "一般事项", "complex": "复杂事项",
    "active": "推进中", "completed": "已完成", "closed": "已销号/已办结",
    "explained": "已说明情况", "cancelled": "已撤销",
    "deployed": "部署", "first_feedback": "首次反馈",
    "inbox": "站内消息", "sms": "短信", "webhook": "Webhook 推送",
    "read": "只读", "write": "读写",
}

# What a refused field needs, by pydantic's error type (its `type`, kept as the
# machine's code); {field} is the field's label, the rest the error's context.
FIELD_PHRASES = {
    "missing": "请填写{field}。",
    "date_parsing": "{field}不是有效的日期，请按 2026-12-31 的格式填写。",
    "date_from_datetime_parsing": "{field}不是有效的日期，请按 2026-12-31 的格式填写。",
    "date_from_datetime_inexact": "{field}应为日期，不带时刻，如 2026-12-31。",
    "date_type": "{field}不是有效的日期，请按 2026-12-31 的格式填写。",
    "datetime_parsing": "{field}不是有效的时间，请按 2026-12-31T09:30:00+08:00 的格式填写。",
    "datetime_from_date_parsing": ("{field}不是有效的时间，"
                                   "请按 2026-12-31T09:30:00+08:00 的格式填写。"),
    "datetime_type": "{field}不是有效的时间，请按 2026-12-31T09:30:00+08:00 的格式填写。",
    "timezone_aware": "{field}须写明时区，如 2026-12-31T09:30:00+08:00。",
    "int_parsing": "{field}应为整数。",
    "int_type": "{field}应为整数。",
    "int_from_float": "{field}应为整数，不能带小数。",
    "float_parsing": "{field}应为数字。",
    "float_type": "{field}应为数字。",
    "finite_number": "{field}应为有限的数字。",
    "bool_parsing": "{field}应为“是”或“否”（true 或 false）。",
    "bool_type": "{field}应为“是”或“否”（true 或 false）。",
    "greater_than_equal": "{field}不能小于 {ge}。",
    "greater_than": "{field}须大于 {gt}。",
    "less_than_equal": "{field}不能大于 {le}。",
    "less_than": "{field}须小于 {lt}。",
    "string_type": "{field}应为文字。",
    "string_too_short": "{field}至少 {min_length} 个字符。",
    "string_empty": "{field}不能为空。",
    "empty": "{field}不能为空。",
    "string_too_long": "{field}最多 {max_length} 个字符，请缩短。",
    "string_pattern_mismatch": "{field}的格式不正确，请检查后重新填写。",
    # A code or a name (pattern ^\S+$): one word.
    "string_pattern_mismatch_spaces": "{field}不能含有空格。",
    "too_short": "{field}至少要有 {min_length} 项。",
    "too_long": "{field}最多 {max_length} 项，请分批提交。",
    "list_type": "{field}应为列表。",
    "dict_type": "{field}的格式不正确，应为对象。",
    "model_type": "{field}的格式不正确，应为对象。",
    "model_attributes_type": "{field}的格式不正确，应为对象。",
    "enum": "{field}只能是{expected}。",
    "literal_error": "{field}只能是{expected}。",
    "json_invalid": "提交的内容不是有效的 JSON，请检查引号、逗号和括号后重新提交。",
    "json_type": "提交的内容不是有效的 JSON，请检查后重新提交。",
    "extra_forbidden": "不能提交{field}：接口没有这个字段，请删去。",
    "value_error": "{field}填写有误，请检查后重新填写。",
    "assertion_error": "{field}填写有误，请检查后重新填写。",
    "url_parsing": "{field}不是有效的网址。",
    "uuid_parsing": "{field}不是有效的编号。",
    "bytes_type": "{field}应为文件。",
    "text_control_character": "{field}含有无法保存的控制字符（如 NUL），请删除后重新提交。",
    "text_unpaired_surrogate": ("{field}含有无效的 Unicode 字符（未配对的代理项），"
                                "请检查编码后重新提交。"),
    "text_too_long": "{field}过长，请缩短后重新提交。",
    "unit_needed": "“{role}”角色须指定所属单位，请填写“单位”。",
    "password_unchanged": "新密码不能与当前密码相同。",
    # What no row above covers: the field, and that it needs looking at.
    "fallback": "{field}填写有误，请检查后重新填写。",
}

# ---------------------------------------------------------------------------
# The services' expected errors (nameko RemoteError), by their name: the code
# an answer carries when the service gave none, and the words when the
# service's own are not Chinese.
REMOTE_ERRORS = {
    "InvalidInput": ("invalid_input", "提交的内容有误，请检查后重新填写。"),
    "NotFound": ("not_found", "要找的内容不存在或已被删除，请刷新页面后重试。"),
    "Conflict": ("conflict", "与当前状态冲突，请刷新页面查看最新情况后再操作。"),
    "Forbidden": ("forbidden", "无权进行此操作，如需办理请联系督查办。"),
    "TooLarge": ("too_large", "文件或数据过大，请缩小或分批提交。"),
    "CalendarNotCovered": ("calendar_not_covered",
                           "工作日历未涵盖所涉日期，请督查办先录入该年度的节假日安排。"),
    "CallerNotTrusted": ("caller_not_trusted",
                         "网关与后台服务的身份校验未通过，请告知系统管理员。"),
}

# The services' English words that people meet most, read into a stable code
# and its parameters (matched whole, after trimming); the words are below.
REMOTE_PATTERNS = [
    (r"no task (?P<task>\S+)", "task_not_found"),
    (r"unknown task (?P<task>\S+)", "task_not_found"),
    (r"no unit (?P<unit>\S+)", "unit_not_found"),
    (r"unknown unit (?P<unit>\S+)", "unit_not_found"),
    (r"unknown units (?P<unit>.+)", "unit_not_found"),
    (r"no notice (?P<notice>\S+)( of unit (?P<unit>\S+))?", "notice_not_found"),
    (r"no commitment (?P<commitment>\S+)", "commitment_not_found"),
    (r"no instruction (?P<instruction>\S+)", "instruction_not_found"),
    (r"no target (?P<seq>\S+) of task (?P<task>\S+)", "target_not_found"),
    (r"no evidence (?P<evidence>\S+) on task (?P<task>\S+)", "evidence_not_found"),
    (r"no progress report (?P<report>\S+)", "report_not_found"),
    (r"no accountability record (?P<record>\S+)", "record_not_found"),
    (r"no such bulletin", "bulletin_not_found"),
    (r"the bulletin of the week from (?P<week>\S+) is issued.*", "bulletin_issued"),
    (r"no such (inbox message|notification)", "notification_not_found"),
    (r"no ranking of (?P<period>\S+) is drafted", "ranking_not_drafted"),
    (r"task (?P<task>\S+) exists", "task_exists"),
    (r"task (?P<task>\S+) appears twice in the file", "task_twice"),
    (r"unit (?P<unit>\S+) exists", "unit_exists"),
    (r"task (?P<task>\S+) is not on the 13710 clock", "task_not_on_clock"),
    (r"stage (?P<stage>\S+) of task (?P<task>\S+) is recorded already", "stage_recorded"),
    (r"task (?P<task>\S+) is (?P<status>[a-z_]+)(; it takes no more reports)?",
     "task_not_active"),
    (r"task is (?P<status>[a-z_]+)", "task_not_active"),
    (r"unit (?P<unit>\S+) is not assigned to (the task|task (?P<task>\S+))",
     "unit_not_assigned"),
    (r"(?P<percent>[\d.]+)% is lower than the last reported (?P<last>[\d.]+)%.*",
     "percent_lower"),
    (r"a correction needs a note saying why", "correction_needs_note"),
    (r"a task is closed at 100%; it stands at (?P<percent>[\d.]+)%", "close_needs_100"),
    (r"closing needs at least one evidence file", "close_needs_evidence"),
    (r"commitment (?P<commitment>\S+) is (?P<status>[a-z_]+)", "commitment_not_open"),
    (r"notice (?P<notice>\S+) is closed already", "notice_closed"),
    (r"notice (?P<notice>\S+) must be acknowledged first", "notice_not_acknowledged"),
    (r"notice (?P<notice>\S+) is (?P<status>[a-z_]+)", "notice_not_open"),
    (r"(?P<item>\S+) is still red: closing the notice needs.*", "notice_item_still_red"),
    (r"(the record|record (?P<record>\S+)) is (?P<status>[a-z_]+)", "record_not_open"),
    (r"(task or unit )?outside the caller's units", "outside_units"),
    (r"commitment outside the caller's units", "outside_units"),
    (r"not allowed for this role|only an administrator may change this", "role_not_allowed"),
    (r"only callers who see every unit may do this", "city_wide_only"),
    (r"the caller does not act for this lead unit", "not_lead_unit"),
    (r"(a message|the notification) is not addressed to you or your unit",
     "not_addressed_to_you"),
    (r"this Idempotency-Key was used (for other items|with another body or endpoint)",
     "idempotency_key_reused"),
    (r"a request with this Idempotency-Key is still being served", "idempotency_key_busy"),
    (r"outside your units: (?P<unit>.+)", "outside_units"),
    (r"(?P<what>.+) is outside your units", "outside_units"),
    (r"name one of your units with the unit parameter", "unit_parameter_needed"),
    (r"the rules were changed meanwhile; read them again", "rules_changed_meanwhile"),
    (r"no rule differs from the rules in force", "rules_unchanged"),
    (r"a reason is required", "reason_required"),
    (r"at most (?P<limit>[\d,]+) characters", "text_too_long"),
    (r"must not be empty", "required"),
    (r"a date as YYYY-MM-DD", "bad_date"),
    (r"content is not valid base64", "file_unreadable"),
    (r"the file is empty", "file_empty"),
    (r"evidence must be a PDF.*", "file_kind"),
    (r"(evidence )?files are at most (?P<limit>\d+) bytes", "file_too_large"),
    (r"at most (?P<limit>[\d,]+) (reports per batch|tasks per import)", "batch_too_large"),
    (r"the ranking of (?P<period>\S+) is (?P<status>[a-z]+).*", "ranking_frozen"),
    (r"(?P<period>\S+) has not ended; its live standings are shown", "period_not_ended"),
    (r"(?P<period>\S+) has not begun", "period_not_begun"),
    (r"a period like .*", "bad_period"),
    (r"a Monday", "not_a_monday"),
    # marshmallow's words, as the services' schemas refuse a field.
    (r"Missing data for required field\.", "required"),
    (r"Field may not be null\.", "required"),
    (r"Not a valid (number|integer)\.", "not_a_number"),
    (r"Not a valid (date|datetime)\.", "bad_date"),
    (r"Not a valid boolean\.", "not_a_boolean"),
    (r"Unknown field\.", "unknown_field"),
    (r"Must be greater than or equal to (?P<low>[\d.]+) and less than or equal to "
     r"(?P<high>[\d.]+)\.", "out_of_range"),
    (r"Must be one of: (?P<values>.+)\.", "one_of"),
    (r"Length must be between (?P<low>\d+) and (?P<high>\d+)\.", "length"),
    (r"Longer than maximum length (?P<limit>\d+)\.", "text_too_long"),
]

REMOTE_MESSAGES = {
    "task_not_found": "任务 {task} 不存在，请检查任务编号。",
    "unit_not_found": "单位 {unit} 不存在，请检查单位编码。",
    "notice_not_found": "督办单 {notice} 不存在。",
    "commitment_not_found": "承诺 {commitment} 不存在。",
    "instruction_not_found": "批示 {instruction} 不存在。",
    "target_not_found": "任务 {task} 没有第{seq}个目标。",
    "evidence_not_found": "任务 {task} 没有编号为 {evidence} 的佐证资料。",
    "report_not_found": "进度报送 {report} 不存在。",
    "record_not_found": "问责记录 {record} 不存在。",
    "bulletin_not_found": "没有这期专报。",
    "bulletin_issued": "{week}起一周的专报已签发，已签发的专报不再重新生成或签发。",
    "notification_not_found": "没有这条消息。",
    "ranking_not_drafted": "{period} 的排名尚未生成草稿。",
    "task_exists": "任务编号 {task} 已存在，请换一个编号。",
    "task_twice": "任务编号 {task} 在本次导入中出现了两次，请删去重复的一项或换一个编号。",
    "unit_exists": "单位编码 {unit} 已存在，请换一个编码。",
    "task_not_on_clock": "任务 {task} 不是交办事项，没有13710节点。",
    "stage_recorded": "任务 {task} 的“{stage}”节点已经记录过了。",
    "task_not_active": "任务{task}当前状态为“{status}”，不能再办理此项操作。",
    "unit_not_assigned": "单位 {unit} 不是该任务的牵头或配合单位。",
    "percent_lower": ("报送的进度 {percent}% 低于上次报送的 {last}%。进度是累计完成百分比，"
                      "不能倒退；如确需下调，请勾选“更正”并在备注中说明原因。"),
    "correction_needs_note": "更正（下调）进度须在备注中说明原因。",
    "close_needs_100": "任务完成100%后才能销号，目前为 {percent}%。",
    "close_needs_evidence": "销号前请至少上传一份佐证资料。",
    "commitment_not_open": "承诺 {commitment} 当前状态为“{status}”，不能再办理。",
    "notice_closed": "督办单 {notice} 已办结。",
    "notice_not_acknowledged": "请先签收督办单 {notice}，再提交回复。",
    "notice_not_open": "督办单 {notice} 当前状态为“{status}”，不能办理此项操作。",
    "notice_item_still_red": "{item} 仍为红色预警，暂不能办结督办单。",
    "record_not_open": "问责记录{record}当前状态为“{status}”，不能办理此项操作。",
    "outside_units": "超出本账号所属单位的范围。",
    "role_not_allowed": "当前角色无权进行此操作，如需办理请联系督查办。",
    "city_wide_only": "仅督查办和领导可进行此操作。",
    "not_lead_unit": "只有牵头单位或督查办可以办理。",
    "not_addressed_to_you": "这条消息不是发给您或您所在单位的。",
    "idempotency_key_reused": ("这个 Idempotency-Key 已用于另一批内容：内容不同请换一个新的键，"
                               "重发同一批内容请保持内容不变。"),
    "idempotency_key_busy": "使用同一个 Idempotency-Key 的请求仍在处理中，请稍后重试。",
    "unit_parameter_needed": "您的账号对应多个单位，请选择一个单位。",
    "rules_changed_meanwhile": "规则刚被他人修改，请重新打开后再修改。",
    "rules_unchanged": "与现行规则相比没有任何改动。",
    "reason_required": "请填写原因。",
    "text_too_long": "最多 {limit} 个字符，请缩短。",
    "required": "不能为空。",
    "bad_date": "请按 2026-12-31 的格式填写日期。",
    "file_unreadable": "文件内容无法读取，请重新上传。",
    "file_empty": "文件是空的，请重新选择。",
    "file_kind": "佐证资料须为 PDF、图片（PNG、JPEG、GIF）、Word、Excel、PowerPoint 或文本文件。",
    "file_too_large": "文件不能超过 {limit} 字节，请压缩后再上传。",
    "batch_too_large": "一次最多 {limit} 条，请分批提交。",
    "ranking_frozen": "{period} 的排名当前状态为“{status}”，不能办理此项操作。",
    "period_not_ended": "{period} 尚未结束，目前显示的是实时排名。",
    "period_not_begun": "{period} 尚未开始。",
    "bad_period": "评价周期应写作 2026-Q4、2026-H2、2026-11 或 2026。",
    "not_a_monday": "周起始日须为星期一。",
    "not_a_number": "应为数字。",
    "not_a_boolean": "应为“是”或“否”（true 或 false）。",
    "unknown_field": "接口没有这个字段，请删去。",
    "out_of_range": "应在 {low} 到 {high} 之间。",
    "one_of": "只能是 {values} 之一。",
    "length": "长度应在 {low} 到 {high} 个字符之间。",
}

# The services' words for states, as people read them.
STATUS_NAMES = {
    **{key: VALUE_NAMES[key] for key in ("active", "completed", "explained", "cancelled")},
    "closed": "已办结", "open": "待办", "acknowledged": "已签收", "answered": "已回复",
    "fulfilled": "已兑现", "broken": "未兑现", "draft": "草稿", "approved": "已审定",
    "published": "已发布", "live": "实时", "rectified": "已整改", "overdue": "已逾期",
}

SERVICE_NAMES = {"tasks": "任务服务", "warnings": "预警服务", "ranking": "评价排名服务",
                 "notify": "通知服务"}
