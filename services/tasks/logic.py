"""The tasks service's rules, as plain functions over plain data (no nameko, no
database), so they are tested with nothing but pytest."""
import datetime as dt
import hashlib
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from marshmallow import ValidationError

from services.common.loading import loader
from services.common.progress import after_reports

from . import messages
from .exceptions import InvalidInput
from .messages import chinese_day
from .schemas import ProgressItemIn
from .texts import STATUS_NAMES, say

# Reports from county systems carry their own clocks; a little skew is normal.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
# How long before its receipt a report's or a stage's own time may lie
# (LUOSHI_REPORT_BACKDATE_DAYS): a county system that queued a report over a
# weekend may say when it was written, but timeliness is judged by receipt.
DEFAULT_BACKDATE = dt.timedelta(days=3)


def expand_scope(parents, roots):
    """`roots` and every unit below them, given {code: parent}. None stays None
    (every unit)."""
    if roots is None:
        return None
    children = {}
    for code, parent in parents.items():
        children.setdefault(parent, []).append(code)
    seen, stack = set(), [code for code in roots if code in parents]
    while stack:
        code = stack.pop()
        if code not in seen:
            seen.add(code)
            stack.extend(children.get(code, ()))
    return seen


@dataclass
class TaskState:
    """What a report is checked against: the latest percentage, the status,
    the units taking part in the task and its lead unit; after a batch's check,
    where the task stands (`percent`, and `reported_at`, the latest moment the
    batch's accepted reports name, None before the first). The task's dates and
    13710 clock are what the signals of gamed numbers then judge its reports by
    (signals_entrypoints._find_signals): read with the rest, not again."""

    percent: float
    status: str
    units: set = field(default_factory=set)
    lead_unit: str | None = None
    reported_at: dt.datetime | None = None
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    clock_class: str | None = None


LEAD_UNIT_ONLY = "lead_unit_only"


def lead_unit_problem(leads, code, lead_unit):
    """Why a caller may not act on task `code`'s whole, or None.

    A task's percentage, its closing (销号), its explanation and its 13710
    stages belong to its lead unit (牵头单位) and the office. A cooperating
    unit or a target's owner reads the task, adds evidence and keeps its own
    commitments, but does not speak for the task: a cooperating county could
    otherwise set the lead's task to 100% and close it. `leads(lead_unit)`
    says whether the caller acts for the lead unit (the service asks the
    authorisation table, policy/authorisation.json); a set of unit codes, or
    None for every unit, reads as "the lead unit is among them". The answer is
    the error's detail: a stable code and the words people read.
    """
    if leads is None or (leads(lead_unit) if callable(leads) else lead_unit in leads):
        return None
    return {"code": LEAD_UNIT_ONLY,
            "message": f"任务 {code} 的整体进度、销号、说明情况和13710节点只能由牵头单位 "
                       f"{lead_unit} 或督查办办理。"}


def check_progress_batch(items, tasks, units, scope, now, backdate=DEFAULT_BACKDATE,
                         office=False, leads=None, evidence=None):
    """Check a batch of reports in order, each against the state the earlier ones
    left. Answers (accepted, results): `accepted` the loaded items to store, with
    `index`, `received_at` (when the platform received it: `now`) and
    `reported_at` (the client's own time, default its receipt); `results` one
    entry per item, accepted or rejected with its reason.

    tasks: {code: TaskState}, left where each task stands after the accepted
    reports (the last report wins); units: the set of known unit codes; scope:
    the unit codes the caller acts for, or None; leads: whether the caller may
    report for a task led by a unit (lead_unit_problem; default: the lead unit
    is in `scope`). A report's own time may lie at most `backdate` before its
    receipt. Only the `office` may say when a report was received (a report
    that reached it on paper, entered later); that too lies in the past, and
    bounds the report's own time the same way. `evidence`, when given, checks
    last the files each report names or lacks (evidence_rules.evidence_check).
    """
    load = loader(ProgressItemIn)
    accepted, results = [], []
    for index, raw in enumerate(items):
        try:
            item = load(raw if isinstance(raw, dict) else {})
        except ValidationError as err:
            results.append({"index": index, "status": "rejected", "reason": err.messages})
            continue
        # Each moment as the tables keep it, once: the checks and the store read it.
        for moment in ("received_at", "reported_at"):
            item[moment] = naive_utc(item.get(moment))
        reason = (_progress_problem(item, tasks, units, scope, now, leads)
                  or _time_problem(item, now, backdate, office)
                  or (evidence and evidence(item)))
        if isinstance(reason, dict):  # a coded refusal: its words, and its code beside
            results.append({"index": index, "status": "rejected",
                            "reason": reason["message"], "code": reason["code"]})
            continue
        if reason:
            results.append({"index": index, "status": "rejected", "reason": reason})
            continue
        state = tasks[item["task"]]
        item["received_at"] = item["received_at"] or now
        item["reported_at"] = item["reported_at"] or item["received_at"]
        state.percent, state.reported_at = after_reports(
            state.percent, state.reported_at, [(item["percent"], item["reported_at"])])
        item["index"] = index
        accepted.append(item)
        results.append({"index": index, "status": "accepted"})
    return accepted, results


