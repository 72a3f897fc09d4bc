"""Reminders before deadlines, as plain functions over plain data: which
deadlines a unit hears of on a given day (a target falling due, the month's
reporting day, a notice's acknowledgement and answer, a 13710 stage), how
many working days before (N, from the routing rules of each kind), once per
deadline, never for an item already done and never inside the quiet hours.

A deadline is {kind (a logic.REMIND_* event type), item (what it is about:
target:T1:3, notice:5, report:yz:2027-03, stage:T1:deployed), due (a date),
unit, task, title, done, context (what its templates read besides)}."""
import datetime as dt

from . import logic

STAGES = ("deployed", "first_feedback", "closed")
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}
# The warnings service's rules a reminder needs, as they stand there by default
# (services/warnings/rules.py); notify keeps each new version from rules_changed.
OFFICE_RULES = {"calendar_mode": "working", "report_working_day": 5,
                "clock_deployed_days": 1, "clock_first_feedback_days": 3,
                "clock_closed_days": 7, "clock_complex_closed_days": 30}
FINISHED = ("closed", "explained", "cancelled")


def date_words(day):
    """A date as people write it: 2027年3月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def left_words(days_left):
    return f"还有{days_left}个工作日" if days_left > 0 else "今日到期"


def reminder_key(deadline):
    """What a reminder is sent once for: its kind, its item and the deadline
    (a deadline moved later is a new deadline and is reminded of again)."""
    return f"{deadline['kind']}|{deadline['item']}|{deadline['due'].isoformat()}"


def kind_settings(rules):
    """{kind: {days, quiet_hours}} of the reminder kinds with an enabled rule: N
    is the largest of its rules' days_before (a unit hears of a deadline once, so
    the earliest rule decides when), the quiet hours the first rule's."""
    answer = {}
    for rule in rules:
        if not rule["enabled"] or rule["event_type"] not in logic.REMINDERS:
            continue
        days = rule.get("days_before")
        if days is None:
            days = logic.DEFAULT_DAYS_BEFORE[rule["event_type"]]
        entry = answer.setdefault(rule["event_type"],
                                  {"days": days, "quiet_hours": rule["quiet_hours"]})
        entry["days"] = max(entry["days"], days)
    return answer


def due_reminders(deadlines, local_now, calendar, settings, sent):
    """The deadlines to remind of at `local_now` (aware, local), each with its
    `key`, `days_left` (working days after today up to the deadline) and the
    words people read: on a working day, outside its kind's quiet hours, not
    done, its deadline today or within its kind's N working days, and not
    reminded of before (`sent`: keys). settings: kind_settings."""
    today = local_now.date()
    if not calendar.is_working_day(today):
        return []
    answer = []
    for deadline in deadlines:
        kind = settings.get(deadline["kind"])
        if kind is None or deadline["done"] or deadline["due"] < today:
            continue
        if logic.release_time(local_now, kind["quiet_hours"]) > local_now:
            continue
        days_left = calendar.working_days_between(today, deadline["due"])
        if days_left > kind["days"]:
            continue
        key = reminder_key(deadline)
        if key in sent:
            continue
        answer.append({**deadline, "key": key, "days_left": days_left,
                       "context": {**deadline.get("context", {}), "days_left": days_left,
                                   "left_words": left_words(days_left),
                                   "due": deadline["due"].isoformat(),
                                   "due_words": date_words(deadline["due"])}})
    return answer


def target_deadlines(task, targets):
    """The deadlines of a task's targets ({seq, due, planned_percent, unit}):
    each done once the task's reported percentage reaches its plan, or the task
    is finished."""
    finished = task["status"] in FINISHED
    percent = task.get("percent") or 0
    return [{"kind": logic.REMIND_TARGET, "item": f"target:{task['task']}:{target['seq']}",
             "due": target["due"], "unit": target["unit"] or task["lead_unit"],
             "task": task["task"], "title": task["title"],
             "done": finished or percent >= target["planned_percent"],
             "planned_percent": target["planned_percent"],
             "context": {"seq": target["seq"]}} for target in targets]


def reporting_day(year, month, office_rules, calendar):
    """The office's reporting day of a month: its report_working_day-th working
    day (the last one, in a month with fewer)."""
    nth = office_rules["report_working_day"]
    while nth > 1:
        try:
            return calendar.nth_working_day_of_month(year, month, nth)
        except ValueError:
            nth -= 1
    return calendar.nth_working_day_of_month(year, month, 1)


def report_deadlines(today, tasks, office_rules, calendar):
    """The month's reporting-day deadline of each unit leading tasks under way
    since before the month: done once each of them has a report received after
    the previous month's reporting day (the report of the month before)."""
    due = reporting_day(today.year, today.month, office_rules, calendar)
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    since = reporting_day(last_month.year, last_month.month, office_rules, calendar)
    units = {}
    for task in tasks:
        if task["status"] in FINISHED or task["start_date"] is None \
                or task["start_date"] >= first:
            continue
        received = task.get("last_received_on")
        units.setdefault(task["lead_unit"], []).append(received is not None
                                                       and received > since)
    month_words = f"{last_month.year}年{last_month.month}月"
    return [{"kind": logic.REMIND_REPORT, "item": f"report:{unit}:{first:%Y-%m}", "due": due,
             "unit": unit, "task": None, "title": "", "done": all(reported),
             "context": {"month_words": month_words, "nth": office_rules["report_working_day"],
                         "pending": reported.count(False)}}
            for unit, reported in sorted(units.items())]


def stage_deadlines(task, office_rules, calendar):
    """The deadlines of the 13710 stages of a task on the clock, counted from its
    start (assignment) day as the warnings service counts them (the day after
    which the stage is late): done once the stage is recorded or the task is
    finished."""
    if not task.get("clock_class") or task["start_date"] is None:
        return []
    start, recorded = task["start_date"], task.get("stages") or []
    answer = []
    for stage in STAGES:
        if stage == "closed" and task["clock_class"] == "complex":
            due = calendar.working_day_on_or_after(
                start + dt.timedelta(days=office_rules["clock_complex_closed_days"]))
        else:
            due = calendar.add_working_days(start, office_rules[f"clock_{stage}_days"])
        answer.append({"kind": logic.REMIND_STAGE, "item": f"stage:{task['task']}:{stage}",
                       "due": due, "unit": task["lead_unit"], "task": task["task"],
                       "title": task["title"],
                       "done": stage in recorded or task["status"] in FINISHED,
                       "context": {"stage": stage, "stage_name": STAGE_NAMES[stage]}})
    return answer


def notice_deadlines(notice, title):
    """The acknowledgement and answer deadlines of a notice as issued."""
    answer = []
    for kind, field in ((logic.REMIND_ACK, "ack_due"), (logic.REMIND_ANSWER, "answer_due")):
        if notice.get(field):
            answer.append({
                "kind": kind, "item": f"notice:{notice['id']}",
                "due": dt.date.fromisoformat(notice[field][:10]), "unit": notice["unit"],
                "task": notice["task"], "title": title or notice["task"], "done": False,
                "context": {"number": notice["number"] or str(notice["id"])}})
    return answer


def occurrence(reminder, unit_name):
    """The routing occurrence of a due reminder."""
    return {"event_type": reminder["kind"], "item": reminder["item"], "unit": reminder["unit"],
            "task": reminder["task"], "colour": None, "as_of": reminder["due"],
            "context": {**reminder["context"], "unit_name": unit_name,
                        "task": reminder["task"], "title": reminder["title"]}}
