"""The tasks service's rules, as plain functions over plain data (no nameko, no
database), so they are tested with nothing but pytest."""
import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from marshmallow import ValidationError

from services.common.progress import after_reports

from .exceptions import InvalidInput
from .schemas import ProgressItemIn

# Reports from county systems carry their own clocks; a little skew is normal.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


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
    """What a report is checked against: the latest percentage, the status and
    the units that may report on the task; after a batch's check, where the task
    stands (`percent`, and `reported_at`, the latest moment the batch's accepted
    reports name, None before the first)."""

    percent: float
    status: str
    units: set = field(default_factory=set)
    reported_at: dt.datetime | None = None


def check_progress_batch(items, tasks, units, scope, now):
    """Check a batch of reports in order, each against the state the earlier ones
    left. Answers (accepted, results): `accepted` the loaded items to store, with
    `index`; `results` one entry per item, accepted or rejected with its reason.

    tasks: {code: TaskState}, left where each task stands after the accepted
    reports (the last report wins); units: the set of known unit codes; scope:
    the unit codes the caller acts for, or None.
    """
    schema = ProgressItemIn()
    accepted, results = [], []
    for index, raw in enumerate(items):
        try:
            item = schema.load(raw if isinstance(raw, dict) else {})
        except ValidationError as err:
            results.append({"index": index, "status": "rejected", "reason": err.messages})
            continue
        reason = _progress_problem(item, tasks, units, scope, now)
        if reason:
            results.append({"index": index, "status": "rejected", "reason": reason})
            continue
        state = tasks[item["task"]]
        item["reported_at"] = naive_utc(item.get("reported_at")) or now
        state.percent, state.reported_at = after_reports(
            state.percent, state.reported_at, [(item["percent"], item["reported_at"])])
        item["index"] = index
        accepted.append(item)
        results.append({"index": index, "status": "accepted"})
    return accepted, results


def batch_digest(items):
    """A fingerprint of a batch's content, blind to spacing and key order."""
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _progress_problem(item, tasks, units, scope, now):
    state = tasks.get(item["task"])
    if scope is not None and (state is None or item["unit"] not in scope
                              or item["unit"] not in state.units):
        # The same words whether the task exists or not: no hint across units.
        return "task or unit outside the caller's units"
    if state is None:
        return f"unknown task {item['task']}"
    if item["unit"] not in units:
        return f"unknown unit {item['unit']}"
    if item["unit"] not in state.units:
        return f"unit {item['unit']} is not assigned to task {item['task']}"
    if state.status != "active":
        return f"task {item['task']} is {state.status}; it takes no more reports"
    if item["percent"] < state.percent:
        if not item.get("correction"):
            return (f"{item['percent']:g}% is lower than the last reported {state.percent:g}%;"
                    " send correction: true with a note to lower it")
        if not (item.get("note") or "").strip():
            return "a correction needs a note saying why"
    reported_at = naive_utc(item.get("reported_at"))
    if reported_at and reported_at > now + FUTURE_TOLERANCE:
        return "reported_at is in the future"
    return None


def naive_utc(moment):
    """A moment as the tables keep it, naive UTC; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def closing_problem(status, percent, evidence_count):
    """Why a task cannot be closed (销号), or None."""
    if status != "active":
        return f"task is {status}"
    if percent < 100:
        return f"a task is closed at 100%; it stands at {percent:g}%"
    if evidence_count < 1:
        return "closing needs at least one evidence file"
    return None


def explaining_problem(status, reason):
    if status != "active":
        return f"task is {status}"
    if not (reason or "").strip():
        return "a reason is required"
    return None


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
    messages, or None: a target (`seq` not None) stays within its task's due date,
    and a due date only moves later."""
    if seq is not None and new_date > task_due_date:
        return {"new_due_date": "a target cannot be due after its task; extend the task first"}
    if new_date <= previous:
        return {"new_due_date": f"must be later than the current due date "
                                f"{previous.isoformat()}"}
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
