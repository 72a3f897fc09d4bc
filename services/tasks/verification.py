"""复核: the office verifies what a unit claims of itself, as plain rules (no
nameko, no SQL).

A lead unit's closing of a task (销号), its 13710 stage and its kept commitment
are requests. The office's policy, per kind, says whether a request is checked:
none (it counts at once, as before verification existed), all, or a random
share (抽查). A request drawn for checking waits (待复核) until the office
confirms it (then it counts, as of the unit's own day) or sends it back (退回,
with a reason: the item is as it was before the request, and the send-back
counts against the unit in the ranking).

The draw is made when the request arrives and kept with it, so a unit cannot
know beforehand whether its request will be checked; units only ever read
待复核 or 已计入 (verification_view).
"""
import dataclasses

from .exceptions import Conflict, InvalidInput

CLOSURE, CLOCK_STAGE, COMMITMENT = "closure", "clock_stage", "commitment"
KINDS = (CLOSURE, CLOCK_STAGE, COMMITMENT)
KIND_NAMES = {CLOSURE: "销号", CLOCK_STAGE: "13710节点", COMMITMENT: "承诺兑现"}

NONE, ALL, SHARE = "none", "all", "share"
MODES = (NONE, ALL, SHARE)

# A request's states: counted at once (not drawn), waiting for the office,
# confirmed, sent back.
COUNTED, PENDING, CONFIRMED, RETURNED = "counted", "pending", "confirmed", "returned"
STATUSES = (COUNTED, PENDING, CONFIRMED, RETURNED)
STATUS_NAMES = {COUNTED: "已计入", PENDING: "待复核", CONFIRMED: "已复核", RETURNED: "被退回"}
# A share's draw: a whole number below DRAW_RANGE, checked when below the
# percentage.
DRAW_RANGE = 100
MAX_REASON = 2000


def _check_rule(value):
    if not isinstance(value, dict) or set(value) != {"mode", "percent"}:
        return "an object {mode, percent}"
    if value["mode"] not in MODES:
        return f"mode one of {', '.join(MODES)}"
    percent = value["percent"]
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        return "percent a whole number from 0 to 100"
    if value["mode"] == SHARE and not 0 < percent < 100:
        return "a share (抽查) checks from 1 to 99 percent"
    return None


def _none():
    return {"mode": NONE, "percent": 0}


@dataclasses.dataclass(frozen=True)
class VerificationPolicy:
    """Per kind {mode, percent}: mode none (counts at once), all (every request
    waits for the office) or share (`percent` of the requests, drawn at random).
    Kept as versioned data (services/common/rule_versions.py); the default
    checks nothing, so that nothing changes until the office opts in."""

    version: int = 1
    closure: dict = dataclasses.field(default_factory=_none)
    clock_stage: dict = dataclasses.field(default_factory=_none)
    commitment: dict = dataclasses.field(default_factory=_none)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data):
        """A policy from stored or submitted data; InvalidInput naming each wrong
        field (unknown fields too)."""
        names = {field.name for field in dataclasses.fields(cls)}
        problems = {key: "not a policy field" for key in data if key not in names}
        values = {**cls().to_dict(), **{k: v for k, v in data.items() if k in names}}
        version = values["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            problems["version"] = "a whole number from 1"
        for kind in KINDS:
            value = values[kind]
            # "all" and "none" need no percentage: fill it in for them.
            if isinstance(value, dict) and set(value) == {"mode"} and value["mode"] in (NONE, ALL):
                value = values[kind] = {"mode": value["mode"],
                                        "percent": 100 if value["mode"] == ALL else 0}
            problem = _check_rule(value)
            if problem:
                problems[kind] = problem
        if problems:
            raise InvalidInput(problems)
        for kind in KINDS:
            # One spelling per meaning: all is 100, none is 0.
            mode = values[kind]["mode"]
            if mode != SHARE:
                values[kind] = {"mode": mode, "percent": 100 if mode == ALL else 0}
        return cls(**values)

    def rule(self, kind):
        return getattr(self, kind)


def needs_draw(rule):
    """Whether a request under `rule` needs a random draw (only a share does)."""
    return rule["mode"] == SHARE


def is_sampled(rule, draw):
    """Whether a request is checked, given its kind's rule and its draw (a whole
    number in [0, DRAW_RANGE), None when no draw was made)."""
    if rule["mode"] == ALL:
        return True
    if rule["mode"] == NONE:
        return False
    return draw is not None and draw < rule["percent"]


def decision_problem(verification_id, status):
    """Conflict words when a request cannot be confirmed or sent back: only one
    waiting for the office can."""
    if status == PENDING:
        return None
    return {"code": "verification_not_pending",
            "message": f"复核事项{verification_id}当前为“{STATUS_NAMES.get(status, status)}”，"
                       "只有待复核的事项可以确认或退回。"}


def check_decision(verification_id, status):
    problem = decision_problem(verification_id, status)
    if problem:
        raise Conflict(problem)


def return_reason(reason):
    """The send-back's reason, stripped; InvalidInput when missing or too long."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput({"reason": {"code": "reason_required",
                                       "message": "退回须写明原因。"}})
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": f"at most {MAX_REASON:,} characters"})
    return reason.strip()


def pending_problem(kind, subject):
    """Conflict words for a request made again while one is waiting."""
    return {"code": "verification_pending",
            "message": f"{subject}的{KIND_NAMES[kind]}已提交，正在等待督查办复核。"}


def verification_view(row, office):
    """A request as a caller reads it. The office reads everything but the
    draw; a unit reads its state (待复核, 已计入 for one counted or confirmed,
    被退回 with the reason), never whether or how it was drawn."""
    status = row["status"]
    shown = status
    if not office and status in (COUNTED, CONFIRMED):
        shown = COUNTED
    view = {key: row[key] for key in (
        "id", "kind", "task", "unit", "subject", "claim", "requested_at", "requested_by",
        "decided_at", "reason")}
    view.update(kind_name=KIND_NAMES[row["kind"]], status=shown,
                status_name=STATUS_NAMES[shown])
    if office:
        view["decided_by"] = row["decided_by"]
        view["policy_version"] = row["policy_version"]
    return view


def timeline_entries(rows):
    """A task's verifications as entries of its timeline, oldest first: the
    request, and the confirmation or send-back. Counted requests show as one
    step counted at once."""
    entries = []
    for row in rows:
        what = KIND_NAMES[row["kind"]] + (f"（{row['subject_name']}）"
                                          if row.get("subject_name") else "")
        entries.append({"kind": "verification_requested", "at": row["requested_at"],
                        "by": row["requested_by"], "verification": row["id"],
                        "text": f"申请{what}" + ("，已计入" if row["status"] == COUNTED
                                                 else "，提交督查办复核"),
                        "reason": None})
        if row["status"] == CONFIRMED:
            entries.append({"kind": "verification_confirmed", "at": row["decided_at"],
                            "by": row["decided_by"], "verification": row["id"],
                            "text": f"督查办复核确认{what}", "reason": None})
        elif row["status"] == RETURNED:
            entries.append({"kind": "verification_returned", "at": row["decided_at"],
                            "by": row["decided_by"], "verification": row["id"],
                            "text": f"督查办退回{what}", "reason": row["reason"]})
    return sorted(entries, key=lambda entry: (entry["at"] or "", entry["verification"]))


def counts(rows):
    """{kind: n, "total": n} of (kind, n) rows of pending requests."""
    found = {kind: 0 for kind in KINDS}
    for kind, number in rows:
        found[kind] = found.get(kind, 0) + number
    return {**found, "total": sum(found.values())}