def receipt_standing(receipts):
    """(last_received_at, last_rise_received_at) of a task from its reports'
    [(percent, received_at)] in the order they were accepted: when the latest
    report was received, and when the last one that raised the percentage was
    (None if none did). What the consumers judge timeliness by, after the office
    moved a receipt."""
    last = rise = None
    before = 0.0
    for percent, received_at in receipts:
        last = received_at if last is None else max(last, received_at)
        if percent > before:
            rise = received_at if rise is None else max(rise, received_at)
        before = percent
    return last, rise


def batch_digest(items):
    """A fingerprint of a batch's content, blind to spacing and key order."""
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    # surrogatepass: a lone surrogate is refused with its item, not with the batch.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _progress_problem(item, tasks, units, scope, now, leads=None):
    state = tasks.get(item["task"])
    if scope is not None and (state is None or item["unit"] not in scope
                              or item["unit"] not in state.units):
        # The same words whether the task exists or not: no hint across units.
        return say("report_outside_units")
    if state is None:
        return say("task_unknown", task=item["task"])
    # The percentage is the task's as a whole, which its lead unit answers for.
    if state.lead_unit is not None:
        problem = lead_unit_problem(scope if leads is None else leads, item["task"],
                                    state.lead_unit)
        if problem:
            return problem
    if item["unit"] not in units:
        return say("unit_unknown", unit=item["unit"])
    if item["unit"] not in state.units:
        return say("unit_not_assigned", unit=item["unit"], task=item["task"])
    if state.status != "active":
        return say("task_not_active", task=item["task"],
                   status=STATUS_NAMES.get(state.status, state.status), action="报送进度")
    if item["percent"] < state.percent:
        if not item.get("correction"):
            return say("percent_lower", percent=item["percent"], last=state.percent)
        if not (item.get("note") or "").strip():
            return say("correction_needs_note")
    return None


def _time_problem(item, now, backdate, office):
    """Why a report's times (naive UTC, or None where not given) cannot be taken
    (a coded refusal), or None."""
    received_at = item["received_at"]
    if received_at is not None:
        if not office:
            return messages.RECEIVED_AT_OFFICE_ONLY
        if received_at > now + FUTURE_TOLERANCE:
            return messages.RECEIVED_AT_IN_FUTURE
    return moment_problem("reported_at", item["reported_at"], received_at or now, backdate)


def moment_problem(field, moment, received_at, backdate):
    """Why a client's own time (`field`: a report's reported_at, a 13710 stage's
    recorded_at) cannot be kept beside its receipt, as a coded refusal, or None:
    it may not lie ahead of the receipt (beyond a clock's skew) nor more than
    `backdate` before it."""
    if moment is None:
        return None
    if moment > received_at + FUTURE_TOLERANCE:
        return messages.in_future(field)
    if moment < received_at - backdate:
        return messages.too_old(field, moment, received_at, backdate.days)
    return None


def naive_utc(moment):
    """A moment as the tables keep it, naive UTC; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def closing_problem(status, percent, evidence_count, code=""):
    """Why task `code` cannot be closed (销号), as Conflict's detail, or None."""
    if status != "active":
        return not_active(code, status, "销号")
    if percent < 100:
        return say("close_needs_100", percent=percent)
    if evidence_count < 1:
        return say("close_needs_evidence")
    return None


def explaining_problem(status, reason, code=""):
    """Why task `code` cannot be explained (说明情况), as Conflict's detail, or None."""
    if status != "active":
        return not_active(code, status, "说明情况")
    if not (reason or "").strip():
        return say("reason_required")
    return None


