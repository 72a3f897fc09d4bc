"""The notify service's rules, as plain functions over plain data (no nameko, no
database), so they are tested with nothing but pytest: who hears what (routing),
what they read (sandboxed templates), when (quiet hours, retries with backoff,
the escalation ladder) and how often (de-duplication, digests)."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from services.common.paging import MAX_LIMIT, page  # noqa: F401 — used as logic.page

from .exceptions import InvalidInput

INBOX, SMS, EMAIL, WEBHOOK = "inbox", "sms", "email", "webhook"
# Group robots of the two office chat platforms: DingTalk (钉钉) and WeCom (企业微信).
DINGTALK, WECOM = "dingtalk", "wecom"
ROBOTS = (DINGTALK, WECOM)
CHANNELS = (INBOX, SMS, EMAIL, WEBHOOK, DINGTALK, WECOM)
OUTGOING = (SMS, EMAIL, WEBHOOK, DINGTALK, WECOM)  # sent through a provider, with retries
# What rings a phone or a whole work group waits out a rule's quiet hours.
QUIET = (SMS, DINGTALK, WECOM)
CHANNEL_NAMES = {INBOX: "站内消息", SMS: "短信", EMAIL: "电子邮件", WEBHOOK: "外部系统推送",
                 DINGTALK: "钉钉群机器人", WECOM: "企业微信群机器人"}

OPERATOR, HEAD, OFFICE, LEADERS = "operator", "head", "office", "leaders"
ROLES = (OPERATOR, HEAD, OFFICE, LEADERS, WEBHOOK)
ROLE_NAMES = {OPERATOR: "联络员", HEAD: "主要负责人", OFFICE: "督查办", LEADERS: "领导",
              WEBHOOK: "外部系统"}
# The escalation ladder: who hears about an unacknowledged item at each level.
LADDER = (OPERATOR, HEAD, OFFICE)
# Why a ladder stopped (its stopped_reason), a code the portal words in Chinese:
# turned_green or turned_yellow (its task left red), acknowledged (a message about
# it was acted on, or its notice signed for), or its notice's next step or its
# task's end: answered, closed, explained, cancelled.
TURNED_GREEN, TURNED_YELLOW, ACKNOWLEDGED = "turned_green", "turned_yellow", "acknowledged"

PENDING, SENDING, SENT, DELIVERED, FAILED = "pending", "sending", "sent", "delivered", "failed"
# A colour warning held back (settling, or a new task's first judgement) whose item
# changed colour before it went out: kept in the log, never sent.
DROPPED = "dropped"
STATUSES = (PENDING, SENDING, SENT, DELIVERED, FAILED, DROPPED)
GREEN, YELLOW, RED = "green", "yellow", "red"
COLOURS = (GREEN, YELLOW, RED)
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
COLOUR_NAMES = {GREEN: "绿色", YELLOW: "黄色", RED: "红色"}
# Why a held warning was dropped (dropped_reason): the item got better, or worse
# (a newer warning of the worse colour speaks for it).
RECOVERED, SUPERSEDED = "recovered", "superseded"

COLOUR_CHANGED = "colour_changed"
NOTICE_ISSUED = "notice_issued"
NOTICE_OVERDUE = "notice_overdue"
ESCALATION = "escalation"
DIGEST = "digest"
BULLETIN = "bulletin_published"
RANKING_PUBLISHED = "ranking_published"
TASK_MESSAGE = "task_message_posted"
# Reminders before a deadline (see reminders.py), one event type per kind of
# deadline, so that each has its own rules (N, channels) and templates.
REMIND_TARGET = "reminder_target"  # a task's target falls due
REMIND_REPORT = "reminder_report"  # the month's progress report is due
REMIND_ACK = "reminder_notice_ack"  # a notice (督办单) must be acknowledged
REMIND_ANSWER = "reminder_notice_answer"  # a notice must be answered
REMIND_STAGE = "reminder_stage"  # a 13710 stage must be recorded
REMINDERS = (REMIND_TARGET, REMIND_REPORT, REMIND_ACK, REMIND_ANSWER, REMIND_STAGE)
# Working days before the deadline a reminder goes out, when a rule says nothing.
DEFAULT_DAYS_BEFORE = {REMIND_TARGET: 3, REMIND_REPORT: 2, REMIND_ACK: 1, REMIND_ANSWER: 1,
                       REMIND_STAGE: 1}
MAX_DAYS_BEFORE = 30
# A task not red that its forecast says will be red within the warning rules'
# forecast_red_days (the warnings service's forecast_turned_red): early enough to act.
FORECAST_TURNED_RED = "forecast_turned_red"
EVENT_TYPES = (COLOUR_CHANGED, NOTICE_ISSUED, NOTICE_OVERDUE, ESCALATION, DIGEST, BULLETIN,
               RANKING_PUBLISHED, TASK_MESSAGE, *REMINDERS, FORECAST_TURNED_RED)

DEFAULT_QUIET_HOURS = "22:00-08:00"

FORECAST_RULE = {"event_type": FORECAST_TURNED_RED, "colour": None, "unit": None,
                 "role": OPERATOR, "channels": [SMS, INBOX],
                 "quiet_hours": DEFAULT_QUIET_HOURS}

DEFAULT_RULES = [
    {"event_type": COLOUR_CHANGED, "colour": RED, "unit": None, "role": OPERATOR,
     "channels": [SMS, EMAIL, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS},
    {"event_type": NOTICE_ISSUED, "colour": None, "unit": None, "role": HEAD,
     "channels": [SMS, EMAIL, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS},
    {"event_type": NOTICE_OVERDUE, "colour": None, "unit": None, "role": HEAD,
     "channels": [SMS, EMAIL, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS},
    {"event_type": ESCALATION, "colour": None, "unit": None, "role": HEAD,
     "channels": [SMS, EMAIL, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS},
    {"event_type": ESCALATION, "colour": None, "unit": None, "role": OFFICE,
     "channels": [SMS, EMAIL, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS},
    {"event_type": BULLETIN, "colour": None, "unit": None, "role": LEADERS,
     "channels": [EMAIL, INBOX], "quiet_hours": None},
    {"event_type": RANKING_PUBLISHED, "colour": None, "unit": None, "role": LEADERS,
     "channels": [EMAIL, INBOX], "quiet_hours": None},
    # A message on a task's thread: the office's to the task's units (their
    # operators), a unit's to the office.
    {"event_type": TASK_MESSAGE, "colour": None, "unit": None, "role": OPERATOR,
     "channels": [INBOX], "quiet_hours": None},
    {"event_type": TASK_MESSAGE, "colour": None, "unit": None, "role": OFFICE,
     "channels": [INBOX], "quiet_hours": None},
    # Reminders: the unit's operator for what it reports, the head for notices.
    {"event_type": REMIND_TARGET, "colour": None, "unit": None, "role": OPERATOR,
     "channels": [SMS, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS,
     "days_before": DEFAULT_DAYS_BEFORE[REMIND_TARGET]},
    {"event_type": REMIND_REPORT, "colour": None, "unit": None, "role": OPERATOR,
     "channels": [SMS, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS,
     "days_before": DEFAULT_DAYS_BEFORE[REMIND_REPORT]},
    {"event_type": REMIND_ACK, "colour": None, "unit": None, "role": HEAD,
     "channels": [SMS, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS,
     "days_before": DEFAULT_DAYS_BEFORE[REMIND_ACK]},
    {"event_type": REMIND_ANSWER, "colour": None, "unit": None, "role": HEAD,
     "channels": [SMS, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS,
     "days_before": DEFAULT_DAYS_BEFORE[REMIND_ANSWER]},
    {"event_type": REMIND_STAGE, "colour": None, "unit": None, "role": OPERATOR,
     "channels": [SMS, INBOX], "quiet_hours": DEFAULT_QUIET_HOURS,
     "days_before": DEFAULT_DAYS_BEFORE[REMIND_STAGE]},
    # A forecast red: the unit's operator, who reports the progress, hears it first.
    FORECAST_RULE,
]

# Subject and body of each event type; `sms` is the short body of a text message
# (it has no subject). Every channel of an event type starts from these. They
# name a task by its title and a day by its Chinese words (`..._words`); the
# codes and ISO dates stay in the context for templates an office wrote with them.
_DEFAULTS = {
    COLOUR_CHANGED: {
        "subject": "红色预警：「{{ title }}」",
        "body": "{{ unit_name }}：截至{{ as_of_words }}，你单位牵头的「{{ title }}」"
                "已亮红灯（严重延期）。原因：{{ reason }}。请尽快研究整改措施并报送进展。",
        "sms": "【落实】{{ unit_name }}：「{{ title }}」已亮红灯（严重延期），原因：{{ reason }}。"
               "请尽快整改并报送进展。",
    },
    FORECAST_TURNED_RED: {
        "subject": "预测预警：「{{ title }}」按当前进度将亮红灯",
        "body": "{{ unit_name }}：截至{{ as_of_words }}，你单位牵头的「{{ title }}」目前为"
                "{{ colour_name }}。按当前进度，{{ pace_words }}，预计{{ red_on_words }}起亮红灯，"
                "请及早研究措施、加快推进并如实报送进展。",
        "sms": "【落实】{{ unit_name }}：「{{ title }}」按当前进度{{ pace_words }}，"
               "预计{{ red_on_words }}起亮红灯，请及早加快推进。",
    },
    NOTICE_ISSUED: {
        "subject": "督办单 {{ number }}：「{{ title }}」",
        "body": "{{ unit_name }}：督查办就「{{ title }}」向你单位下发督办单"
                " {{ number }}。事由：{{ reason }}。"
                "请于{{ ack_due_words }}前签收，{{ answer_due_words }}前报送整改方案。",
        "sms": "【落实】{{ unit_name }}：督办单 {{ number }}（「{{ title }}」）已下发，"
               "请于{{ ack_due_words }}前签收，{{ answer_due_words }}前报送整改方案。",
    },
    NOTICE_OVERDUE: {
        "subject": "督办单 {{ number }} 已逾期{{ stage_name }}",
        "body": "{{ unit_name }}：督办单 {{ number }}（「{{ title }}」）已逾期"
                "{{ stage_name }}，请立即办理。",
        "sms": "【落实】{{ unit_name }}：督办单 {{ number }}（「{{ title }}」）已逾期"
               "{{ stage_name }}，请立即办理。",
    },
    ESCALATION: {
        "subject": "升级提醒：{{ label }} 未响应",
        "body": "{{ recipient_name }}：{{ unit_name }} 的{{ label }}自{{ since_words }}起未获响应，"
                "已升级至{{ role_name }}（第 {{ level }} 级）。请督促办理。",
        "sms": "【落实】{{ unit_name }} 的{{ label }}自{{ since_words }}起未获响应，"
               "已升级至{{ role_name }}，请督促办理。",
    },
    DIGEST: {
        "subject": "落实提醒汇总：共 {{ count }} 条",
        "body": "{{ recipient_name }}：本次共有 {{ count }} 条提醒：\n"
                "{% for item in items %}{{ loop.index }}. {{ item }}\n{% endfor %}"
                "详情请登录落实平台查看。",
        "sms": "【落实】{{ recipient_name }}：本次共有 {{ count }} 条提醒（{{ items[0] }} 等），"
               "详情请登录落实平台查看。",
    },
    BULLETIN: {
        "subject": "落实事项专报（{{ week_start_words }}至{{ week_end_words }}）",
        "body": "{{ recipient_name }}：本周落实事项专报已生成：新增红色预警 {{ red }} 项，"
                "督办单逾期 {{ overdue }} 件，办结 {{ closed }} 项。详见附件或平台“专报”栏目。",
        "sms": "【落实】本周落实事项专报已生成：新增红色预警 {{ red }} 项，"
               "督办单逾期 {{ overdue }} 件，办结 {{ closed }} 项。",
    },
    RANKING_PUBLISHED: {
        "subject": "{{ period_label }}评价排队结果已发布",
        "body": "{{ recipient_name }}：{{ period_label }}评价排队结果已审定发布。"
                "{% for group in groups %}{{ group.label }}：红榜 {{ group.red or '无' }}；"
                "黑榜 {{ group.black or '无' }}。{% endfor %}详见平台“评价排队”栏目。",
        "sms": "【落实】{{ period_label }}评价排队结果已发布，详见落实平台。",
    },
    TASK_MESSAGE: {
        "subject": "「{{ title }}」有新留言（{{ author_name }}，{{ side_name }}）",
        "body": "{{ recipient_name }}：{{ author_name }}（{{ side_name }}"
                "{% if author_unit_name %} {{ author_unit_name }}{% endif %}）"
                "于{{ posted_at_words }}在「{{ title }}」留言：{{ excerpt }}。"
                "请登录落实平台查看并回复。",
        "sms": "【落实】{{ author_name }}（{{ side_name }}"
               "{% if author_unit_name %} {{ author_unit_name }}{% endif %}）"
               "在「{{ title }}」留言：{{ excerpt }}。请登录平台回复。",
    },
    REMIND_TARGET: {
        "subject": "落实提醒：「{{ title }}」第{{ seq }}个目标{{ due_words }}到期",
        "body": "【落实提醒】{{ unit_name }}：你单位牵头的「{{ title }}」第{{ seq }}个目标"
                "将于{{ due_words }}到期（{{ left_words }}），请按时报送进展。",
        "sms": "【落实提醒】{{ unit_name }}：你单位牵头的「{{ title }}」第{{ seq }}个目标"
               "将于{{ due_words }}到期（{{ left_words }}），请按时报送进展。",
    },
    REMIND_REPORT: {
        "subject": "落实提醒：{{ month_words }}进展请于{{ due_words }}前报送",
        "body": "【落实提醒】{{ unit_name }}：{{ month_words }}工作进展应于{{ due_words }}"
                "（本月第{{ nth }}个工作日）前报送（{{ left_words }}），你单位牵头的"
                "{{ pending }}项任务尚未报送，请按时报送。",
        "sms": "【落实提醒】{{ unit_name }}：{{ month_words }}工作进展应于{{ due_words }}前报送"
               "（{{ left_words }}），尚有{{ pending }}项任务未报送。",
    },
    REMIND_ACK: {
        "subject": "落实提醒：督办单{{ number }}请于{{ due_words }}前签收",
        "body": "【落实提醒】{{ unit_name }}：督办单{{ number }}（「{{ title }}」）应于"
                "{{ due_words }}前签收（{{ left_words }}），请及时签收。",
        "sms": "【落实提醒】{{ unit_name }}：督办单{{ number }}应于{{ due_words }}前签收"
               "（{{ left_words }}）。",
    },
    REMIND_ANSWER: {
        "subject": "落实提醒：督办单{{ number }}请于{{ due_words }}前报送整改方案",
        "body": "【落实提醒】{{ unit_name }}：督办单{{ number }}（「{{ title }}」）应于"
                "{{ due_words }}前报送整改方案（{{ left_words }}），请按时报送。",
        "sms": "【落实提醒】{{ unit_name }}：督办单{{ number }}应于{{ due_words }}前报送整改方案"
               "（{{ left_words }}）。",
    },
    REMIND_STAGE: {
        "subject": "落实提醒：「{{ title }}」“{{ stage_name }}”{{ due_words }}到期",
        "body": "【落实提醒】{{ unit_name }}：你单位牵头的「{{ title }}」（13710）"
                "“{{ stage_name }}”应于{{ due_words }}前完成（{{ left_words }}），"
                "请按时办理并录入。",
        "sms": "【落实提醒】{{ unit_name }}：「{{ title }}」“{{ stage_name }}”应于{{ due_words }}"
               "前完成（{{ left_words }}）。",
    },
}

DEFAULT_TEMPLATES = {
    (event_type, channel): {
        "subject": "" if channel == SMS else texts["subject"],
        "body": texts["sms"] if channel == SMS else texts["body"],
    }
    for event_type, texts in _DEFAULTS.items() for channel in CHANNELS
}

# What each event type's templates may use; set_template renders with these.
SAMPLE_CONTEXTS = {
    COLOUR_CHANGED: {"unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设",
                     "colour": RED, "colour_name": "红灯",
                     "reason": "计划进度60%，实际20%", "as_of": "2026-11-03",
                     "as_of_words": "2026年11月3日",
                     "recipient_name": "李四", "role_name": "联络员"},
    NOTICE_ISSUED: {"unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设",
                    "number": "督〔2026〕1号",
                    "reason": "连续两月严重延期", "ack_due": "2026-11-05",
                    "answer_due": "2026-11-12", "issued_at": "2026-11-03",
                    "ack_due_words": "2026年11月5日", "answer_due_words": "2026年11月12日",
                    "issued_at_words": "2026年11月3日",
                    "recipient_name": "张三", "role_name": "主要负责人"},
    NOTICE_OVERDUE: {"unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设",
                     "number": "督〔2026〕1号",
                     "stage": "ack", "stage_name": "签收", "colour": RED,
                     "recipient_name": "张三", "role_name": "主要负责人"},
    ESCALATION: {"unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设",
                 "label": "「产业园区建设」红色预警",
                 "since": "2026-11-03", "since_words": "2026年11月3日", "level": 1,
                 "role_name": "主要负责人",
                 "recipient_name": "张三"},
    DIGEST: {"count": 2, "items": ["红色预警：「产业园区建设」", "红色预警：「老旧小区改造」"],
             "recipient_name": "李四", "role_name": "联络员", "unit_name": "袁州区"},
    RANKING_PUBLISHED: {"period": "2026-Q3", "period_label": "2026年第三季度",
                        "groups": [{"label": "县（市、区）", "red": "袁州区、樟树市",
                                    "black": "上高县"}],
                        "recipient_name": "王市长", "role_name": "领导", "unit_name": "领导"},
    TASK_MESSAGE: {"task": "T2026-0001", "title": "产业园区建设", "author": "office1",
                   "author_name": "李督查", "author_unit_name": "", "side_name": "督查办",
                   "excerpt": "请于本周五前补充佐证材料",
                   "posted_at": "2026-11-03 10:30", "posted_at_words": "2026年11月3日 10:30",
                   "recipient_name": "袁州区",
                   "role_name": "联络员", "unit_name": "袁州区"},
    BULLETIN: {"week_start": "2026-11-02", "week_end": "2026-11-08",
               "week_start_words": "2026年11月2日", "week_end_words": "2026年11月8日",
               "red": 3, "overdue": 1,
               "closed": 2, "recipient_name": "王市长", "role_name": "领导",
               "unit_name": "领导"},
}
SAMPLE_CONTEXTS[FORECAST_TURNED_RED] = {
    "unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设", "as_of": "2027-03-01",
    "as_of_words": "2027年3月1日", "colour": YELLOW,
    "colour_name": "黄灯", "red_on": "2027-03-12", "red_on_words": "2027年3月12日",
    "due": "2027-03-31", "due_words": "2027年3月31日",
    "pace_words": "预计2027年3月31日仅达62%（计划100%）",
    "words": "按当前进度，预计2027年3月31日仅达62%（计划100%），将亮红灯",
    "recipient_name": "李四", "role_name": "联络员"}
_REMINDER_SAMPLE = {"unit_name": "袁州区", "task": "T2026-0001", "title": "产业园区建设",
                    "due": "2027-03-31", "due_words": "2027年3月31日", "days_left": 3,
                    "left_words": "还有3个工作日", "recipient_name": "李四",
                    "role_name": "联络员"}
SAMPLE_CONTEXTS.update({
    REMIND_TARGET: {**_REMINDER_SAMPLE, "seq": 3},
    REMIND_REPORT: {**_REMINDER_SAMPLE, "task": None, "title": "", "month_words": "2027年2月",
                    "nth": 5, "pending": 2},
    REMIND_ACK: {**_REMINDER_SAMPLE, "number": "督〔2027〕1号"},
    REMIND_ANSWER: {**_REMINDER_SAMPLE, "number": "督〔2027〕1号"},
    REMIND_STAGE: {**_REMINDER_SAMPLE, "stage": "first_feedback", "stage_name": "首次反馈"},
})

# What each variable of SAMPLE_CONTEXTS stands for, as the office's template editor
# names it: the editor inserts `{{ name }}` and shows these words.
VARIABLE_NAMES = {
    "unit_name": "单位名称", "task": "任务编号", "title": "任务名称", "colour": "颜色（代码）",
    "colour_name": "颜色", "reason": "亮灯原因", "as_of": "评价日期",
    "recipient_name": "收件人姓名", "role_name": "收件人身份", "number": "督办单编号",
    "ack_due": "签收期限", "answer_due": "整改方案期限", "issued_at": "下发日期",
    "stage": "环节（代码）", "stage_name": "环节", "label": "提醒事项", "since": "起始日期",
    "level": "提醒级别", "count": "条数", "items": "事项列表", "period": "考核周期（代码）",
    "period_label": "考核周期", "groups": "各组红黑榜", "author": "留言人（账号）",
    "author_name": "留言人", "author_unit_name": "留言单位", "side_name": "留言方",
    "excerpt": "留言摘要", "posted_at": "留言时间",
    "week_start": "本周起", "week_end": "本周止", "red": "红灯数", "overdue": "超期督办单数",
    "closed": "办结数", "red_on": "预计转红日期", "due": "到期日", "words": "预测说明",
    "as_of_words": "评价日期（中文）", "ack_due_words": "签收期限（中文）",
    "answer_due_words": "整改方案期限（中文）", "issued_at_words": "下发日期（中文）",
    "since_words": "起始日期（中文）", "posted_at_words": "留言时间（中文）",
    "week_start_words": "本周起（中文）", "week_end_words": "本周止（中文）",
    "red_on_words": "预计转红日期（中文）", "pace_words": "预测进度（中文）",
    "due_words": "到期日（中文）", "days_left": "剩余工作日", "left_words": "剩余时间（中文）",
    "seq": "目标序号", "month_words": "月份", "nth": "报送日（第几个工作日）",
    "pending": "未报送任务数",
}


def preview_template(event_type, channel, subject, body):
    """{subject, body} of a template as a message would read, filled with its event
    type's sample (SAMPLE_CONTEXTS); InvalidInput as validate_template."""
    template = validate_template(event_type, channel, subject, body)
    sample = SAMPLE_CONTEXTS[event_type]
    return {"subject": render(template["subject"], sample),
            "body": render(template["body"], sample)}


