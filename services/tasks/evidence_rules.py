"""The rules for the evidence (佐证资料) a progress report must carry, and for the
extensions units ask for: plain functions over plain data, tested with pytest.

The evidence rules are data the office edits, in versions (the highest stored
is in force; version 1, these defaults, is never stored). The default requires
nothing: the platform's reports have always been taken without files, and an
office turns a rule on when it is ready to ask the units for them."""
import dataclasses
import datetime as dt

from .exceptions import InvalidInput
from .messages import chinese_day
from .texts import STATUS_NAMES, say

# A report names at most this many uploads.
MAX_REPORT_FILES = 10


@dataclasses.dataclass
class EvidenceRules:
    """- at_full: a report that reaches 100% carries at least one file.
    - at_target_met: a report that claims a target met (`target_met`: the
      target's seq) carries at least one file."""

    version: int = 1
    at_full: bool = False
    at_target_met: bool = False

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Rules from stored or submitted data: InvalidInput naming each wrong or
        unknown field."""
        names = {field.name for field in dataclasses.fields(cls)}
        problems = {key: "not a rule field" for key in data if key not in names}
        values = {**cls().to_dict(), **{k: v for k, v in data.items() if k in names}}
        for key in ("at_full", "at_target_met"):
            if not isinstance(values[key], bool):
                problems[key] = "true or false"
        if (not isinstance(values["version"], int) or isinstance(values["version"], bool)
                or values["version"] < 1):
            problems["version"] = "a whole number from 1"
        if problems:
            raise InvalidInput(problems)
        return cls(**values)


def evidence_check(uploads, rules, targets):
    """A check for logic.check_progress_batch: (item) -> a coded refusal or None,
    remembering the uploads the items it passed have named, so that no file
    supports two reports. `targets`: {task code: seqs of its targets in force}."""
    taken = set()

    def check(item):
        problem = report_evidence_problem(item, uploads, taken, rules,
                                          targets.get(item["task"], set()))
        if problem is None:
            taken.update(item.get("evidence") or ())
        return problem
    return check


def report_evidence_problem(item, uploads, taken, rules, targets):
    """Why a report item's evidence cannot be taken (a coded refusal), or None.

    item: the loaded report, its `evidence` the upload ids it names (may be
    empty) and `target_met` the seq of the target it claims met (or None);
    uploads: {evidence id: task code} of the files uploaded and not yet named by
    any report; taken: the ids named by earlier items of the same batch;
    rules: EvidenceRules; targets: the seqs of the task's targets in force."""
    named = item.get("evidence") or []
    if len(named) > MAX_REPORT_FILES:
        return say("evidence_too_many", most=MAX_REPORT_FILES)
    for evidence_id in named:
        if uploads.get(evidence_id) != item["task"] or evidence_id in taken:
            return say("evidence_unknown", evidence=evidence_id, task=item["task"])
    if len(set(named)) != len(named):
        return say("evidence_unknown", evidence=named[0], task=item["task"])
    seq = item.get("target_met")
    if seq is not None and seq not in targets:
        return say("target_met_unknown", seq=seq, task=item["task"])
    if named:
        return None
    if rules.at_full and item["percent"] >= 100:
        return say("evidence_required_full")
    if rules.at_target_met and seq is not None:
        return say("evidence_required_target", seq=seq)
    return None


# Extensions asked for by units ------------------------------------------------

PENDING = "pending"
DECISIONS = ("approved", "shortened", "refused")
DECISION_NAMES = {"pending": "待审批", "approved": "已批准", "shortened": "已缩短批准",
                  "refused": "未批准"}


def request_problem(status, asked, previous, task_due_date, seq, pending, code):
    """Why a lead unit may not ask for `asked` (a coded refusal), or None:
    the task must be active, the asked date later than the current one (and a
    target's within the task's), and no request for the same date pending."""
    if status != "active":
        return say("task_not_active", task=code, status=STATUS_NAMES.get(status, status),
                   action="申请延期")
    if pending:
        return say("extension_request_pending", task=code)
    if asked <= previous:
        return say("extension_not_later", previous=chinese_day(previous))
    if seq is not None and asked > task_due_date:
        return say("extension_after_task")
    return None


def decision(request, outcome, granted):
    """(the date the decision moves the due date to, or None for a refusal; a
    coded refusal, or None) of deciding a pending `request` ({status,
    previous_due_date, asked_due_date}) with `outcome`: approved (to the asked
    date), shortened (to `granted`, strictly between the old and the asked
    date) or refused."""
    if request["status"] != PENDING:
        return None, say("extension_request_decided",
                         status=DECISION_NAMES.get(request["status"], request["status"]))
    if outcome == "refused":
        return None, None
    if outcome == "approved":
        return request["asked_due_date"], None
    if outcome != "shortened":
        raise InvalidInput({"outcome": f"one of {', '.join(DECISIONS)}"})
    if not isinstance(granted, dt.date) or not (
            request["previous_due_date"] < granted < request["asked_due_date"]):
        return None, say("extension_shortened_between",
                         previous=chinese_day(request["previous_due_date"]),
                         asked=chinese_day(request["asked_due_date"]))
    return granted, None