def row_errors(index, messages):
    """Flatten marshmallow-style messages into [{row, field, reason}] (rows from 1,
    as a spreadsheet counts them after its header). A nested error is placed by
    its path, as `targets[1].unit`, and each of a field's messages is one reason:
    the gateway words each for the office, naming the target it is about."""
    return [{"row": index + 1, "field": field_name, "reason": reason}
            for field_name, reason in _error_paths(messages or {}, "")]


def _error_paths(messages, path):
    """(field path, reason) of each message at any depth; a list's items are keyed
    by their index, a nested object's fields by their names."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                yield from _error_paths(value, f"{path}[{key}]")
            else:
                yield from _error_paths(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, (list, tuple)):
        for message in messages:
            yield from _error_paths(message, path)
    else:
        yield path, str(messages)


def named_units(task):
    """The unit codes a loaded task names: its lead, cooperating and target units."""
    return {task["lead_unit"], *task["cooperating_units"],
            *(target.get("unit") for target in task["targets"])} - {None}


def task_problems(task, exists, known_units):
    """What stops a loaded task being created, as InvalidInput's messages ({} when
    nothing): "code" when a task of its code `exists`, and each unit it names that
    is not among `known_units`."""
    problems = {}
    if exists:
        problems["code"] = f"task {task['code']} exists"
    if task["lead_unit"] not in known_units:
        problems["lead_unit"] = f"unknown unit {task['lead_unit']}"
    unknown = sorted(set(task["cooperating_units"]) - known_units)
    if unknown:
        problems["cooperating_units"] = f"unknown units {', '.join(unknown)}"
    for index, target in enumerate(task["targets"]):
        if target.get("unit") and target["unit"] not in known_units:
            problems.setdefault("targets", {})[index] = {
                "unit": f"unknown unit {target['unit']}"}
    return problems


def task_links(task):
    """{unit code: role} of a new task: its lead unit leads; its cooperating units
    and the units owning its targets (the lead unit when a target names none)
    cooperate."""
    links = {task["lead_unit"]: "lead"}
    for unit in task["cooperating_units"]:
        links.setdefault(unit, "cooperating")
    for target in task["targets"]:
        links.setdefault(target.get("unit") or task["lead_unit"], "cooperating")
    return links


def extension_problem(new_date, previous, task_due_date, seq):
    """Why a due date cannot move from `previous` to `new_date`, as InvalidInput's
    messages ({field: {code, message}}), or None: a target (`seq` not None) stays
    within its task's due date, and a due date only moves later."""
    if seq is not None and new_date > task_due_date:
        return {"new_due_date": say("extension_after_task")}
    if new_date <= previous:
        return {"new_due_date": say("extension_not_later", previous=chinese_day(previous))}
    return None


# Evidence is accepted by what the bytes are, not by the name they carry.
_ZIP_KINDS = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             ".pptx"),
}
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_evidence(content: bytes):
    """The content type of an evidence file judged by its bytes; InvalidInput for
    anything not a PDF, an image, an Office document or UTF-8 text."""
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            names = []
        for prefix, (kind, _suffix) in _ZIP_KINDS.items():
            if any(name.startswith(prefix) for name in names):
                return kind
    elif content and b"\x00" not in content[:4096]:
        try:
            content.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    raise InvalidInput({"file": "evidence must be a PDF, PNG, JPEG, GIF, Word, Excel, "
                                "PowerPoint or UTF-8 text file"})


def clean_evidence_name(filename):
    """An evidence file's name as kept: no control or format characters (a
    newline in a download's header makes the HTTP server refuse the answer),
    no path separators, at most 200 characters; "evidence" when nothing is left."""
    kept = "".join("_" if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
                   or char in "/\\" else char for char in (filename or ""))
    return kept.strip().strip(".")[:200] or "evidence"


# Keeping the records true: edits, re-plans, cancellations, units' lives ---------

EDITABLE = ("title", "category", "source", "clock_class", "responsible_person",
            "start_date", "due_date", "cooperating_units", "lead_unit", "batch")