def preview_or_none(event_type, channel, template):
    """The preview of a stored template; None for one that no longer renders (a
    template stored before its variables changed), which the office then edits."""
    try:
        return preview_template(event_type, channel, template["subject"], template["body"])
    except InvalidInput:
        return None


# What one template may make: a string or list repeated past this many items,
# and a range past this many numbers, are refused, so that `{{ 'x' * 10**9 }}`
# or nested loops over huge ranges cannot exhaust the service.
MAX_TEMPLATE_ITEMS = 10_000
MAX_TEMPLATE_RANGE = 1_000


def _bounded_range(*args):
    numbers = range(*args)
    if len(numbers) > MAX_TEMPLATE_RANGE:
        raise SecurityError(f"a range in a template has at most {MAX_TEMPLATE_RANGE} numbers")
    return numbers


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox with its operators watched: powers are refused, and a
    repetition (`*`) may not make more than MAX_TEMPLATE_ITEMS items.
    Intercepted operators are also never folded at compile time."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("powers are not allowed in templates")
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                    and len(sequence) * count > MAX_TEMPLATE_ITEMS:
                raise SecurityError(f"a template may repeat at most {MAX_TEMPLATE_ITEMS} items")
        return super().call_binop(context, operator, left, right)


# Templates are written by office staff through the API: the sandbox refuses
# attribute tricks (`{{ ''.__class__ }}`), powers and huge repetitions or
# ranges, and StrictUndefined turns a refused or misspelt name into an error
# instead of an empty string.
_ENV = _BoundedSandbox(undefined=StrictUndefined, autoescape=False)
_ENV.globals["range"] = _bounded_range
_COMPILED = {}


