"""Signals of gamed numbers (数据真实性线索), for the supervision office only: pure
rules over plain data, each answering the signals it finds with their reason in
Chinese words. A signal changes no colour and no score: the office looks at it
and marks it reviewed (看过，无问题) or confirmed (属实); only a confirmed one has a
consequence (an accountability record in the warnings service).

Every signal has a stable `key`: the same finding found again (a later report,
the same detector run on the next batch) has the same key and is stored once.

Times given to these rules are the city's local times (naive); days are the
city's days. The thresholds are the constants below, named in the words.
"""
import datetime as dt
from dataclasses import dataclass, field

from services.common.errors import CalendarNotCovered

REUSED_EVIDENCE = "reused_evidence"
LATE_JUMP = "late_jump"
LAST_HOUR = "last_hour"
NO_EVIDENCE = "no_evidence"
LAST_MOMENT_STAGES = "last_moment_stages"
KINDS = (REUSED_EVIDENCE, LATE_JUMP, LAST_HOUR, NO_EVIDENCE, LAST_MOMENT_STAGES)
KIND_NAMES = {
    REUSED_EVIDENCE: "同一佐证资料重复使用",
    LATE_JUMP: "临近期限突击完成",
    LAST_HOUR: "总在截止前最后一小时报送",
    NO_EVIDENCE: "进度上升从无佐证",
    LAST_MOMENT_STAGES: "13710各环节均卡点办理",
}
OPEN, REVIEWED, CONFIRMED = "open", "reviewed", "confirmed"
STATUSES = (OPEN, REVIEWED, CONFIRMED)
STATUS_NAMES = {OPEN: "待核查", REVIEWED: "看过，无问题", CONFIRMED: "属实"}
VERDICTS = (REVIEWED, CONFIRMED)

# A jump to 100% is a signal when the percentage had not risen for FLAT_DAYS
# days before it, it came within JUMP_WORKING_DAYS working days of the due date
# (on the day or before it), and it rose by at least JUMP_POINTS points.
FLAT_DAYS = 21
JUMP_WORKING_DAYS = 2
JUMP_POINTS = 30
# A unit files at the last hour when its last LAST_HOUR_REPORTS reports (one per
# batch) were all received in the last LAST_HOUR_MINUTES minutes of a deadline day
# of the task reported (its due date or a target's).
LAST_HOUR_REPORTS = 3
LAST_HOUR_MINUTES = 60
# A percentage that rose in at least RISES_WITHOUT_EVIDENCE reports of a task
# that has no evidence file at all.
RISES_WITHOUT_EVIDENCE = 3
# A 13710 stage is recorded at the last moment when it is received on its
# deadline day from STAGE_LATE_FROM (the last working hours) on; the signal needs
# at least STAGES_AT_LEAST stages recorded, all of them so.
STAGE_LATE_FROM = dt.time(15, 0)
STAGES_AT_LEAST = 2
# The 13710 days (DESIGN.md): working days, a complex matter's closing calendar
# days. The warnings service keeps the office's values; these are its defaults.
STAGE_DAYS = {"deployed": 1, "first_feedback": 3, "closed": 7}
COMPLEX_CLOSED_DAYS = 30
STAGES = ("deployed", "first_feedback", "closed")
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}


@dataclass(frozen=True)
class Signal:
    kind: str
    key: str
    task: str
    unit: str
    detail: str
    evidence_ids: tuple = field(default_factory=tuple)


def _named(task, unit, names):
    return f"{task}（{names.get(unit, unit)}）"


def reused_evidence(files, names):
    """Files supporting reports of more than one task or unit. files: [{id,
    sha256, task, unit, uploaded_at}] (unit: the unit of the report the file
    supports); names: {unit code: name}. One signal per later place a file is
    used in, against its first use."""
    by_digest = {}
    for item in sorted(files, key=lambda f: (f["uploaded_at"], f["id"])):
        by_digest.setdefault(item["sha256"], []).append(item)
    found = []
    for digest, uses in by_digest.items():
        first = uses[0]
        seen = {(first["task"], first["unit"])}
        for use in uses[1:]:
            place = (use["task"], use["unit"])
            if place in seen:
                continue
            seen.add(place)
            found.append(Signal(
                REUSED_EVIDENCE,
                f"{REUSED_EVIDENCE}:{digest}:{first['task']}/{first['unit']}:"
                f"{use['task']}/{use['unit']}",
                use["task"], use["unit"],
                f"佐证资料（sha256前8位 {digest[:8]}）同时用于"
                f"{_named(first['task'], first['unit'], names)}与"
                f"{_named(use['task'], use['unit'], names)}的报送",
                (first["id"], use["id"])))
    return found


def task_of(code, state):
    """A task as the detectors read it, from what a batch of reports was checked
    against (logic.TaskState, where the batch left it): {code, lead_unit,
    start_date, due_date, clock_class, percent}, as repository_signals.tasks_of
    reads it."""
    return {"code": code, "lead_unit": state.lead_unit, "start_date": state.start_date,
            "due_date": state.due_date, "clock_class": state.clock_class,
            "percent": state.percent}