def _plain(value):
    """A value as a change record keeps it (dates as ISO text, lists sorted)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, set, tuple)):
        return sorted(value)
    return value


def task_changes(task, loaded, units, today):
    """What an edit changes, and what stops it.

    task: the task as it stands (repository's task dict: ISO dates, its plan in
    force as `targets`); loaded: TaskChangesIn's load; units: {code: status} of
    every unit the edit names; today: the local day of the change.
    Answers (changes {field: [old, new]}, problem or None), the problem as
    InvalidInput's detail ({field: say(...)}).
    """
    changes = {}
    for name, new in loaded.items():
        old = task.get(name)
        if name in ("start_date", "due_date"):
            old = dt.date.fromisoformat(old)
        if name == "cooperating_units":
            new = sorted(set(new))
        if _plain(old) != _plain(new):
            changes[name] = [_plain(old), _plain(new)]
    lead = loaded.get("lead_unit", task["lead_unit"])
    cooperating = set(loaded.get("cooperating_units", task["cooperating_units"]))
    if "lead_unit" in changes and "cooperating_units" not in loaded and lead in cooperating:
        # The cooperating unit that now leads no longer cooperates.
        cooperating.discard(lead)
        changes["cooperating_units"] = [sorted(task["cooperating_units"]), sorted(cooperating)]
    for name, codes in (("lead_unit", [lead] if "lead_unit" in changes else []),
                        ("cooperating_units", sorted(
                            cooperating - set(task["cooperating_units"])))):
        for code in codes:
            if code not in units:
                return changes, {name: say("unit_unknown", unit=code)}
            if units[code] != "active":
                return changes, {name: say("unit_retired", unit=code)}
    if lead in cooperating:
        return changes, {"cooperating_units": say("lead_also_cooperating")}
    start = loaded.get("start_date", dt.date.fromisoformat(task["start_date"]))
    due = loaded.get("due_date", dt.date.fromisoformat(task["due_date"]))
    if start > due:
        return changes, {"due_date": say("dates_out_of_order")}
    if "start_date" in changes or "due_date" in changes:
        for target in task["targets"]:
            target_due = dt.date.fromisoformat(target["due_date"])
            if not start <= target_due <= due:
                field_name = "due_date" if target_due > due else "start_date"
                return changes, {field_name: say("target_outside_dates", seq=target["seq"],
                                                 due=target["due_date"])}
    return changes, None


def lead_moves(targets, previous_lead, new_lead, today):
    """The seqs of the targets in force that follow a new lead unit: those the
    previous lead owned that are not due before `today` (the past stays its)."""
    return [target["seq"] for target in targets
            if target["unit"] == previous_lead
            and dt.date.fromisoformat(target["due_date"]) >= today]


@dataclass
class Replan:
    """A re-plan worked out: `kept` the targets already due (seqs, they stay),
    `replaced` the seqs of those it replaces, `added` the new targets as rows
    (seq, due_date, planned_percent, description, unit), all of plan `version`."""

    version: int
    kept: list
    replaced: list
    added: list


def replan(task, targets, loaded, units, today, plan_version, last_seq):
    """A new plan for the task's remaining targets, or an InvalidInput detail.

    task: as task_changes; targets: the plan in force ([{seq, due_date (date),
    planned_percent, unit}]); loaded: ReplanIn's targets; units: {code: status}
    of the units the new targets name; plan_version: the version in force;
    last_seq: the highest seq the task ever used (new targets are numbered on,
    so that a seq always names one target and its colour history).
    Answers (Replan or None, problem or None).
    """
    kept = [t for t in targets if t["due_date"] < today]
    replaced = [t["seq"] for t in targets if t["due_date"] >= today]
    start = dt.date.fromisoformat(task["start_date"])
    task_due = dt.date.fromisoformat(task["due_date"])
    floor_due = max((t["due_date"] for t in kept), default=start)
    floor_percent = max((t["planned_percent"] for t in kept), default=0.0)
    added = []
    for index, target in enumerate(loaded, start=1):
        due = target["due_date"]
        # Keyed as JSON keys them, the same in the service and over the wire.
        where = {"targets": {str(index - 1): None}}
        if due < today:
            where["targets"][str(index - 1)] = {"due_date": say("replan_in_past",
                                                           today=today.isoformat())}
            return None, where
        if due > task_due:
            where["targets"][str(index - 1)] = {"due_date": say(
                "replan_after_due", index=index, due=due.isoformat(),
                task_due=task_due.isoformat())}
            return None, where
        if due < floor_due or target["planned_percent"] < floor_percent:
            where["targets"][str(index - 1)] = {"planned_percent": say(
                "replan_before_kept", index=index, due=floor_due.isoformat(),
                percent=f"{floor_percent:g}")}
            return None, where
        unit = target.get("unit") or task["lead_unit"]
        if units.get(unit) != "active":
            code = "unit_unknown" if unit not in units else "unit_retired"
            where["targets"][str(index - 1)] = {"unit": say(code, unit=unit)}
            return None, where
        added.append({"seq": last_seq + index, "due_date": due,
                      "planned_percent": target["planned_percent"],
                      "description": target.get("description"), "unit": unit})
    return Replan(plan_version + 1, [t["seq"] for t in kept], replaced, added), None


def task_links_of(lead_unit, cooperating_units, target_units):
    """{unit code: role} of a task as it stands: its lead unit leads; its
    cooperating units and the owners of its targets, past ones included,
    cooperate (so a unit keeps sight of the targets it owned)."""
    links = {lead_unit: "lead"}
    for unit in (*sorted(cooperating_units), *sorted(set(target_units))):
        links.setdefault(unit, "cooperating")
    return links


def not_active(code, status, action):
    """The Conflict detail of an `action` refused on a task no longer active."""
    return say("task_not_active", task=code, status=STATUS_NAMES.get(status, status),
               action=action)


def cancel_problem(code, status):
    """Why a task cannot be cancelled (撤销), as Conflict's detail, or None."""
    return not_active(code, status, "撤销") if status != "active" else None