def render(source, context):
    """`source` (a Jinja2 template) rendered with `context`; raises TemplateError
    (SecurityError included) when it cannot."""
    template = _COMPILED.get(source)
    if template is None:
        template = _COMPILED[source] = _ENV.from_string(source)
    return template.render(context)


def validate_template(event_type, channel, subject, body):
    """The template as stored: {event_type, channel, subject, body}. InvalidInput
    unless both parts render with the event type's sample context."""
    if event_type not in _DEFAULTS:
        raise InvalidInput({"event_type": f"one of {', '.join(_DEFAULTS)}"})
    if channel not in CHANNELS:
        raise InvalidInput({"channel": f"one of {', '.join(CHANNELS)}"})
    subject, body = subject or "", body or ""
    if not body.strip():
        raise InvalidInput({"body": "a template needs a body"})
    if channel in ROBOTS and not subject.strip():
        # The subject is the robot message's heading and DingTalk's title.
        raise InvalidInput({"subject": f"a {channel} message needs a subject: it is the "
                                       "heading the group reads first"})
    if len(subject) > 200 or len(body) > 20000:
        raise InvalidInput({"body": "subject at most 200 characters, body at most 20000"})
    for field, source in (("subject", subject), ("body", body)):
        try:
            rendered = render(source, SAMPLE_CONTEXTS[event_type])
        except TemplateError as error:
            raise InvalidInput({field: f"does not render: {error}"}) from None
        if field == "subject" and len(rendered) > 200:
            raise InvalidInput({"subject": "renders longer than 200 characters"})
    return {"event_type": event_type, "channel": channel, "subject": subject, "body": body}


def parse_quiet_hours(window):
    """(start, end) times of "HH:MM-HH:MM", or None for None / ""."""
    if not window:
        return None
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in window.split("-"))
    except ValueError:
        raise InvalidInput({"quiet_hours": "HH:MM-HH:MM, e.g. 22:00-08:00"}) from None
    return start, end


def release_time(local_now, window):
    """The first moment at or after `local_now` (aware, local) outside the quiet
    hours `window`; `local_now` itself when it is outside them."""
    bounds = parse_quiet_hours(window)
    if not bounds or bounds[0] == bounds[1]:
        return local_now
    start, end = bounds
    now = local_now.timetz().replace(tzinfo=None)
    if start < end:  # a window within one day, e.g. 12:00-14:00
        if start <= now < end:
            return local_now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        return local_now
    if now >= start:  # late evening: released tomorrow morning
        tomorrow = local_now + dt.timedelta(days=1)
        return tomorrow.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if now < end:  # early morning: released this morning
        return local_now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return local_now


def to_utc(local):
    """A naive UTC datetime (as the tables keep them) of an aware one."""
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def validate_rules(rules):
    """The routing rules as stored, in order. InvalidInput naming the rule and
    field when one is wrong."""
    if not isinstance(rules, list) or len(rules) > 500:
        raise InvalidInput({"rules": "a list of at most 500 rules"})
    clean = []
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict):
            raise InvalidInput({where: "a rule is an object"})
        event_type, role = rule.get("event_type"), rule.get("role")
        channels = rule.get("channels")
        if event_type not in EVENT_TYPES or event_type == DIGEST:
            raise InvalidInput({f"{where}.event_type": "an event type notify routes: "
                                + ", ".join(t for t in EVENT_TYPES if t != DIGEST)})
        if role not in ROLES:
            raise InvalidInput({f"{where}.role": f"one of {', '.join(ROLES)}"})
        if not isinstance(channels, list) or not channels:
            raise InvalidInput({f"{where}.channels": f"a list of {', '.join(CHANNELS)}"})
        unknown = [channel for channel in channels if channel not in CHANNELS]
        if unknown:
            raise InvalidInput({f"{where}.channels": f"unknown channel {unknown[0]!r}: "
                                f"a list of {', '.join(CHANNELS)}"})
        if role == WEBHOOK and channels != [WEBHOOK]:
            raise InvalidInput({f"{where}.channels": "the webhook role hears on webhooks only"})
        robots = [channel for channel in channels if channel in ROBOTS]
        if role == LEADERS and robots:
            raise InvalidInput({f"{where}.channels": (
                f"the leaders have no group robot ({robots[0]}): a robot is a unit's or the "
                "office's work group; name the operator, head or office role")})
        colour = rule.get("colour")
        if colour is not None and colour not in COLOURS and event_type != NOTICE_OVERDUE:
            raise InvalidInput({f"{where}.colour": f"one of {', '.join(COLOURS)} or null"})
        quiet = rule.get("quiet_hours", DEFAULT_QUIET_HOURS)
        parse_quiet_hours(quiet)
        clean.append({"position": index, "event_type": event_type, "colour": colour,
                      "unit": rule.get("unit") or None, "role": role,
                      "channels": list(dict.fromkeys(channels)),
                      "quiet_hours": quiet or None, "enabled": bool(rule.get("enabled", True)),
                      "days_before": _days_before(event_type, rule.get("days_before"),
                                                  f"{where}.days_before")})
    return clean


