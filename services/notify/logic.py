"""The notify service's rules and templates, as plain functions over plain data
(no nameko, no database), so they are tested with nothing but pytest."""
from .exceptions import InvalidInput

INBOX = "inbox"
DELIVERED = "delivered"  # an inbox message is delivered once it is written
RED = "red"
MAX_LIMIT = 1000


def red_turns(changes):
    """The changes of one evaluation that turn a task red (not those that keep it
    red), one per task: the last."""
    turns = {}
    for change in changes:
        if (change["item_kind"] == "task" and change["colour"] == RED
                and change.get("previous") != RED):
            turns[change["task"]] = change
    return list(turns.values())


def red_warning(task, unit_name, reason, as_of):
    """(subject, body) of the message telling a unit its task turned red."""
    subject = f"红色预警：任务 {task}"
    body = (f"{unit_name}：截至 {as_of.isoformat()}，你单位牵头的任务 {task} 已亮红灯（严重延期）。"
            f"原因：{(reason or '未说明').rstrip('。')}。请尽快研究整改措施并报送进展。")
    return subject, body


def inbox_notifications(turns, as_of, unit_names, event_id, now):
    """The inbox rows for the red turns of one evaluation (as red_turns answers
    them): one to the unit of each task. unit_names: {code: name}; a unit not
    known yet is named by its code."""
    rows = []
    for change in turns:
        unit = change["unit"]
        subject, body = red_warning(change["task"], unit_names.get(unit, unit),
                                    change.get("reason"), as_of)
        rows.append({
            "channel": INBOX, "recipient": unit, "unit": unit, "task": change["task"],
            "colour": RED, "as_of": as_of, "subject": subject, "body": body,
            "status": DELIVERED, "event_id": event_id, "created_at": now,
        })
    return rows


def page(limit, offset):
    """(limit, offset) as whole numbers; InvalidInput unless 1 ≤ limit ≤ 1000 and
    offset ≥ 0."""
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise InvalidInput({"limit": "limit and offset are whole numbers"}) from None
    if not (1 <= limit <= MAX_LIMIT) or offset < 0:
        raise InvalidInput({"limit": f"limit is 1–{MAX_LIMIT}, offset at least 0"})
    return limit, offset