def unit_changes(unit, loaded):
    """{field: [old, new]} of an edit of a unit (name, head, operator)."""
    return {name: [unit.get(name), new] for name, new in loaded.items()
            if name != "reason" and unit.get(name) != new}


def merge_moves(unit, into, tasks, today):
    """How the open tasks of `unit` move to `into`: [{code, lead_unit,
    previous_lead_unit, cooperating_units, targets}] where `targets` are the seqs
    of the targets not due before `today` that `unit` owned.

    tasks: [{code, lead_unit, cooperating_units, targets: [{seq, due_date (ISO),
    unit}]}] of the open tasks `unit` takes part in.
    """
    moves = []
    for task in tasks:
        lead = into if task["lead_unit"] == unit else task["lead_unit"]
        cooperating = {into if code == unit else code for code in task["cooperating_units"]}
        cooperating.discard(lead)
        moves.append({
            "code": task["code"], "lead_unit": lead, "previous_lead_unit": task["lead_unit"],
            "cooperating_units": sorted(cooperating),
            "targets": lead_moves(task["targets"], unit, into, today)})
    return moves


def batch_counts(rows):
    """[{batch, items, active, closed, explained, cancelled}] from rows of
    (batch, status, tasks), by batch (no batch: None, last)."""
    by_batch = {}
    for batch, status, number in rows:
        entry = by_batch.setdefault(batch, {
            "batch": batch, "items": 0, "active": 0, "closed": 0, "explained": 0,
            "cancelled": 0})
        entry["items"] += number
        if status in entry:
            entry[status] += number
    return sorted(by_batch.values(), key=lambda e: (e["batch"] is None, e["batch"] or ""))


# The years a task list may be scoped to: the platform's records begin after the
# first, and the second is far beyond any plan an office draws up.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class YearScope:
    """The tasks of one year (the task list's `year`): those that started by its
    last day and were not finished before its first, that is whose period
    (start..due) overlaps it, or which were still in hand on 1 January (still
    active, or closed, explained or cancelled on or after the first moment of
    the year, `since`: naive UTC, the city's midnight)."""

    first: dt.date
    last: dt.date
    since: dt.datetime


def year_scope(year, zone):
    """The YearScope of `year` (a whole number 2000–2100, or its digits) in the
    city's time zone `zone`; InvalidInput otherwise."""
    if isinstance(year, str) and len(year.strip()) == 4 and year.strip().isdigit():
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput({"year": say("year_invalid", first=FIRST_YEAR, last=LAST_YEAR)})
    midnight = dt.datetime(year, 1, 1, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
    return YearScope(dt.date(year, 1, 1), dt.date(year, 12, 31), midnight)


def month_span(month):
    """(first day, last day) of a month written 2026-12; InvalidInput otherwise."""
    try:
        year, number = (int(part) for part in month.split("-"))
        if len(month) != 7 or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(month)
        first = dt.date(year, number, 1)
    except (AttributeError, TypeError, ValueError):
        raise InvalidInput({"due_month": say("month_invalid")}) from None
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)