def _days_before(event_type, days, where):
    """A reminder rule's N (working days before the deadline), its kind's default
    when not given; None for any other rule, which has no deadline."""
    if event_type not in REMINDERS:
        if days is not None:
            raise InvalidInput({where: "only a reminder rule has days before its deadline"})
        return None
    if days is None:
        return DEFAULT_DAYS_BEFORE[event_type]
    if isinstance(days, bool) or not isinstance(days, int) \
            or not 0 <= days <= MAX_DAYS_BEFORE:
        raise InvalidInput({where: f"working days before the deadline, 0–{MAX_DAYS_BEFORE}"})
    return days


def matching_rules(rules, event_type, colour, unit, role=None):
    """The enabled rules, in order, for an occurrence of `event_type` (and, for an
    escalation step, the ladder's `role`)."""
    return [rule for rule in rules
            if rule["enabled"] and rule["event_type"] == event_type
            and rule["colour"] in (None, colour) and rule["unit"] in (None, unit)
            and (role is None or rule["role"] == role)]


def office_unit(contacts, configured=None):
    """The supervision office's unit code: the configured one, else the first
    known unit of kind office."""
    if configured:
        return configured
    offices = sorted(code for code, row in contacts.items() if row.get("kind") == "office")
    return offices[0] if offices else None


def addresses(role, channel, unit, directory):
    """[(recipient, name)] that `role` of `unit` has on `channel`. directory:
    {"contacts": {code: {name, head, operator, kind}}, "office": code|None,
    "leaders": [{name, phone, email, user}], "webhooks": [url], "robots": {channel:
    {unit codes with a group robot}}, "office_robots": {channels of the office-wide
    robot}}. A role with no phone or e-mail on record is simply not reached on that
    channel. A group robot speaks to a unit's work group, where its operator and
    head both read: the recipient is `unit:<code>`, or `office` for the office-wide
    robot of the settings (which the office role hears before the office unit's own)."""
    if role == WEBHOOK:
        return [(url, "webhook") for url in directory["webhooks"]] if channel == WEBHOOK else []
    if channel in ROBOTS:
        return robot_addresses(role, channel, unit, directory)
    if role == LEADERS:
        field = {SMS: "phone", EMAIL: "email", INBOX: "user"}.get(channel)
        return [(leader[field], leader.get("name") or leader[field])
                for leader in directory["leaders"] if field and leader.get(field)]
    if channel == WEBHOOK:
        return []
    code = directory["office"] if role == OFFICE else unit
    row = directory["contacts"].get(code) if code else None
    if channel == INBOX:
        return [(code, row["name"] if row else code)] if code else []
    if row is None:
        return []
    people = [row.get(OPERATOR), row.get(HEAD)] if role == OFFICE else [row.get(role)]
    person = next((p for p in people if p and p.get("phone" if channel == SMS else "email")),
                  None)
    if person is None:
        return []
    return [(person["phone" if channel == SMS else "email"], person.get("name") or row["name"])]


OFFICE_GROUP = "office"  # the recipient of the office-wide robot of the settings


def robot_addresses(role, channel, unit, directory):
    """[(recipient, name)] of the work group `role` of `unit` is reached in through
    the `channel` robot: the unit's group for its operator and head, the
    office-wide robot (else the office unit's group) for the office; nothing for
    the leaders, who are reached one by one, or for a unit with no robot."""
    if role in (WEBHOOK, LEADERS):
        return []
    if role == OFFICE:
        if channel in directory.get("office_robots", ()):
            return [(OFFICE_GROUP, ROLE_NAMES[OFFICE])]
        code = directory["office"]
    else:
        code = unit
    if not code or code not in directory.get("robots", {}).get(channel, ()):
        return []
    row = directory["contacts"].get(code)
    return [(f"unit:{code}", row["name"] if row else code)]


def with_titles(occurrences, titles):
    """`occurrences` with each task's title in its context (`title`) for the
    templates, which name a task by its title: the title in `titles` ({code:
    title}, as notify last heard it), else the one the context brings, else the
    code (a task notify has not heard of yet)."""
    answer = []
    for occurrence in occurrences:
        task = occurrence.get("task")
        if not task:
            answer.append(occurrence)
            continue
        context = occurrence["context"]
        title = titles.get(task) or context.get("title") or task
        answer.append({**occurrence, "context": {**context, "title": title}})
    return answer


def plan_messages(occurrences, rules, templates, directory, event_id, now, role=None):
    """The notifications for `occurrences` of one event: one per (occurrence,
    channel, recipient) the matching rules name. An occurrence is {event_type,
    item, unit, task, colour, as_of, level?, context}; templates {(event_type,
    channel): {subject, body}}; now a naive UTC datetime. Answers rows ready for
    the notifications table plus their `dedup_key`; inbox rows are delivered,
    the others pending."""
    rows = []
    for occurrence in occurrences:
        seen = set()
        for rule in matching_rules(rules, occurrence["event_type"], occurrence.get("colour"),
                                   occurrence["unit"], role):
            for channel in rule["channels"]:
                for recipient, name in addresses(rule["role"], channel, occurrence["unit"],
                                                 directory):
                    if (channel, recipient) in seen:
                        continue
                    seen.add((channel, recipient))
                    context = {**occurrence["context"], "recipient_name": name,
                               "role_name": ROLE_NAMES[rule["role"]]}
                    template = templates[(occurrence["event_type"], channel)]
                    rows.append(message_row(
                        occurrence, channel, recipient, rule, event_id, now,
                        render(template["subject"], context)[:200],
                        render(template["body"], context)))
    return rows


def message_row(occurrence, channel, recipient, rule, event_id, now, subject, body):
    """A notification row; an occurrence with a `not_before` (naive UTC) is held
    until then on every channel, the inbox included (a held message is nobody's
    news yet)."""
    marker = occurrence.get("colour") or occurrence["event_type"]
    held = occurrence.get("not_before")
    return {
        "channel": channel, "recipient": recipient, "unit": occurrence["unit"],
        "task": occurrence.get("task"), "colour": occurrence.get("colour"),
        "as_of": occurrence.get("as_of"), "subject": subject, "body": body,
        "status": DELIVERED if channel == INBOX and not held else PENDING,
        "event_id": event_id,
        "created_at": now, "event_type": occurrence["event_type"],
        "item": occurrence.get("item"), "role": rule["role"], "level": occurrence.get("level"),
        "items": None, "members": None, "bulletin_id": occurrence.get("bulletin_id"),
        "quiet_hours": rule["quiet_hours"] if channel in QUIET else None,
        "attempts": 0, "next_attempt_at": held or (None if channel == INBOX else now),
        "dedup_key": dedup_key(occurrence.get("item"), marker, channel, recipient),
    }


def dedup_key(item, colour, channel, recipient):
    """What makes two messages "the same" for the de-duplication window."""
    return f"{item}|{colour}|{channel}|{recipient}"[:300]


def drop_duplicates(rows, recent_keys):
    """The rows whose dedup_key was not heard within the window (recent_keys),
    each key once."""
    kept, seen = [], set(recent_keys)
    for row in rows:
        if row["dedup_key"] in seen:
            continue
        seen.add(row["dedup_key"])
        kept.append(row)
    return kept


def digest(rows, threshold, templates, names, event_id, now):
    """Rows with every outgoing (channel, recipient) that would receive more than
    `threshold` messages due at the same moment replaced by one digest listing
    their subjects; inbox rows are kept one per item (each can be read and
    acknowledged). A digest keeps the dedup keys of the messages it stands for
    (`members`), so that one whose item recovers while it is held can leave it.
    names: {recipient: name}."""
    groups = {}
    for row in rows:
        if row["channel"] in OUTGOING and not row.get("bulletin_id"):
            key = (row["channel"], row["recipient"], row["next_attempt_at"] or now)
            groups.setdefault(key, []).append(row)
    folded = {key for key, group in groups.items() if len(group) > threshold}
    if not folded:
        return rows
    answer = [row for row in rows
              if (row["channel"], row["recipient"], row["next_attempt_at"] or now) not in folded]
    for key in sorted(folded):
        group = groups[key]
        first = group[0]
        subjects = [row["subject"] or row["body"][:60] for row in group]
        answer.append({
            **first, **digest_text(templates, first["channel"], first["recipient"], subjects,
                                   names, first["role"], first["unit"]),
            "event_type": DIGEST, "item": None, "task": None, "colour": None, "level": None,
            "items": subjects, "members": [row["dedup_key"] for row in group],
            "created_at": now, "event_id": event_id, "dedup_key": None,
        })
    return answer


