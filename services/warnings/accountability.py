"""三问 accountability records (问责、问效、问计) as plain rules over plain data:
on which grounds the office may open one, the measures it takes, and the colour
of the unit's rectification plan (整改方案) as of a day. Storage is in the
repository, the entrypoints in accountability_entrypoints.py.

Grounds: the unit is on the black list of a published ranking (black_list), one
of its items has been red for `accountability_red_days` days (red_days), or one
of its supervision notices is overdue (notice_overdue). One more is opened by
the tasks service's word, never by hand: a signal of gamed numbers the office
confirmed (gaming_signal, from gaming_signal_confirmed). A record is open until
the unit has rectified and the office closes it. Its rectification turns red the
day after its deadline passes unrectified, like any item: a colour_changed of
item kind `rectification`, which the ranking counts among the unit's red items.
"""
from services.common.dates import chinese_date

from .exceptions import Conflict, InvalidInput
from .logic import GREEN, RED

BLACK_LIST, RED_DAYS, NOTICE_OVERDUE = "black_list", "red_days", "notice_overdue"
GROUNDS = (BLACK_LIST, RED_DAYS, NOTICE_OVERDUE)
# Opened on the event of a confirmed signal, not by open_accountability_record.
GAMING_SIGNAL = "gaming_signal"
GROUND_NAMES = {BLACK_LIST: "列入黑榜", RED_DAYS: "红色预警持续未消除",
                NOTICE_OVERDUE: "督办单逾期", GAMING_SIGNAL: "数据真实性问题经核查属实"}
# What the office asks of a unit whose numbers were gamed: who is accountable,
# and what was really done.
GAMING_SIGNAL_QUESTIONS = ("accountability", "results")
QUESTIONS = ("accountability", "results", "plans")
QUESTION_NAMES = {"accountability": "问责", "results": "问效", "plans": "问计"}
MEASURES = ("interview", "criticism", "deadline", "referral")
MEASURE_NAMES = {"interview": "约谈", "criticism": "通报批评", "deadline": "限期整改",
                 "referral": "移交纪委"}
OPEN, RECTIFIED, CLOSED = "open", "rectified", "closed"
STATUSES = (OPEN, RECTIFIED, CLOSED)
STATUS_NAMES = {OPEN: "整改中", RECTIFIED: "已整改", CLOSED: "已结案"}
ITEM_KIND = "rectification"


def item_key(record_id):
    """The key of a record's rectification among the colours: R<id>."""
    return f"R{record_id}"


def black_list_ground(unit, listed):
    """The words of a black-list ground, or InvalidInput when the unit is on no
    published black list. listed: [(period, label, reasons)] of the unit, newest
    period last."""
    if not listed:
        raise InvalidInput({"ground": {
            "code": "not_black_listed",
            "message": f"单位 {unit} 未列入已发布的黑榜，不能以此立案。"}})
    period, label, reasons = listed[-1]
    return period, f"{label}列入黑榜：{'；'.join(reasons) or '未说明'}"


def red_days_ground(task, state, days_red, rules):
    """The words of a red-days ground, or InvalidInput when the unit's task is not
    red or not red for long enough. state: the task's stored colour or None."""
    if state is None or state.colour != RED:
        raise InvalidInput({"ground_ref": {
            "code": "not_red", "message": f"任务 {task} 当前不是红色预警，不能以此立案。"}})
    if days_red < rules.accountability_red_days:
        raise InvalidInput({"ground_ref": {
            "code": "not_red_long_enough",
            "message": f"任务 {task} 红色预警仅 {days_red} 天，满 {rules.accountability_red_days} "
                       f"天方可立案问责。"}})
    return f"任务 {task} 红色预警已持续 {days_red} 天"


def notice_ground(notice, number):
    """The words of an overdue-notice ground, or InvalidInput when the notice is
    not overdue (yellow or red)."""
    if notice.colour not in ("yellow", RED) or notice.status == "closed":
        raise InvalidInput({"ground_ref": {"code": "notice_not_overdue",
                                           "message": f"督办单 {number} 未逾期，不能以此立案。"}})
    return f"督办单 {number} 逾期未{'签收' if notice.status == 'open' else '报送整改方案'}"


def gaming_signal_ground(kind_name, detail, note):
    """The words of a confirmed signal's ground and the record's summary."""
    return f"{kind_name}：{detail}", f"督查办核查属实：{note}"


def check_plan(status, deadline, opened_on):
    """A plan is written on an open record, with a deadline not before the day the
    record was opened."""
    if status != OPEN:
        raise Conflict(f"the record is {status}")
    if deadline is None:
        raise InvalidInput({"deadline": "a rectification plan needs its deadline"})
    if deadline < opened_on:
        raise InvalidInput({"deadline": "must not be before the day the record was opened"})


def rectification_colour(status, deadline, as_of):
    """The colour of a record's rectification as of a day: red once its deadline
    has passed while the record is still open, else green."""
    if status == OPEN and deadline is not None and as_of > deadline:
        return RED
    return GREEN


def judged(rows, as_of):
    """[(row, new colour)] of the records whose colour changes as of a day."""
    moved = []
    for row in rows:
        colour = rectification_colour(row.status, row.plan_deadline, as_of)
        if colour != row.colour:
            moved.append((row, colour))
    return moved


def overdue_words(row, as_of):
    """Why a rectification is red, in words."""
    days = (as_of - row.plan_deadline).days
    return f"整改方案限期{chinese_date(row.plan_deadline)}已过{days}天仍未整改到位"