def late_jump(task, reports, calendar):
    """A jump to 100% on or just before the due date after weeks without a rise.
    task: {code, lead_unit, start_date, due_date}; reports: [{id, unit, percent,
    received_at}] of the task (local times); calendar: a working calendar."""
    found, best, since = [], 0.0, task["start_date"]
    for report in sorted(reports, key=lambda r: (r["received_at"], r["id"])):
        day = report["received_at"].date()
        if report["percent"] >= 100 and best < 100:
            flat = (day - since).days
            left = _working_days(calendar, day, task["due_date"])
            if (left is not None and 0 <= left <= JUMP_WORKING_DAYS and flat >= FLAT_DAYS
                    and 100 - best >= JUMP_POINTS):
                found.append(Signal(
                    LATE_JUMP, f"{LATE_JUMP}:{task['code']}:{report['id']}",
                    task["code"], report["unit"],
                    f"任务{task['code']}进度停在{best:g}%已{flat}天，"
                    f"在期限{task['due_date'].isoformat()}前{left}个工作日内"
                    f"（{day.isoformat()}）一次报至100%"))
        if report["percent"] > best:
            best, since = report["percent"], day
    return found


def _working_days(calendar, day, due):
    """Working days after `day` up to `due` (negative once past it), or None for
    days no calendar counts: a signal is never worth refusing a report for."""
    try:
        return calendar.working_days_between(day, due)
    except CalendarNotCovered:
        return None


def in_last_hour(moment):
    """Whether a local moment falls in the last LAST_HOUR_MINUTES of its day, a
    deadline day or not."""
    end = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time())
    return end - moment <= dt.timedelta(minutes=LAST_HOUR_MINUTES)


def at_last_hour(moment, deadlines):
    """Whether a local moment falls in the last hour of one of `deadlines` (days)."""
    return moment.date() in deadlines and in_last_hour(moment)


def last_hour(unit, reports, deadlines, names):
    """A unit whose last reports were all filed in the last hour of a deadline day.
    reports: [{id, task, batch, received_at}] of the unit (local times), any
    number; deadlines: {task: {day}} (its due date and its targets'). The key
    names the first report of the run, so a run that goes on is one signal."""
    batches = {}
    for report in sorted(reports, key=lambda r: (r["received_at"], r["id"])):
        batches.setdefault(report["batch"], report)
    ordered = sorted(batches.values(), key=lambda r: (r["received_at"], r["id"]))
    run = []
    for report in reversed(ordered):
        if not at_last_hour(report["received_at"], deadlines.get(report["task"], ())):
            break
        run.append(report)
    if len(run) < LAST_HOUR_REPORTS:
        return []
    run.reverse()
    when = "、".join(f"{r['received_at']:%Y-%m-%d %H:%M}（{r['task']}）"
                    for r in run[-LAST_HOUR_REPORTS:])
    return [Signal(
        LAST_HOUR, f"{LAST_HOUR}:{unit}:{run[0]['id']}", run[-1]["task"], unit,
        f"{names.get(unit, unit)}最近{len(run)}次报送均在截止日最后一小时内提交：{when}")]


def no_evidence_key(code):
    """A task is found rising without evidence once: its signal's key."""
    return f"{NO_EVIDENCE}:{code}"


def no_evidence(task, reports, evidence_count):
    """A task whose percentage rose in RISES_WITHOUT_EVIDENCE reports or more and
    that has no evidence file at all. reports: [{id, unit, percent, received_at}]."""
    best, rises, unit = 0.0, 0, task["lead_unit"]
    for report in sorted(reports, key=lambda r: (r["received_at"], r["id"])):
        if report["percent"] > best:
            best, rises, unit = report["percent"], rises + 1, report["unit"]
    if rises < RISES_WITHOUT_EVIDENCE or evidence_count:
        return []
    return [Signal(NO_EVIDENCE, no_evidence_key(task["code"]), task["code"], unit,
                   f"任务{task['code']}进度已上升{rises}次（至{best:g}%），从未上传任何佐证资料")]


def stage_deadline(task, stage, calendar):
    """The last day a 13710 stage may be recorded on (the default days); None
    beyond the calendar."""
    try:
        if stage == "closed" and task.get("clock_class") == "complex":
            return calendar.working_day_on_or_after(
                task["start_date"] + dt.timedelta(days=COMPLEX_CLOSED_DAYS))
        return calendar.add_working_days(task["start_date"], STAGE_DAYS[stage])
    except CalendarNotCovered:
        return None


def last_moment_stages(task, stages, calendar):
    """A matter on the 13710 clock whose every recorded stage (STAGES_AT_LEAST or
    more) was received on its deadline day in the last working hours.
    task: {code, lead_unit, start_date, clock_class}; stages: {stage: received
    (local)}."""
    if not task.get("clock_class") or len(stages) < STAGES_AT_LEAST:
        return []
    said = []
    for stage in STAGES:
        if stage not in stages:
            continue
        received, due = stages[stage], stage_deadline(task, stage, calendar)
        if received.date() != due or received.time() < STAGE_LATE_FROM:
            return []
        said.append(f"“{STAGE_NAMES[stage]}”于期限当日{received:%H:%M}")
    return [Signal(LAST_MOMENT_STAGES, f"{LAST_MOMENT_STAGES}:{task['code']}", task["code"],
                   task["lead_unit"],
                   f"任务{task['code']}的13710各环节均在期限最后时刻办理：{'，'.join(said)}")]


def review_problem(status, verdict):
    """Why a signal cannot take this verdict, or None."""
    if verdict not in VERDICTS:
        return "verdict"
    if status != OPEN:
        return "reviewed"
    return None