def digest_text(templates, channel, recipient, subjects, names, role, unit):
    """{subject, body} of a digest of `subjects` to `recipient`."""
    context = {"count": len(subjects), "items": subjects,
               "recipient_name": names.get(recipient, recipient),
               "role_name": ROLE_NAMES.get(role, ""), "unit_name": unit}
    template = templates[(DIGEST, channel)]
    return {"subject": render(template["subject"], context)[:200],
            "body": render(template["body"], context)}


# Settling ----------------------------------------------------------------------------

def not_before(turn, as_of, local_now, settle_minutes):
    """When a warning of a task's colour turn (a colour_changed change) may first
    reach people, as an aware local moment, or None for at once:
    - a turn to red settles for `settle_minutes`: a bulk load turns many tasks red
      and back within a minute, and those warnings would be false alarms;
    - a new task's first judgement (no `previous` colour) that finds it yellow or
      red before it is due to be reported on (`first_due`, a date the warnings
      service sends with it) waits until that day: a task nobody had to report on
      yet is not late for anyone to hear of.
    Whichever is later holds; the warning is dropped if the task changes colour
    meanwhile (held_verdict)."""
    moments = []
    if turn["colour"] == RED and settle_minutes > 0:
        moments.append(local_now + dt.timedelta(minutes=settle_minutes))
    first_due = turn.get("first_due")
    if (turn.get("previous") is None and turn["colour"] in (YELLOW, RED)
            and first_due is not None and as_of < first_due):
        moments.append(dt.datetime.combine(first_due, dt.time(0), local_now.tzinfo))
    moment = max(moments, default=None)
    return moment if moment is not None and moment > local_now else None


def held_verdict(held_colour, new_colour):
    """(dropped_reason, words people read) for a held warning of `held_colour`
    whose item turned `new_colour` before it went out, or None when the new
    colour is the same (the warning still holds)."""
    if held_colour == new_colour or held_colour not in SEVERITY or new_colour not in SEVERITY:
        return None
    if SEVERITY[new_colour] < SEVERITY[held_colour]:
        return RECOVERED, (f"未发送：发出前任务已恢复为{COLOUR_NAMES[new_colour]}，"
                           f"{COLOUR_NAMES[held_colour]}预警撤回")
    return SUPERSEDED, (f"未发送：发出前任务已转为{COLOUR_NAMES[new_colour]}，"
                        f"以新的{COLOUR_NAMES[new_colour]}预警为准")


def member_item(key):
    """The item (task:T1) and colour a digest member's dedup key speaks of."""
    item, colour, *_ = key.split("|")
    return item, colour


def next_attempt(attempts, delays, now):
    """When to try a transient failure again after `attempts` tries (None: give up):
    now plus delays[attempts - 1]; the number of tries is len(delays) + 1."""
    if attempts > len(delays):
        return None
    return now + dt.timedelta(seconds=delays[attempts - 1])


def add_days(start, days, calendar):
    """`start` (an aware local moment) plus `days` days at the same time of day:
    working days by the platform's calendar (holidays off, make-up days worked,
    Monday to Friday in a year not entered) or every day, as `calendar`
    (workdays.WorkingCalendar) counts."""
    return dt.datetime.combine(calendar.add_working_days(start.date(), days), start.timetz())


def climb(escalation, grace_days, calendar, local_now):
    """The escalation's next level: {level, role, next_at (aware local, None at the
    top), status}. grace_days[i] is the grace before level i + 1, counted by
    `calendar`."""
    level = escalation["level"] + 1
    top = level >= len(LADDER) - 1
    return {"level": level, "role": LADDER[level],
            "next_at": None if top else add_days(local_now, grace_days[level], calendar),
            "status": "top" if top else "open"}


def bulletin_weeks_due(today, weekday, calendar):
    """The Mondays of the weeks whose bulletin is published `today`: a week's
    bulletin comes out in the next week on the first working day from its
    `weekday` (0 = Monday) on, so not on a holiday; after a whole week off, two
    may be due on the same day."""
    this_monday = today - dt.timedelta(days=today.weekday())
    due = []
    for monday in (this_monday - dt.timedelta(days=7), this_monday):
        if calendar.working_day_on_or_after(monday + dt.timedelta(days=weekday)) == today:
            due.append(monday - dt.timedelta(days=7))
    return due


def colour_turns(changes):
    """The changes of one evaluation that give a task a new colour, one per task
    (the last)."""
    turns = {}
    for change in changes:
        if change["item_kind"] == "task" and change["colour"] != change.get("previous"):
            turns[change["task"]] = change
    return list(turns.values())


def red_turns(changes):
    """The changes of one evaluation that turn a task red (not those that keep it
    red), one per task: the last."""
    return [turn for turn in colour_turns(changes) if turn["colour"] == RED]


def red_warning(task, unit_name, reason, as_of, title=None):
    """(subject, body) of the default message telling a unit its task turned red."""
    context = colour_context(task, unit_name, reason, as_of, title=title)
    template = DEFAULT_TEMPLATES[(COLOUR_CHANGED, INBOX)]
    return render(template["subject"], context), render(template["body"], context)


def colour_context(task, unit_name, reason, as_of, colour=RED, title=None):
    """What the colour_changed templates read; the task named by its title (its
    code until the title is known: with_titles fills it in)."""
    return {"task": task, "title": title or task, "unit_name": unit_name, "colour": colour,
            "colour_name": FORECAST_COLOUR_NAMES.get(colour, colour),
            "reason": (reason or "未说明").rstrip("。"), "as_of": as_of.isoformat(),
            "as_of_words": chinese_date(as_of)}


STAGE_NAMES = {"ack": "签收", "answer": "报送整改方案"}


def sign_webhook(secret, timestamp, body):
    """The X-Luoshi-Signature value of a webhook: sha256=<hex HMAC-SHA256 of
    "<timestamp>.<body>" keyed with the shared secret>. body: bytes."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_body(message):
    """The JSON document (bytes) a webhook receives for a notification."""
    return json.dumps({
        "id": message["id"], "event_type": message.get("event_type"),
        "item": message.get("item"), "unit": message["unit"], "task": message.get("task"),
        "colour": message.get("colour"), "subject": message["subject"],
        "text": message["body"], "items": message.get("items"),
    }, ensure_ascii=False, sort_keys=True).encode()


def week_bounds(day):
    """(Monday, Sunday) of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def batch_rows(batches, colours, day):
    """The bulletin's rows of the batches (批次): `batches` as the tasks service
    counts them ([{batch, items, closed, explained, cancelled}]), `colours`
    {batch: {green, yellow, red}} as the warnings service does."""
    rows = []
    for entry in batches:
        colour = colours.get(entry["batch"]) or {}
        rows.append({
            "day": day.isoformat(), "task": None, "title": entry["batch"] or "未分批",
            "unit": None,
            "unit_name": "", "kind": "batch",
            "detail": (f"共{entry['items']}项，已销号{entry['closed']}项，"
                       f"已说明情况{entry['explained']}项，已撤销{entry['cancelled']}项；"
                       f"绿灯{colour.get('green', 0)}项、黄灯{colour.get('yellow', 0)}项、"
                       f"红灯{colour.get('red', 0)}项")})
    return rows


CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_date(day):
    """2026年12月7日, as an office dates its documents."""
    return f"{day.year}年{day.month}月{day.day}日"


def iso_words(value):
    """chinese_date of the day an ISO date or moment ("2026-11-05",
    "2026-11-05T18:00:00+08:00") names; "" for none."""
    return chinese_date(dt.date.fromisoformat(value[:10])) if value else ""


def task_title(task, titles):
    """The name people read of a task: its title in `titles` ({code: title}, as
    notify last heard it), else its code (a task notify has not heard of)."""
    return titles.get(task) or task


def fact_row(fact, unit_names, titles):
    """A bulletin row of a gathered fact: its task by code for machines and by
    `title` for people (task_title), its unit by code and by name."""
    return {"day": fact["day"].isoformat(), "task": fact["task"],
            "title": task_title(fact["task"], titles), "unit": fact["unit"],
            "unit_name": unit_names.get(fact["unit"], fact["unit"]),
            "detail": fact["detail"] or "", "kind": fact["kind"]}


def section_number(index):
    """一、二、… of the bulletin's sections (index from 0; at most 二十)."""
    if index < 10:
        return CHINESE_NUMERALS[index]
    return "十" + CHINESE_NUMERALS[index - 10] if index < 19 else "二十"


UNIT_KIND_GROUPS = (("county", "县（市、区）"), ("department", "市直部门"))
COLOURS_IN_WORDS = (("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯"))


def _change_words(now, before):
    if before is None:
        return ""
    parts = []
    for colour, word in COLOURS_IN_WORDS:
        delta = now[colour] - before[colour]
        parts.append(f"{word}{'增加' if delta > 0 else '减少'}{abs(delta)}项" if delta
                     else f"{word}持平")
    return "与上周相比，" + "，".join(parts) + "。"


