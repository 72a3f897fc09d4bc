"""What each audited request did, in the words an office uses.

The audit row keeps the method, the route's template and its parameters, and
the (redacted) request: enough to say "报送了 T2026-0001 的进度 60%" rather than
"POST /api/v1/progress". Every audited route has its phrase here; a test walks
the API's routes so that a new one cannot be left without.
"""
import re
from typing import Any

# The version prefix of every API route (routes/version.py), whichever it is.
VERSION_PREFIX = re.compile(r"^/api/v\d+")

# (method, route template without the /api/v1 prefix) -> a phrase; {name} is
# filled from the route's parameters.
ACTIONS = {
    ("POST", "/auth/token"): "登录",
    ("POST", "/auth/password"): "修改了自己的密码",
    ("POST", "/auth/logout"): "退出登录",
    ("POST", "/users"): "新建用户",
    ("PATCH", "/users/{username}"): "修改了用户 {username}",
    ("POST", "/users/{username}/password-reset"): "重置了用户 {username} 的密码",
    ("POST", "/api-keys"): "新建接口密钥",
    ("POST", "/api-keys/{key_id}/rotate"): "轮换了接口密钥 {key_id}",
    ("DELETE", "/api-keys/{key_id}"): "吊销了接口密钥 {key_id}",
    ("POST", "/units"): "新建单位",
    ("PATCH", "/units/{code}"): "修改了单位 {code}",
    ("POST", "/units/{code}/retire"): "撤销了单位 {code}",
    ("POST", "/units/{code}/merge"): "将单位 {code} 并入另一单位",
    ("POST", "/tasks"): "新建任务",
    ("GET", "/tasks/export.xlsx"): "导出了任务清单（机器格式）",
    ("GET", "/tasks/ledger.xlsx"): "导出了重点任务台账",
    ("PATCH", "/tasks/{code}"): "修改了任务 {code}",
    ("POST", "/tasks/{code}/evidence"): "为任务 {code} 上传了佐证材料",
    ("GET", "/tasks/{code}/evidence/{evidence_id}"): "下载了任务 {code} 的佐证材料",
    ("POST", "/tasks/{code}/close"): "将任务 {code} 销号",
    ("POST", "/tasks/{code}/explain"): "说明了任务 {code} 未完成的原因",
    ("POST", "/tasks/{code}/clock"): "登记了任务 {code} 的“13710”办理环节",
    ("POST", "/tasks/{code}/replan"): "调整了任务 {code} 的计划",
    ("POST", "/tasks/{code}/cancel"): "撤销了任务 {code}",
    ("POST", "/tasks/{code}/extensions"): "延长了任务 {code} 的期限",
    ("POST", "/tasks/{code}/extension-requests"): "申请延长任务 {code} 的期限",
    ("POST", "/extension-requests/{request_id}/decision"): "审批了延期申请 {request_id}",
    ("PUT", "/evidence-rules"): "修改了佐证资料规则",
    ("POST", "/signals/{signal_id}/review"): "核查了数据真实性线索 {signal_id}",
    ("POST", "/progress/with-evidence"): "报送进度并上传佐证材料",
    ("POST", "/commitments"): "作出承诺",
    ("POST", "/commitments/{commitment_id}/fulfil"): "兑现了承诺 {commitment_id}",
    ("POST", "/verifications/{verification_id}/confirm"): "复核确认了事项 {verification_id}",
    ("POST", "/verifications/{verification_id}/return"): "复核退回了事项 {verification_id}",
    ("PUT", "/verification-policy"): "修改了复核抽查规则",
    ("POST", "/progress"): "报送进度",
    ("POST", "/progress/{report_id}/received-at"): "更正了进度报送 {report_id} 的收到时间",
    ("POST", "/imports/tasks"): "导入任务库",
    ("POST", "/tasks/batch"): "批量新建任务",
    ("POST", "/imports/ledger"): "导入重点任务台账",
    ("POST", "/imports/units"): "导入单位及负责人",
    ("POST", "/evaluations"): "重新评价亮灯",
    ("GET", "/rankings/{period}/export"): "导出了 {period} 的排名",
    ("POST", "/rankings/{period}/evaluations"): "提交了 {period} 的评价",
    ("POST", "/rankings/{period}/draft"): "生成了 {period} 的排名草稿",
    ("POST", "/rankings/{period}/approve"): "审定了 {period} 的排名",
    ("POST", "/rankings/{period}/reopen"): "退回重审 {period} 的排名",
    ("POST", "/rankings/{period}/publish"): "发布了 {period} 的排名",
    ("PUT", "/ranking-rules"): "修改了评分规则",
    ("POST", "/inbox/read"): "阅读了站内消息",
    ("POST", "/notifications/{notification_id}/ack"): "确认收到消息 {notification_id}",
    ("PUT", "/routing-rules"): "修改了消息推送规则",
    ("PUT", "/templates/{event_type}/{channel}"): "修改了消息模板",
    ("POST", "/templates/{event_type}/{channel}/preview"): "预览了消息模板",
    ("PUT", "/robots/{unit}/{channel}"): "设置了单位 {unit} 的工作群机器人",
    ("DELETE", "/robots/{unit}/{channel}"): "删除了单位 {unit} 的工作群机器人",
    ("POST", "/bulletins"): "生成每周专报",
    ("GET", "/bulletins/{bulletin_id}.pdf"): "下载了每周专报（PDF）",
    ("GET", "/bulletins/{bulletin_id}.html"): "下载了每周专报（网页）",
    ("GET", "/bulletins/{bulletin_id}.docx"): "下载了每周专报（Word）",
    ("POST", "/bulletins/{bulletin_id}/issue"): "签发了每周专报",
    ("POST", "/admin/parked/{service}/replay"): "重新投递了滞留消息",
    ("POST", "/notices"): "下发督办单",
    ("POST", "/notices/{notice_id}/ack"): "签收了督办单",
    ("POST", "/notices/{notice_id}/answer"): "回复了督办单",
    ("POST", "/notices/{notice_id}/close"): "办结了督办单",
    ("PUT", "/rules"): "修改了预警规则",
    ("PUT", "/calendar/{year}"): "修改了 {year} 年工作日历",
    ("POST", "/calendar/{year}/parse"): "识别了 {year} 年放假通知",
    ("POST", "/calendar/{year}/spreadsheet"): "读取了 {year} 年日历表格",
    ("POST", "/instructions"): "录入领导批示",
    ("PATCH", "/instructions/{instruction_id}"): "更正了批示 {instruction_id}",
    ("POST", "/tasks/{code}/clock/{stage}/feedback"): "反馈了任务 {code} 的批示办理情况",
    ("POST", "/tasks/{code}/messages"): "在任务 {code} 下留言",
    ("POST", "/accountability"): "立案问责",
    ("POST", "/accountability/{record_id}/measures"): "登记了问责措施",
    ("POST", "/accountability/{record_id}/plan"): "提交了整改方案",
    ("POST", "/accountability/{record_id}/close"): "问责结案",
    ("GET", "/accountability/{record_id}/export.docx"): "导出了问责记录",
}


