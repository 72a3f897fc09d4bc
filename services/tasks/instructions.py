"""Leaders' instructions (批示) and the lead unit's feedback at each 13710 stage,
as plain rules: which task an instruction makes, who may give one, and how an
instruction is shown with its stages. No nameko, no SQL."""
from .exceptions import Forbidden, InvalidInput
from .messages import chinese_day
from .signals import stage_deadline
from .texts import say

ON_TASK, NEW_MATTER, FOLLOW_UP = "on_task", "new_matter", "follow_up"
KINDS = (ON_TASK, NEW_MATTER, FOLLOW_UP)
KIND_NAMES = {ON_TASK: "对已有任务的批示", NEW_MATTER: "批示交办新事项", FOLLOW_UP: "再批示"}
STAGES = ("deployed", "first_feedback", "closed")
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}
MAX_FILES = 5
# What of a recorded instruction may be corrected, as people name it.
CORRECTABLE = {"text": "批示内容", "leader_name": "领导姓名", "given_on": "批示日期"}


def kind_of(data):
    """What a loaded instruction is: on an existing task, a new matter, or a
    follow-up (再批示) of an earlier instruction. InvalidInput unless exactly one
    of task, matter and parent is given."""
    given = [name for name in ("task", "matter", "parent") if data.get(name) is not None]
    if len(given) != 1:
        raise InvalidInput({"task": "name exactly one of task (an existing task), matter "
                                    "(a new matter) or parent (the instruction followed up)"})
    return {"task": ON_TASK, "matter": NEW_MATTER, "parent": FOLLOW_UP}[given[0]]


def check_giver(caller, leader):
    """The office records an instruction for any leader; a leader enters only
    its own. Forbidden otherwise."""
    role = (caller or {}).get("role")
    if role == "admin":
        return
    if role == "leader" and caller.get("user") == leader:
        return
    raise Forbidden({"code": "instruction_giver",
                     "message": "批示只能由督查办录入，或由领导本人录入自己的批示。"})


def correction(instruction, data, today):
    """What correcting `instruction` (a dict with text, leader_name and given_on,
    the date a date) with `data` (as InstructionCorrectionIn loads it) changes:
    {"reason", "before", "after"}, before and after holding all three fields.
    InvalidInput with a stable code: a blank reason or field, a date after
    `today` (the service's day), or nothing that differs from what is kept."""
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise InvalidInput({"reason": say("reason_required")})
    before = {name: instruction[name] for name in CORRECTABLE}
    after = dict(before)
    for name, label in CORRECTABLE.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            # Spaces around a name or the words are a typo too, not a change.
            value = value.strip()
            if not value:
                raise InvalidInput({name: say("instruction_field_blank", label=label)})
        after[name] = value
    if after["given_on"] > today:
        raise InvalidInput({"given_on": say(
            "instruction_date_in_future", given_on=chinese_day(after["given_on"]),
            today=chinese_day(today))})
    if after == before:
        raise InvalidInput(say("instruction_nothing_changed"))
    return {"reason": reason, "before": before, "after": after}


def corrections_view(rows):
    """Corrections as people read them, oldest first: [{at, by, reason, fields:
    [{field, label, from, to}]}] from rows of {at, by, reason, before, after}
    (dates as ISO text), only the fields that changed."""
    return [{"at": row["at"], "by": row["by"], "reason": row["reason"],
             "fields": [{"field": name, "label": label, "from": row["before"][name],
                         "to": row["after"][name]}
                        for name, label in CORRECTABLE.items()
                        if row["before"][name] != row["after"][name]]}
            for row in rows]


def matter_task(matter, given_on, code, calendar):
    """The task (as TaskIn loads it) a new matter becomes: source instruction, on
    the 13710 clock of its class (general unless given), from the day the
    instruction was given to its due date, with one target of 100% on that day.
    Without a due date it is due when the clock closes it, by `calendar` (a
    working calendar): 7 working days on, or for a complex matter the first
    working day from 30 days on; a count in calendar days fell short of the
    clock around a week of holidays."""
    clock_class = matter.get("clock_class") or "general"
    # given_on is within the years InstructionIn takes, which any calendar counts.
    due = matter.get("due_date") or stage_deadline(
        {"start_date": given_on, "clock_class": clock_class}, "closed", calendar)
    if due < given_on:
        raise InvalidInput({"matter": {"due_date": "must not be before the instruction's date"}})
    return {
        "code": code, "title": matter["title"], "lead_unit": matter["lead_unit"],
        "start_date": given_on, "due_date": due, "category": matter.get("category"),
        "source": "instruction", "clock_class": clock_class,
        "cooperating_units": list(matter.get("cooperating_units") or []),
        "responsible_person": matter.get("responsible_person"),
        "targets": [{"due_date": due, "planned_percent": 100.0,
                     "description": "办结批示事项", "unit": None}],
    }


def follow_up_matter(parent_task, text, clock_class=None, due_date=None):
    """The new matter of a follow-up (再批示) of an instruction on `parent_task`
    (a task dict): the same lead and cooperating units, the parent's clock class
    unless another is given."""
    return {
        "title": f"再批示：{parent_task['title']}"[:300],
        "lead_unit": parent_task["lead_unit"],
        "cooperating_units": parent_task.get("cooperating_units") or [],
        "clock_class": clock_class or parent_task.get("clock_class") or "general",
        "category": parent_task.get("category"),
        "due_date": due_date,
        "responsible_person": parent_task.get("responsible_person"),
    }


def matter_code(given_on, taken):
    """A code for a new matter given none: PS<yyyymmdd>-<n>, the first n not in
    `taken` (codes already used)."""
    number = 1
    while True:
        code = f"PS{given_on:%Y%m%d}-{number:02d}"
        if code not in taken:
            return code
        number += 1


def follow_up_code(parent_code, taken):
    """<parent>-Z<n> for a follow-up's matter, the first n not in `taken`; kept
    within the 32 characters of a code."""
    number = 1
    while True:
        suffix = f"-Z{number}"
        code = parent_code[:32 - len(suffix)] + suffix
        if code not in taken:
            return code
        number += 1


def stages_view(clock_class, clocks, feedback):
    """The 13710 stages of a task as a leader reads them: [{stage, stage_name,
    recorded_at, feedback: [...]}] in the clock's order; a task off the clock has
    none. clocks: [{stage, recorded_at}]; feedback: [{stage, ...}] oldest first."""
    if not clock_class:
        return []
    recorded = {item["stage"]: item["recorded_at"] for item in clocks}
    return [{"stage": stage, "stage_name": STAGE_NAMES[stage],
             "recorded_at": recorded.get(stage),
             "feedback": [item for item in feedback if item["stage"] == stage]}
            for stage in STAGES]


def excerpt(text, length=80):
    """The first words of a text, for a notification or a bulletin line."""
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1] + "…"