def bulletin_overview(week_end, trend, units, reds, unit_names, unit_kinds, as_of,
                      titles=None, worst=10):
    """The bulletin's overall picture: the colours of the city's tasks at the end
    of the week and their change from the week before (`trend`, as the warnings
    service's get_colour_trend answers two weeks: [{week_end, green, yellow, red}]),
    each county's and department's lights as the bulletin is drawn up (`units`:
    the dashboard's [{unit, green, yellow, red}], on `as_of`), and the `worst` red
    items in the one screen's order (`reds`: list_red_items' items), named by
    their `titles` ({code: title}). None when the warnings service could not be
    asked (trend None)."""
    if trend is None:
        return None
    weeks = {entry["week_end"]: entry for entry in trend}
    now = weeks.get(week_end.isoformat()) or {"green": 0, "yellow": 0, "red": 0}
    before = weeks.get((week_end - dt.timedelta(days=7)).isoformat())
    total = now["green"] + now["yellow"] + now["red"]
    text = (f"截至{chinese_date(week_end)}，全市在办重点任务{total}项，其中绿灯{now['green']}项、"
            f"黄灯{now['yellow']}项、红灯{now['red']}项。" + _change_words(now, before))
    groups = []
    for kind, label in UNIT_KIND_GROUPS:
        rows = []
        for entry in units or []:
            if unit_kinds.get(entry["unit"]) != kind:
                continue
            count = entry["green"] + entry["yellow"] + entry["red"]
            rows.append({"unit": entry["unit"],
                         "unit_name": unit_names.get(entry["unit"], entry["unit"]),
                         "total": count, "green": entry["green"], "yellow": entry["yellow"],
                         "red": entry["red"],
                         "red_share": round(100 * entry["red"] / count, 1) if count else 0.0})
        rows.sort(key=lambda row: (-row["red_share"], -row["red"], row["unit_name"]))
        groups.append({"kind": kind, "label": label, "rows": rows})
    worst_rows = [{"task": item["task"], "title": task_title(item["task"], titles or {}),
                   "unit": item["unit"],
                   "unit_name": unit_names.get(item["unit"], item["unit"]),
                   "days_red": item["days_red"], "reason": item["reason"]}
                  for item in (reds or [])[:worst]]
    return {"counts": {**{colour: now[colour] for colour, _ in COLOURS_IN_WORDS},
                       "total": total},
            "previous": (None if before is None else
                         {colour: before[colour] for colour, _ in COLOURS_IN_WORDS}),
            "text": text, "groups": groups, "worst": worst_rows,
            "as_of": as_of.isoformat(), "as_of_words": chinese_date(as_of)}


# 复核 facts (services/notify/verification_handlers.py): a request counted at
# once, one waiting for the office, a confirmation, a send-back.
VERIFY_COUNTED, VERIFY_WAITING = "v_counted", "v_waiting"
VERIFY_CONFIRMED, VERIFY_RETURNED = "v_confirmed", "v_returned"
VERIFY_KINDS = (VERIFY_COUNTED, VERIFY_WAITING, VERIFY_CONFIRMED, VERIFY_RETURNED)
VERIFY_ITEM_NAMES = {"closure": "销号", "clock_stage": "13710节点", "commitment": "承诺兑现"}
VERIFY_STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}


def verification_detail(item, words):
    """A 复核 fact's words: what was asked (销号, 13710节点（部署）, 承诺兑现（步骤）)
    and what became of it."""
    what = VERIFY_ITEM_NAMES.get(item["kind"], item["kind"])
    if item["kind"] == "clock_stage" and item.get("subject"):
        what += f"（{VERIFY_STAGE_NAMES.get(item['subject'], item['subject'])}）"
    elif item["kind"] == "commitment" and (item.get("claim") or {}).get("step"):
        what += f"（{item['claim']['step']}）"
    return f"{what}{words}"


def verification_section(week_start, week_end, verifications, unit_names, titles):
    """The bulletin's section on 复核 and its tallies: the week's requests, how
    many the office confirmed and sent back, and how many wait at the week's end
    (asked in any week, not yet decided by its end). Rows: the week's
    send-backs (with their reasons) and confirmations."""
    asked, decided = {}, {}
    for fact in verifications:
        if fact["kind"] in (VERIFY_COUNTED, VERIFY_WAITING):
            asked[fact["key"]] = fact
        elif fact["day"] <= week_end:
            decided[fact["key"]] = fact
    week = [f for f in verifications if week_start <= f["day"] <= week_end]
    tallies = {
        "requested": sum(f["kind"] in (VERIFY_COUNTED, VERIFY_WAITING) for f in week),
        "confirmed": sum(f["kind"] == VERIFY_CONFIRMED for f in week),
        "returned": sum(f["kind"] == VERIFY_RETURNED for f in week),
        "pending": sum(1 for key, fact in asked.items()
                       if fact["kind"] == VERIFY_WAITING and fact["day"] <= week_end
                       and key not in decided),
    }
    rows = [fact_row(f, unit_names, titles)
            for f in sorted(week, key=lambda f: (f["day"], f["unit"] or "", f["key"]))
            if f["kind"] in (VERIFY_RETURNED, VERIFY_CONFIRMED)]
    section = {"key": "verification", "title": "复核情况", "rows": rows,
               "summary": (f"本周申请复核事项{tallies['requested']}项，督查办确认"
                        f"{tallies['confirmed']}项、退回{tallies['returned']}项，"
                        f"截至本周末待复核{tallies['pending']}项。"),
               "empty": "本周无复核确认或退回的事项。"}
    return section, tallies


# The tasks forecast red the bulletin names: the nearest few; the count says the rest.
FORECAST_ROWS = 5


def pace_words(due, projected, planned):
    """Where a task forecast red will stand on its due date, in notify's own
    words with a Chinese date: 预计2027年3月31日仅达62%（计划100%）."""
    return f"预计{chinese_date(due)}仅达{projected:g}%（计划{planned:g}%）"


def forecast_section(forecasts, accuracy, unit_names, titles):
    """The bulletin's section on the tasks forecast red (预测将亮红灯): how many,
    the nearest FORECAST_ROWS by name with their unit and the day and
    percentage forecast, and the forecasts' accuracy so far. `forecasts`: the
    warnings service's list_forecasts(soon_red=True) answer, `accuracy` its
    get_forecast_accuracy; None when it could not be asked."""
    section = {"key": "forecast", "title": "预测将亮红灯事项",
               "empty": "本周无预测将亮红灯的事项。", "rows": []}
    if forecasts is None:
        return {**section, "empty": "预测预警暂不可用，本节未能生成。"}
    as_of = dt.date.fromisoformat(forecasts["as_of"])
    summary = (f"截至{chinese_date(as_of)}，按当前进度，预计{forecasts['forecast_red_days']}天内"
               f"将亮红灯的事项{forecasts['total']}项")
    summary += (f"，最近的{min(FORECAST_ROWS, forecasts['total'])}项如下。"
                if forecasts["total"] > FORECAST_ROWS else "。")
    if accuracy is not None:
        summary += f"预测准确情况：{accuracy['words']}。"
    rows = []
    for item in forecasts["items"][:FORECAST_ROWS]:
        red_on, due = (dt.date.fromisoformat(item[key]) for key in ("red_on", "due"))
        rows.append({"day": item["red_on"], "task": item["task"],
                     "title": task_title(item["task"], titles),
                     "unit": item["unit"], "unit_name": unit_names.get(item["unit"],
                                                                      item["unit"]),
                     "kind": "forecast",
                     "detail": (f"预计{chinese_date(red_on)}起亮红灯；"
                                f"{pace_words(due, item['projected'], item['planned'])}")})
    return {**section, "summary": summary, "rows": rows}


def way_off_section(ways):
    """The bulletin's section on the way off the black list (脱离黑榜路径): each
    unit on the black list of the live ranking with how many matters, done,
    would lift it off and the points they add. `ways`: the ranking service's
    list_ways_off answer; None when it could not be asked."""
    section = {"key": "way_off", "title": "黑榜单位脱离路径",
               "empty": "本期评价排队暂无列入黑榜的单位。", "rows": []}
    if ways is None:
        return {**section, "empty": "评价排队服务暂不可用，本节未能生成。"}
    as_of = dt.date.fromisoformat(ways["as_of"])
    rows = []
    for way in ways["items"]:
        if way["enough"]:
            detail = (f"完成{way['actions']}项事项，可增加{way['points']:g}分，"
                      "即可脱离黑榜")
        else:
            detail = f"完成{way['actions']}项事项，可增加{way['points']:g}分；{way['note'] or ''}"
        rows.append({"day": ways["as_of"], "task": None, "title": way["group_label"],
                     "unit": way["unit"],
                     "unit_name": way["unit_name"], "kind": "way_off", "detail": detail})
    summary = (f"{ways['label']}评价排队截至{chinese_date(as_of)}，列入黑榜{len(rows)}个单位；"
               "分值按今天的得分计算，每项事项视为今天按期完成后重新计分。") if rows else None
    return {**section, "summary": summary, "rows": rows}


def foresight_sections(asked, unit_names, titles):
    """The bulletin's sections on what is coming, as the office switched them on
    (`asked`: {"forecast": (forecasts, accuracy) or None, "way_off": ways or
    None}, a key only for a section switched on). The tasks service's gaming
    signals (刷进度 and the like) are left out: the bulletin goes to the
    leaders, and a signal is the office's working lead, to be checked with the
    unit before anyone outside the office reads of it, even as a count."""
    sections = []
    if "forecast" in asked:
        forecasts, accuracy = asked["forecast"] or (None, None)
        sections.append(forecast_section(forecasts, accuracy, unit_names, titles))
    if "way_off" in asked:
        sections.append(way_off_section(asked["way_off"]))
    return sections