class _Blank(dict):
    """A parameter the row lacks reads as nothing rather than failing."""

    def __missing__(self, key):
        return ""


# A ranking period as the ranking service names it (2026-Q4, 2026-H2, 2026-11,
# 2026) and as people say it; anything else is shown as it came.
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")


def period_words(period: str) -> str:
    match = _PERIOD.match(period or "")
    if not match:
        return period
    year, part = match.groups()
    if part is None:
        return f"{year}年度"
    if part.startswith("Q"):
        return f"{year}年第{'一二三四'[int(part[1]) - 1]}季度"
    if part.startswith("H"):
        return f"{year}年{'上' if part == 'H1' else '下'}半年"
    return f"{year}年{int(part)}月"


def _progress(request: Any) -> str:
    if isinstance(request, dict) and request.get("summary") and "items" in request:
        # A large batch is kept as a summary (audit.request_record): its count.
        return f"报送进度 {request['items']} 条"
    items = request if isinstance(request, list) else []
    items = [item for item in items if isinstance(item, dict)]
    if len(items) == 1:
        item = items[0]
        return f"报送了 {item.get('task', '')} 的进度 {item.get('percent', '')}%"
    return f"报送进度 {len(items)} 条" if items else "报送进度"


def _named(phrase: str, request: Any, key: str, noun: str) -> str:
    value = request.get(key) if isinstance(request, dict) else None
    return f"{phrase}{noun}{value}" if isinstance(value, str) and value else phrase


def describe(method: str, route: str | None, target: dict | None, request: Any) -> str:
    """The Chinese words for one audited request; the method and path themselves
    when the route is unknown (a request that matched none)."""
    template = VERSION_PREFIX.sub("", route) if route else route
    phrase = ACTIONS.get((method, template or ""))
    if phrase is None:
        return f"{method} {route or ''}".strip()
    if (method, template) == ("POST", "/progress"):
        return _progress(request)
    target = dict(target or {})
    if "period" in target:
        target["period"] = period_words(str(target["period"]))
    filled = phrase.format_map(_Blank(target))
    if (method, template) in {("POST", "/tasks"), ("POST", "/units")}:
        return _named(filled, request, "code", " ")
    if (method, template) == ("POST", "/users"):
        return _named(filled, request, "username", " ")
    if (method, template) == ("POST", "/auth/token"):
        # A sign-in has no caller yet: the account it tried is the row's who.
        return _named(filled, request, "username", "，账号 ")
    if (method, template) == ("POST", "/notices"):
        return _named(filled, request, "task", "，任务 ")
    return filled