def bulletin_summary(week_start, facts, unit_names, generated_at, movers=None,
                     batches=None, overview=None, extensions=None,
                     verifications=None, foresight=None, titles=None):
    """What the bulletin of the week from `week_start` (a Monday) says, from the
    facts gathered in it ({kind, key, task, unit, detail, day}), the ranking's
    movers of the week ([{unit, name, group, rank, previous_rank, rank_change}], or
    None when the ranking service could not be asked), the batches' rows
    (batch_rows, or None when they could not be counted) and the overall picture
    (bulletin_overview, or None when it could not be drawn): the overview, then
    its sections in order, each with rows (and a `summary` line where a section
    counts as well as lists). `extensions`: the facts of extension requests and
    decisions (kinds ext_requested, ext_decided) up to the week's end, earlier
    weeks included, for the requests still pending; None leaves that section out.
    `verifications` are the 复核 facts up to the week's end (verification_section);
    None: those of `facts`. `foresight`: the sections on what is coming
    (foresight_sections), printed last. `titles` ({code: title}) name the facts'
    tasks (fact_row).
    Titles carry no numbers: the documents number the sections they print."""
    week_end = week_start + dt.timedelta(days=6)
    titles = titles or {}
    sections = [
        ("red", "本周新增红色预警事项", "本周无新增红色预警事项。", ("red",)),
        ("overdue", "督办单逾期情况", "本周无逾期督办单。", ("overdue",)),
        ("closed", "办结事项（销号、说明办结）", "本周无办结事项。", ("closed", "explained")),
    ]
    answer = {"week_start": week_start.isoformat(), "week_end": week_end.isoformat(),
              "generated_at": generated_at.isoformat(timespec="seconds"),
              "overview": overview, "sections": []}
    in_week = sorted((f for f in facts if week_start <= f["day"] <= week_end),
                     key=lambda f: (f["day"], f["unit"] or "", f["key"]))
    for key, title, empty, kinds in sections:
        rows = [fact_row(f, unit_names, titles) for f in in_week if f["kind"] in kinds]
        answer["sections"].append({"key": key, "title": title, "empty": empty, "rows": rows})
    answer["sections"].append({
        "key": "movers", "title": "评价排队变动",
        "rows": [{"day": week_end.isoformat(), "task": None, "title": None, "unit": m["unit"],
                  "unit_name": m["name"], "kind": "mover",
                  "detail": (f"由第{m['previous_rank']}名{'升' if m['rank_change'] > 0 else '降'}"
                             f"至第{m['rank']}名（{'上升' if m['rank_change'] > 0 else '下降'}"
                             f"{abs(m['rank_change'])}位）")}
                 for m in movers or []],
        "empty": ("本周评价排队名次无变动。" if movers is not None
                  else "评价排队服务暂不可用，本节未能生成。")})
    answer["sections"].append({
        "key": "batches", "title": "分批次办理情况", "rows": batches or [],
        "empty": "尚未分批次。" if batches is not None else "分批次统计暂不可用，本节未能生成。"})
    for key, title, empty, kinds in (
        ("leaders", "领导批示事项及反馈", "本周无领导批示事项及反馈。",
         ("instruction", "feedback")),
        ("accountability", "“三问”问责情况", "本周无新立案或整改逾期的问责事项。",
         ("accountability", "rectification")),
    ):
        answer["sections"].append({"key": key, "title": title, "empty": empty, "rows": [
            fact_row(f, unit_names, titles) for f in in_week if f["kind"] in kinds]})
    section, answer["verification"] = verification_section(
        week_start, week_end,
        [f for f in (facts if verifications is None else verifications)
         if f["kind"] in VERIFY_KINDS], unit_names, titles)
    answer["sections"].append(section)
    if extensions is not None:
        answer["sections"].append(extension_section(week_start, week_end, extensions,
                                                    unit_names, titles))
    answer["sections"].extend(foresight or [])
    answer["counts"] = {section["key"]: len(section["rows"]) for section in answer["sections"]}
    # Reminders before deadlines are counted, not listed: they are routine.
    answer["counts"]["reminders"] = sum(1 for f in in_week if f["kind"] == "reminder")
    return answer


EXTENSION_OUTCOMES = {"approved": "批准", "shortened": "缩短批准", "refused": "未批准"}


def extension_section(week_start, week_end, facts, unit_names, titles):
    """The bulletin's section on the units' extension requests: the week's
    requests and decisions as rows, and a summary line counting them and the
    requests pending at the week's end. A decision's fact `key` is
    "<request id>", its detail starts with its outcome (EXTENSION_OUTCOMES)."""
    asked = {f["key"] for f in facts if f["kind"] == "ext_requested" and f["day"] <= week_end}
    decided = [f for f in facts if f["kind"] == "ext_decided" and f["day"] <= week_end]
    pending = len(asked - {f["key"] for f in decided})
    week = sorted((f for f in facts if f["kind"] in ("ext_requested", "ext_decided")
                   and week_start <= f["day"] <= week_end),
                  key=lambda f: (f["day"], f["kind"] != "ext_requested", f["key"]))
    outcomes = {key: 0 for key in EXTENSION_OUTCOMES}
    for fact in week:
        if fact["kind"] == "ext_decided":
            outcome = (fact["detail"] or "").split("：", 1)[0]
            for key, name in EXTENSION_OUTCOMES.items():
                if outcome == name:
                    outcomes[key] += 1
    requested = sum(f["kind"] == "ext_requested" for f in week)
    return {
        "key": "extensions", "title": "延期申请",
        "summary": (f"本周新提出延期申请{requested}件；审批{sum(outcomes.values())}件，"
                    f"其中批准{outcomes['approved']}件、缩短批准{outcomes['shortened']}件、"
                    f"未批准{outcomes['refused']}件；截至本周末待审批{pending}件。"),
        "empty": "本周无延期申请及审批。",
        "rows": [fact_row(f, unit_names, titles) for f in week],
        "pending": pending, "outcomes": outcomes, "requested": requested,
    }


def bulletin_heading(issuer, status, year=None, number=None, issued_on=None):
    """What the red header of a bulletin says: {issue ("2026年第3期", or "（待签发）"
    for a draft), issuer, date (the day of issue in Chinese, or "")}."""
    if status == "issued" and number is not None:
        issue = f"{year}年第{number}期"
    elif status == "issued":
        issue = ""
    else:
        issue = "（待签发）"
    return {"issue": issue, "issuer": issuer,
            "date": chinese_date(issued_on) if issued_on else ""}


def bulletin_filename(format, status, week_start, year=None, number=None):
    """The name a bulletin's file is downloaded or attached under:
    落实事项专报-2026年第3期.pdf once numbered, 落实事项专报-待签发.pdf for a draft,
    and for one issued before bulletins were numbered, its week's first day as
    people write it (落实事项专报-2026年12月7日.pdf)."""
    if number:
        label = f"{year}年第{number}期"
    elif status == "draft":
        label = "待签发"
    else:
        label = chinese_date(week_start)
    return f"落实事项专报-{label}.{format}"


def settle_held(held, new_colours, templates, names):
    """What becomes of held warnings when their items change colour.
    held: pending rows (colour warnings and digests, as held_colour_warnings
    reads them); new_colours: {item: the colour it just turned}. Answers
    (drops [{id, dropped_reason, provider_answer}], shrunk digests [{id, members,
    items, subject, body}], the dedup keys to forget): a warning whose item
    changed colour is dropped and its key forgotten (it never went out); a digest
    loses those members, and is dropped once it stands for none."""
    drops, shrunk, forget = [], [], []
    for row in held:
        if row["event_type"] == COLOUR_CHANGED:
            verdict = held_verdict(row["colour"], new_colours.get(row["item"]))
            if verdict:
                drops.append({"id": row["id"], "dropped_reason": verdict[0],
                              "provider_answer": verdict[1]})
                forget.append(dedup_key(row["item"], row["colour"], row["channel"],
                                        row["recipient"]))
            continue
        keep, verdicts = [], []
        for key, subject in zip(row["members"] or [], row["items"] or [], strict=False):
            item, colour = member_item(key)
            verdict = held_verdict(colour, new_colours.get(item))
            if verdict:
                verdicts.append(verdict)
                forget.append(key)
            else:
                keep.append((key, subject))
        if not verdicts:
            continue
        if not keep:
            reason = (RECOVERED if all(v[0] == RECOVERED for v in verdicts) else SUPERSEDED)
            drops.append({"id": row["id"], "dropped_reason": reason,
                          "provider_answer": "未发送：汇总所列任务在发出前均已变色，"
                                             "汇总提醒撤回"})
            continue
        subjects = [subject for _, subject in keep]
        shrunk.append({"id": row["id"], "members": [key for key, _ in keep], "items": subjects,
                       **digest_text(templates, row["channel"], row["recipient"], subjects,
                                     names, row["role"], row["unit"])})
    return drops, shrunk, forget
# Group robots (钉钉 / 企业微信) ------------------------------------------------------

# channel: (the vendor's host, the robot's path, the query parameter that is its token)
ROBOT_ENDPOINTS = {
    DINGTALK: ("oapi.dingtalk.com", "/robot/send", "access_token"),
    WECOM: ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "key"),
}
# The most a message may hold, in UTF-8 bytes: WeCom refuses markdown over 4,096;
# DingTalk documents no figure and answers long texts unreliably past 20,000.
ROBOT_MAX_BYTES = {DINGTALK: 20000, WECOM: 4096}
# Answers worth trying again: -1 "system busy" (both), DingTalk's 130101 (more
# than 20 messages a minute) and WeCom's 45009/45033 (too many calls). Any other
# errcode (310000: the signature, keywords or IP whitelist of a DingTalk robot;
# 93000: a WeCom key that is no robot's) needs a person to mend the robot.
ROBOT_TRANSIENT_ERRCODES = frozenset({-1, 130101, 45009, 45033})
MAX_ROBOT_URL = 1000
MAX_ROBOT_SECRET = 200


def check_robot_url(channel, url, any_host=False):
    """What is wrong with `url` as the `channel` robot's webhook address, in
    Chinese for the office (never quoting the address: its token is the robot's
    key), or None when nothing is. https to the vendor's host and path, with the
    robot's token; `any_host` (tests, a private deployment behind a relay) lets
    any http(s) host and path through, the token still required."""
    host, path, token = ROBOT_ENDPOINTS[channel]
    name = CHANNEL_NAMES[channel]
    if not isinstance(url, str) or not url.strip():
        return f"请填写{name}的 Webhook 地址"
    if len(url) > MAX_ROBOT_URL or any(ch.isspace() for ch in url.strip()):
        return f"{name}的 Webhook 地址过长或含有空白字符，请从群设置中重新复制"
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return f"{name}的 Webhook 地址无法识别，请从群设置中重新复制"
    query = urllib.parse.parse_qs(parts.query)
    if any_host:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"{name}的 Webhook 地址应以 https:// 开头"
    elif parts.scheme != "https":
        return f"{name}的 Webhook 地址应以 https:// 开头"
    elif parts.hostname != host or port not in (None, 443) or parts.path != path:
        return (f"{name}的 Webhook 地址应为 https://{host}{path}?{token}=…"
                "（私有部署经中转时，由运维设置 LUOSHI_ROBOT_ANY_HOST=1）")
    if not (query.get(token) or [""])[0].strip():
        return f"{name}的 Webhook 地址缺少 {token} 参数，请从群设置中复制完整地址"
    if "timestamp" in query or "sign" in query:
        return (f"{name}的 Webhook 地址不应含 timestamp 或 sign："
                "签名由平台在发送时计算，请只填加签密钥")
    return None


def check_robot_secret(channel, secret):
    """What is wrong with `secret` (the DingTalk robot's 加签 secret; None for
    none), in Chinese, or None. A WeCom robot has no secret: its key is in the
    address."""
    if secret is None:
        return None
    if channel == WECOM:
        return "企业微信群机器人没有加签密钥：地址中的 key 即其密钥，请不要填写密钥"
    if (not isinstance(secret, str) or not secret or len(secret) > MAX_ROBOT_SECRET
            or not all(33 <= ord(ch) < 127 for ch in secret)):
        return (f"钉钉加签密钥应为 1–{MAX_ROBOT_SECRET} 个字母、数字或符号（以 SEC 开头），"
                "不含空格或中文，请从机器人设置中重新复制")
    return None


def mask_robot_url(url):
    """The robot's address as people may see it: its token shown by its last
    four characters only, so that two robots can be told apart."""
    parts = urllib.parse.urlsplit(url)
    query = [(key, value if key not in ("access_token", "key") else "****" + value[-4:])
             for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe="*")))


def robot_token(url):
    """The token of a robot's address (access_token or key), "" when none."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return next(iter(query.get("access_token") or query.get("key") or [""]))


def dingtalk_sign(secret, timestamp_ms):
    """A DingTalk robot's `sign` before URL encoding: the base64 HMAC-SHA256 of
    "<timestamp_ms>\n<secret>" keyed with the secret."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def dingtalk_url(url, secret, timestamp_ms):
    """The address to POST to: the robot's own, and with a secret (加签) its
    `timestamp` (milliseconds) and URL-encoded `sign` appended."""
    if not secret:
        return url
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp_ms))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


def portal_link(portal_url, message):
    """Where the message's item is read in the portal (its task, the ranking of
    its period, the bulletins), or the portal's front page; None without
    LUOSHI_PORTAL_URL."""
    if not portal_url:
        return None
    base = portal_url.rstrip("/") + "/"
    item = message.get("item") or ""
    if message.get("task"):
        return f"{base}#/task/{urllib.parse.quote(message['task'], safe='')}"
    if item.startswith("ranking:"):
        return f"{base}#/ranking?period={urllib.parse.quote(item[len('ranking:'):], safe='')}"
    if item.startswith("bulletin:") or message.get("bulletin_id"):
        return f"{base}#/bulletins"
    return base


def robot_markdown(message, portal_url, max_bytes):
    """The Markdown a group reads: the subject as a heading, the body a paragraph
    a line (both clients drop single line breaks) and a link to the item in the
    portal; the body cut to fit `max_bytes` of UTF-8, saying so."""
    subject = " ".join((message.get("subject") or "").split())
    head = [f"### {subject}"] if subject else []
    link = portal_link(portal_url, message)
    tail = [f"[在落实平台查看]({link})"] if link else []
    lines = [line.strip() for line in (message.get("body") or "").splitlines() if line.strip()]

    def text(body_lines):
        return "\n\n".join(head + body_lines + tail)

    if len(text(lines).encode()) <= max_bytes:
        return text(lines)
    cut = "……（内容过长，全文请登录落实平台查看）"
    room = max_bytes - len(text([cut]).encode()) - 2
    kept = (message.get("body") or "").strip().encode()[:max(room, 0)]
    kept = kept.decode(errors="ignore").strip()
    return text([line.strip() for line in kept.splitlines() if line.strip()] + [cut])


def dingtalk_body(message, portal_url=None):
    """The JSON (bytes) a DingTalk custom robot receives: a markdown message
    whose title (the chat list's preview) is the subject."""
    title = " ".join((message.get("subject") or "").split()) or message["body"][:30]
    return json.dumps({"msgtype": "markdown", "markdown": {
        "title": title, "text": robot_markdown(message, portal_url, ROBOT_MAX_BYTES[DINGTALK]),
    }}, ensure_ascii=False).encode()


def wecom_body(message, portal_url=None):
    """The JSON (bytes) a WeCom group robot receives: a markdown message."""
    return json.dumps({"msgtype": "markdown", "markdown": {
        "content": robot_markdown(message, portal_url, ROBOT_MAX_BYTES[WECOM]),
    }}, ensure_ascii=False).encode()


def robot_outcome(answer_text):
    """(ok, transient) of a robot's HTTP 200 answer: {"errcode": 0} is
    delivered; a busy errcode is tried again; any other errcode, or an answer
    that is no robot's, fails for good."""
    try:
        errcode = json.loads(answer_text).get("errcode")
    except (ValueError, AttributeError):
        return False, False
    if errcode == 0:
        return True, False
    return False, errcode in ROBOT_TRANSIENT_ERRCODES


def redact(text, secrets):
    """`text` with every one of `secrets` (and its URL-encoded form) replaced by
    ***, so that an error quoting an address keeps no robot's key."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe="")}:
            text = text.replace(form, "***")
    return text


# Forecast colour -------------------------------------------------------------------

FORECAST_SUPERSEDED_WORDS = "未发送：发出前任务已亮红灯，预测提醒撤回"


def forecast_occurrences(event, names, local_now, settle_minutes):
    """The occurrences of a forecast_turned_red event: one per task, item
    `forecast:<task>`, held for `settle_minutes` as a red warning is (a bulk
    load can forecast many tasks red and then not), then routed as any other."""
    held = (to_utc(local_now + dt.timedelta(minutes=settle_minutes))
            if settle_minutes > 0 else None)
    return [{
        "event_type": FORECAST_TURNED_RED, "item": f"forecast:{found['task']}",
        "unit": found["unit"], "task": found["task"], "colour": None,
        "as_of": event["as_of"], "not_before": held,
        "context": {"unit_name": names.get(found["unit"], found["unit"]),
                    "task": found["task"], "as_of": event["as_of"].isoformat(),
                    "as_of_words": chinese_date(event["as_of"]), "colour": found["colour"],
                    "colour_name": FORECAST_COLOUR_NAMES.get(found["colour"], "绿灯"),
                    "red_on": found["red_on"].isoformat(),
                    "red_on_words": chinese_date(found["red_on"]),
                    "due": found["due"].isoformat(), "due_words": chinese_date(found["due"]),
                    "pace_words": pace_words(found["due"], found["projected"],
                                             found["planned"]),
                    "words": found["words"].rstrip("。")}}
        for found in event["forecasts"]]


FORECAST_COLOUR_NAMES = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}


def forecast_drops(held):
    """(drops, dedup keys to forget) of held forecast messages whose tasks
    turned red before they went out: the red warning says it now."""
    drops = [{"id": row["id"], "dropped_reason": SUPERSEDED,
              "provider_answer": FORECAST_SUPERSEDED_WORDS} for row in held]
    forget = [dedup_key(row["item"], row["colour"] or row["event_type"], row["channel"],
                        row["recipient"]) for row in held]
    return drops, forget
